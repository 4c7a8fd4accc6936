"""A protection case: one person, one consulate, one lifecycle."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.categories import SUBTYPE_LABELS, Category
from cases.minors import case_day, minor_on
from cases.models.identity import ArrestingAgency
from cases.models.removal import RemovalMeans
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_CLOSURE = "pending_closure", _("Pending closure approval")
    CLOSED = "closed", _("Closed")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Outcome(models.TextChoices):
    RELEASED = "released", _("Released from custody")
    BOND_GRANTED = "bond_granted", _("Released on bond")
    RELIEF_GRANTED = "relief_granted", _("Relief or status granted")
    REPATRIATED = "repatriated", _("Repatriated to Mexico")
    REMOVED = "removed", _("Removed (without consular hand-off)")
    RESOLVED = "resolved", _("Resolved in the person's favour")
    REFERRED = "referred", _("Referred elsewhere and closed")
    # Only by a hand-over (``cases.services.handover``): the person is now another consulate's.
    TRANSFERRED_OUT = "transferred_out", _("Transferred out to another consulate")
    NO_LONGER_NEEDED = "no_longer_needed", _("Protection no longer needed or declined")
    NOT_LOCATED = "not_located", _("Person not located")
    DECEASED = "deceased", _("Person deceased")
    OTHER = "other", _("Other")


# The outcomes a closure may be asked for with: a case is transferred out only by a hand-over.
CLOSURE_OUTCOMES = [(value, label) for value, label in Outcome.choices if value != Outcome.TRANSFERRED_OUT]


class NotifiedBy(models.TextChoices):
    PERSON = "person", _("The person")
    FACILITY = "facility", _("The detention facility")
    ICE = "ice", _("ICE")
    FAMILY = "family", _("Family")
    OTHER = "other", _("Other")


class NotificationRequest(models.TextChoices):
    """Art. 36(1)(b): Mexico is not a mandatory-notification country, so the consulate is notified only if
    the detained national asks for it once advised of the right."""

    UNKNOWN = "unknown", _("Not known")
    REQUESTED = "requested", _("Asked for the consulate to be notified")
    DECLINED = "declined", _("Declined consular notification")


class CaseQuerySet(ScopedQuerySet):
    # visible_to / held_for: consulates.policy (SCOPES)

    def in_custody(self) -> CaseQuerySet:
        return self.filter(facility__isnull=False, released_on__isnull=True)

    def art36_contact_overdue(self, now: dt.datetime | None = None) -> CaseQuerySet:
        """The network's internal target missed (not a treaty deadline): in custody, the consulate notified
        48 hours ago or more, still no consular contact, and the national neither declined notification
        nor opposes consular action (art. 36(1)(c))."""
        cutoff = (now or timezone.now()) - dt.timedelta(hours=ART36_CONTACT_HOURS)
        return (
            self.in_custody()
            .filter(first_contact_at__isnull=True, consulate_notified_at__lte=cutoff)
            .filter(opposes_consular_action=False)
            .exclude(notification_request=NotificationRequest.DECLINED)
            .exclude(status=Status.CLOSED)
        )

    def with_art36_delays(self) -> CaseQuerySet:
        """Annotate the derived delays (intervals; ``None`` when a time is missing) for reports."""
        return self.annotate(
            art36_notification_delay=ExpressionWrapper(
                F("consulate_notified_at") - F("arrested_at"), output_field=models.DurationField()
            ),
            art36_contact_delay=ExpressionWrapper(
                F("first_contact_at") - F("consulate_notified_at"), output_field=models.DurationField()
            ),
        )


# The network's own follow-up target, not a rule of the treaty (which sets no hour count): consular
# contact within this many hours of the consulate being notified.
ART36_CONTACT_HOURS = 48


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="CaseHistory"
)
class Case(FastLoad, RemovalMeans, models.Model):
    """Invariants: ``reference`` is ``<CODE>-<YEAR>-<6 digits>``, unique, allocated by
    ``CaseSequence``; ``version`` increases on every change; status changes only through the
    lifecycle services; a closed case has an outcome; ``closure_needs_approval`` is set whenever the
    case was urgent or its person vulnerable since it was last opened or reopened."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    person = models.ForeignKey(
        "cases.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="cases"
    )
    consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("consulate"), on_delete=models.PROTECT, related_name="cases"
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    subtype = models.CharField(_("subtype"), max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    summary = models.TextField(_("summary"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned officer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    # Custody
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("detention facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    detained_since = models.DateField(_("detained since"), null=True, blank=True)
    released_on = models.DateField(_("released on"), null=True, blank=True)
    # When staff last confirmed where the person is held (a custody record, a search that found the
    # person, or a check): the "verify custody" task follows it (cases.services.verification).
    custody_verified_at = models.DateTimeField(_("custody verified at"), null=True, blank=True)
    # Vienna Convention art. 36: arrest, advice of the right, the national's choice, notification, contact
    arrested_at = models.DateTimeField(_("arrested at"), null=True, blank=True)
    arresting_agency = models.CharField(
        _("arresting agency"), max_length=20, choices=ArrestingAgency.choices, blank=True, db_default=""
    )
    advised_at = models.DateTimeField(
        _("advised of the right to consular notification at"),
        null=True,
        blank=True,
        help_text=_(
            "When the arresting or holding authority told the person they may have the consulate notified."
        ),
    )
    notification_request = models.CharField(
        _("consular notification"),
        max_length=10,
        choices=NotificationRequest.choices,
        default=NotificationRequest.UNKNOWN,
        db_default=NotificationRequest.UNKNOWN,
        help_text=_(
            "Mexico is not a mandatory-notification country: the authorities notify the consulate only if "
            "the person asks for it."
        ),
    )
    notification_request_at = models.DateTimeField(
        _("asked for or declined notification at"), null=True, blank=True
    )
    consulate_notified_at = models.DateTimeField(_("consulate notified at"), null=True, blank=True)
    notified_by = models.CharField(_("notified by"), max_length=10, choices=NotifiedBy.choices, blank=True)
    first_contact_at = models.DateTimeField(_("first consular contact at"), null=True, blank=True)
    # Art. 36(1)(c): consular officers refrain from acting for a detained national who expressly opposes it.
    # The record stays; ``opposition_recorded_at`` is set by the case services when it is recorded.
    opposes_consular_action = models.BooleanField(
        _("opposes consular action"),
        default=False,
        db_default=False,
        help_text=_(
            "The detained person expressly opposes any action by the consulate on their behalf (Vienna "
            "Convention art. 36(1)(c)): officers refrain from acting while the record is kept."
        ),
    )
    opposition_recorded_at = models.DateTimeField(
        _("opposition recorded at"), null=True, blank=True, editable=False
    )
    opposition_note = models.TextField(_("how and to whom the person stated it"), blank=True, db_default="")
    # Removal and repatriation
    expected_removal_date = models.DateField(_("expected removal date"), null=True, blank=True)
    expected_removal_time = models.TimeField(
        _("expected removal time"),
        null=True,
        blank=True,
        help_text=_("Local time at the reception point."),
    )
    reception_point = models.ForeignKey(
        "consulates.ReceptionPoint",
        verbose_name=_("reception point"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # Closure
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closure_requested_at = models.DateTimeField(_("closure requested at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Sticky: set by the services whenever the case is urgent or its person is flagged vulnerable while
    # it is open, and recomputed only when it is reopened, so lowering the priority or clearing the
    # flags never lets a closure skip the supervisor (``cases.services.lifecycle``).
    closure_needs_approval = models.BooleanField(
        _("closure needs approval"), default=False, db_default=False, editable=False
    )
    # What the closure does with the case's open work, chosen when it is asked for and done when the case
    # is closed (at once, or on the supervisor's approval): its open tasks marked done, its scheduled
    # hearings cancelled. Left False, they stay open.
    closure_completes_tasks = models.BooleanField(
        _("the closure marks the open tasks done"), default=False, db_default=False, editable=False
    )
    closure_cancels_hearings = models.BooleanField(
        _("the closure cancels the scheduled hearings"), default=False, db_default=False, editable=False
    )
    # The enforcement operation whose arrests produced the case (a detainee list's import sets it).
    operation = models.ForeignKey(
        "cases.Operation",
        verbose_name=_("operation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    # Bookkeeping
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    last_activity_at = models.DateTimeField(_("last activity"))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    anonymised_at = models.DateTimeField(
        _("anonymised at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Personal data removed; the figures the reports count are kept."),
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["consulate", "status"], name="case_consulate_status_idx"),
            models.Index(fields=["assigned_to", "status"], name="case_assignee_status_idx"),
            # The list's default order; the reports' weekly flow reads consulate (local time) and
            # counts ids from the index alone.
            models.Index(fields=["-opened_at"], include=["consulate", "id"], name="case_opened_idx"),
            models.Index(fields=["facility"], name="case_facility_idx"),
            models.Index(
                fields=["consulate_notified_at"],
                name="case_art36_no_contact_idx",
                condition=Q(first_contact_at__isnull=True, consulate_notified_at__isnull=False),
            ),
            # The reports (cases.reports), each read by an index-only scan. Closed in a date range:
            # weekly flow, days to closure, outcomes, repatriations.
            models.Index(
                fields=["closed_at"],
                include=["consulate", "id", "opened_at", "category", "outcome", "reception_point"],
                name="case_report_closed_idx",
                condition=Q(status=Status.CLOSED),
            ),
            # Unassigned and inactive (cases.reports): open cases active in the last 14 days, per
            # consulate (few; the inactive are the open total, from the summary, minus these).
            models.Index(
                fields=["consulate", "last_activity_at"],
                name="case_open_activity_idx",
                condition=Q(status__in=["open", "in_progress", "pending_closure"]),
            ),
            # Art. 36 delays: consulate notified in a date range.
            models.Index(
                fields=["consulate_notified_at"],
                include=["consulate", "id", "arrested_at", "first_contact_at", "notified_by", "facility"],
                name="case_report_notified_idx",
                condition=Q(consulate_notified_at__isnull=False),
            ),
            # Art. 36 delays by arresting agency and by facility: arrested in a date range.
            models.Index(
                fields=["arrested_at"],
                include=[
                    "consulate",
                    "id",
                    "facility",
                    "arresting_agency",
                    "advised_at",
                    "notification_request",
                    "consulate_notified_at",
                    "first_contact_at",
                    "opposes_consular_action",
                ],
                name="case_report_arrested_idx",
                condition=Q(arrested_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=Status.CLOSED) | ~models.Q(outcome=""),
                name="case_closed_has_outcome",
                violation_error_message=_("A closed case needs an outcome."),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    # What each status lets happen next: the staff UI offers these and the services refuse the rest.
    TRANSITIONS = {
        "assign": (Status.OPEN, Status.IN_PROGRESS),
        "close_request": (Status.OPEN, Status.IN_PROGRESS),
        "close_decide": (Status.PENDING_CLOSURE,),
        "reopen": (Status.CLOSED,),
    }

    def allowed_transitions(self) -> list[str]:
        """The status changes (and assignment) this case allows now. An anonymised case stays closed."""
        return [
            name
            for name, statuses in self.TRANSITIONS.items()
            if self.status in statuses and not (name == "reopen" and self.anonymised_at is not None)
        ]

    def allows(self, name: str) -> bool:
        """``work``: its work (notes, hearings, tasks, documents, consents, referrals) may change, i.e.
        it is not closed; any other name: ``allowed_transitions``."""
        if name == "work":
            return self.status != Status.CLOSED
        return name in self.allowed_transitions()

    @property
    def subtype_label(self) -> str:
        return str(SUBTYPE_LABELS.get(self.subtype, self.subtype))

    @property
    def is_child_case(self) -> bool:
        """The person was under 18 on the day the case was opened (``cases.minors``): the child-welfare
        record, the assessment and the closure rules for children apply (``consulates.policy``)."""
        person = self.person
        return minor_on(
            born=person.date_of_birth,
            day=case_day(self.opened_at),
            flagged=person.is_minor or person.is_unaccompanied_minor,
        )

    @property
    def in_custody(self) -> bool:
        return self.facility_id is not None and self.released_on is None

    @property
    def notification_delay(self):
        """Arrest -> consulate notified (art. 36 'without delay')."""
        if self.arrested_at and self.consulate_notified_at:
            return self.consulate_notified_at - self.arrested_at
        return None

    @property
    def art36_contact_expected(self) -> bool:
        """Whether the consulate should seek contact at all: not when the national declined notification
        or opposes consular action."""
        return not self.opposes_consular_action and self.notification_request != NotificationRequest.DECLINED

    @property
    def advice_delay(self):
        """Arrest -> advised of the right to consular notification."""
        if self.arrested_at and self.advised_at:
            return self.advised_at - self.arrested_at
        return None

    @property
    def art36_contact_overdue(self) -> bool:
        """The network's internal 48-hour target missed (see ``CaseQuerySet.art36_contact_overdue``)."""
        return (
            self.art36_contact_expected
            and self.in_custody
            and self.status != Status.CLOSED
            and self.first_contact_at is None
            and self.consulate_notified_at is not None
            and timezone.now() - self.consulate_notified_at >= dt.timedelta(hours=ART36_CONTACT_HOURS)
        )

    @property
    def contact_delay(self):
        """Consulate notified -> first consular contact."""
        if self.consulate_notified_at and self.first_contact_at:
            return self.first_contact_at - self.consulate_notified_at
        return None


class CaseSequence(models.Model):
    """Per consulate and year, the last case number handed out. Incremented with an upsert that locks
    the row until the transaction ends, so concurrent creators never get the same number."""

    consulate = models.ForeignKey("consulates.Consulate", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consulate", "year"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.consulate_id}/{self.year}: {self.last_number}"
