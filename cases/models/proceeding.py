"""Legal proceedings of a case, their deadlines and the attorney of record (issue 20, decision 0024).

A case has many proceedings over time: removal proceedings before an immigration judge, expedited
removal, reinstatement of a prior order, stipulated removal, voluntary departure, a habeas petition in
a federal district court, a criminal case. Hearings belong to one (``Hearing.proceeding``); a proceeding
has deadlines (the appeal to the BIA 30 days after an immigration judge's decision, the date to leave
under voluntary departure, any other staff add), each reminded before it is due on its court's clock.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet
from staffsite.formats import in_words


class ProceedingKind(models.TextChoices):
    REMOVAL = "removal", _("Removal proceedings before an immigration judge")
    EXPEDITED_REMOVAL = "expedited_removal", _("Expedited removal (no hearing)")
    REINSTATEMENT = "reinstatement", _("Reinstatement of a prior removal order")
    STIPULATED_REMOVAL = "stipulated_removal", _("Stipulated removal")
    VOLUNTARY_DEPARTURE = "voluntary_departure", _("Voluntary departure")
    HABEAS = "habeas", _("Habeas petition in federal court")
    CRIMINAL = "criminal", _("Criminal case")


# Which court each kind is before: an immigration court (EOIR), a federal district court division, a
# criminal court (a federal division, or a state court named in words), or none (decided by DHS).
BEFORE_IMMIGRATION_JUDGE = (
    ProceedingKind.REMOVAL,
    ProceedingKind.STIPULATED_REMOVAL,
    ProceedingKind.VOLUNTARY_DEPARTURE,
)
WITHOUT_COURT = (ProceedingKind.EXPEDITED_REMOVAL, ProceedingKind.REINSTATEMENT)
# Kinds with a docket or case number of their own; before EOIR the person's A-number is the number.
WITH_DOCKET = (ProceedingKind.HABEAS, ProceedingKind.CRIMINAL)


class ProceedingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DECIDED = "decided", _("Decided")
    ON_APPEAL = "on_appeal", _("On appeal")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (ProceedingStatus.PENDING, ProceedingStatus.DECIDED, ProceedingStatus.ON_APPEAL)


class ProceedingOutcome(models.TextChoices):
    REMOVAL_ORDERED = "removal_ordered", _("Removal ordered")
    ORDERED_IN_ABSENCE = "ordered_in_absence", _("Removal ordered in absence")
    RELIEF_GRANTED = "relief_granted", _("Relief granted")
    VOLUNTARY_DEPARTURE_GRANTED = "voluntary_departure_granted", _("Voluntary departure granted")
    ORDER_REINSTATED = "order_reinstated", _("Prior order reinstated")
    DEPARTED = "departed", _("Left the country in time")
    DID_NOT_DEPART = "did_not_depart", _("Did not leave in time")
    PETITION_GRANTED = "petition_granted", _("Petition granted")
    PETITION_DENIED = "petition_denied", _("Petition denied")
    CONVICTED = "convicted", _("Convicted")
    ACQUITTED = "acquitted", _("Acquitted")
    TERMINATED = "terminated", _("Terminated or dismissed")


_O = ProceedingOutcome
OUTCOMES_BY_KIND = {
    ProceedingKind.REMOVAL: (
        _O.REMOVAL_ORDERED,
        _O.ORDERED_IN_ABSENCE,
        _O.RELIEF_GRANTED,
        _O.VOLUNTARY_DEPARTURE_GRANTED,
        _O.TERMINATED,
    ),
    ProceedingKind.EXPEDITED_REMOVAL: (_O.REMOVAL_ORDERED, _O.TERMINATED),
    ProceedingKind.REINSTATEMENT: (_O.ORDER_REINSTATED, _O.TERMINATED),
    ProceedingKind.STIPULATED_REMOVAL: (_O.REMOVAL_ORDERED, _O.TERMINATED),
    ProceedingKind.VOLUNTARY_DEPARTURE: (
        _O.VOLUNTARY_DEPARTURE_GRANTED,
        _O.DEPARTED,
        _O.DID_NOT_DEPART,
        _O.TERMINATED,
    ),
    ProceedingKind.HABEAS: (_O.PETITION_GRANTED, _O.PETITION_DENIED, _O.TERMINATED),
    ProceedingKind.CRIMINAL: (_O.CONVICTED, _O.ACQUITTED, _O.TERMINATED),
}
# An immigration judge's decision the person may appeal to the BIA (8 CFR 1003.38(b): 30 days).
# An order in absence is not appealed: it is reopened on a motion (8 CFR 1003.23(b)(4)(ii): 180 days
# for exceptional circumstances).
BIA_APPEALABLE = (_O.REMOVAL_ORDERED, _O.VOLUNTARY_DEPARTURE_GRANTED)
BIA_APPEAL_DAYS = 30
MOTION_TO_REOPEN_DAYS = 180
del _O


class CounselKind(models.TextChoices):
    NONE = "none", _("No attorney")
    PALE = "pale", _("PALE legal adviser")
    PARTNER = "partner", _("Partner organisation")
    PRIVATE = "private", _("Private attorney")


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="ProceedingHistory"
)
class Proceeding(FastLoad, models.Model):
    """One legal proceeding of a case. ``court`` is an immigration court for the kinds before an
    immigration judge, a federal district court division for a habeas petition, and for a criminal case a
    federal division or a court named in ``court_name``; expedited removal and reinstatement have none.
    ``status`` decided or on appeal carries an ``outcome`` among its kind's and a ``decided_on``. The
    attorney of record is ``counsel_kind`` with the partner (``counsel_partner``) or the adviser's or
    attorney's name; a notice of appearance on file is the date it was filed (G-28 before DHS, EOIR-28
    before the immigration court). Written only by ``cases.services.proceedings``."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="proceedings"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ProceedingKind.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=ProceedingStatus.choices, default=ProceedingStatus.PENDING
    )
    court = models.ForeignKey(
        "consulates.ImmigrationCourt",
        verbose_name=_("court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proceedings",
    )
    court_name = models.CharField(_("court (in words)"), max_length=200, blank=True)
    docket_number = models.CharField(_("docket or case number"), max_length=60, blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    outcome = models.CharField(_("decision"), max_length=30, choices=ProceedingOutcome.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    counsel_kind = models.CharField(
        _("attorney of record"), max_length=10, choices=CounselKind.choices, default=CounselKind.NONE
    )
    counsel_partner = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("partner organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proceedings",
    )
    counsel_name = models.CharField(_("attorney's name"), max_length=160, blank=True)
    counsel_firm = models.CharField(_("law firm"), max_length=160, blank=True)
    g28_filed_on = models.DateField(_("G-28 filed on"), null=True, blank=True)
    eoir28_filed_on = models.DateField(_("EOIR-28 filed on"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("legal proceeding")
        verbose_name_plural = _("legal proceedings")
        indexes = [models.Index(fields=["case", "status"], name="proceeding_case_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status__in=["decided", "on_appeal"]) | ~models.Q(outcome=""),
                name="proceeding_decided_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        text = str(self.get_kind_display())
        if self.docket_number:
            text = f"{text} · {self.docket_number}"
        return text

    @property
    def is_open(self) -> bool:
        return self.status != ProceedingStatus.CLOSED

    @property
    def court_label(self) -> str:
        return self.court.name if self.court_id else self.court_name

    @property
    def outcome_choices(self) -> tuple:
        return OUTCOMES_BY_KIND.get(self.kind, ())

    @property
    def has_counsel(self) -> bool:
        return self.counsel_kind != CounselKind.NONE

    @property
    def counsel_label(self) -> str:
        if self.counsel_kind == CounselKind.PARTNER and self.counsel_partner_id:
            return self.counsel_partner.name
        if self.counsel_kind in (CounselKind.PALE, CounselKind.PRIVATE):
            return ", ".join(part for part in (self.counsel_name, self.counsel_firm) if part)
        return ""

    @property
    def zone_name(self) -> str:
        """The clock of the proceeding's dates: its court's zone, else where the person is held, else the
        consulate's (``cases.zones``)."""
        from cases.zones import case_place_zone

        if self.court_id:
            return self.court.timezone
        return case_place_zone(self.case)


class DeadlineKind(models.TextChoices):
    BIA_APPEAL = "bia_appeal", _("Appeal to the Board of Immigration Appeals")
    MOTION_TO_REOPEN = "motion_to_reopen", _("Motion to reopen")
    DEPARTURE = "departure", _("Leave the country (voluntary departure)")
    FILING = "filing", _("Filing due")
    OTHER = "other", _("Other deadline")


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MET = "met", _("Met")
    WAIVED = "waived", _("Waived or no longer applies")


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="DeadlineHistory"
)
class ProceedingDeadline(FastLoad, models.Model):
    """A date by which something must be done in a proceeding. Reminded to the case's assignee (or the
    consulate's supervisors) 7 and 2 days before, at 08:00 on the court's clock, while open and the
    proceeding is not closed (``cases.reminders.deadlines``)."""

    proceeding = models.ForeignKey(
        Proceeding, verbose_name=_("legal proceeding"), on_delete=models.PROTECT, related_name="deadlines"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DeadlineKind.choices)
    due_on = models.DateField(_("due on"))
    description = models.CharField(_("description"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(fields=["due_on"], name="deadline_open_due_idx", condition=models.Q(status="open")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {in_words(self.due_on)}"
