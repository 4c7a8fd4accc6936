"""Formal requests to authorities (issue 21, decision 0026): a consulate asks an authority (an ICE field
office, a facility, a sheriff, a court, DFPS, INM, DIF) for records, a release, access, or complains or
escalates to the embassy, about a case and/or a facility; it is sent, due on a day, answered or
withdrawn. Overdue is derived (sent, unanswered, past its due day on the clock of the place it is about),
never stored. Written only by ``cases.services.formal_requests``."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.case import Case
from cases.models.document import Document
from cases.models.visits import ChecklistItemAnswer, VisitInterview
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField

TEXT_MAX = 4000


class AuthorityKind(models.TextChoices):
    ICE_FIELD_OFFICE = "ice_field_office", _("ICE field office")
    FACILITY = "facility", _("Detention facility")
    SHERIFF = "sheriff", _("Sheriff's office")
    COURT = "court", _("Court")
    DFPS = "dfps", _("Child protective services (DFPS)")
    INM = "inm", _("National Migration Institute (INM)")
    DIF = "dif", _("DIF (family welfare system)")


class RequestKind(models.TextChoices):
    MEDICAL_RECORDS = "medical_records", _("Medical records")
    CUSTODY_RECORDS = "custody_records", _("Custody records")
    HUMANITARIAN_RELEASE = "humanitarian_release", _("Humanitarian release")
    ACCESS = "access", _("Consular access")
    COMPLAINT = "complaint", _("Complaint")
    ESCALATION = "escalation", _("Escalation to the embassy")


class RequestStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("formal request", "Draft")
    SENT = "sent", pgettext_lazy("formal request", "Sent")
    ANSWERED = "answered", pgettext_lazy("formal request", "Answered")
    WITHDRAWN = "withdrawn", pgettext_lazy("formal request", "Withdrawn")


OPEN_REQUEST_STATUSES = (RequestStatus.DRAFT, RequestStatus.SENT)


class FormalRequestQuerySet(ScopedQuerySet):
    def unanswered(self):
        return self.filter(status=RequestStatus.SENT)

    def open(self):
        return self.filter(status__in=OPEN_REQUEST_STATUSES)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="FormalRequestHistory",
)
class FormalRequest(models.Model):
    """One request of a consulate to an authority. Invariants: about a case or a facility (or both; a
    database constraint); ``sent_on`` set once sent, a due day not before it; ``answered_on`` and the
    response once answered. ``owner`` is the staff member reminded before the due day."""

    consulate = models.ForeignKey(
        "consulates.Consulate",
        verbose_name=_("consulate"),
        on_delete=models.PROTECT,
        related_name="formal_requests",
    )
    authority_kind = models.CharField(_("authority"), max_length=20, choices=AuthorityKind.choices)
    authority_name = models.CharField(_("authority's name"), max_length=200)
    kind = models.CharField(_("request"), max_length=24, choices=RequestKind.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="formal_requests",
    )
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="formal_requests",
    )
    details = EncryptedCharField(_("what is asked"), max_length=TEXT_MAX, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.DRAFT
    )
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    due_on = models.DateField(_("answer due"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    response = EncryptedCharField(_("response"), max_length=TEXT_MAX, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    from_checklist_item = models.ForeignKey(
        ChecklistItemAnswer,
        verbose_name=_("from the checklist item"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    from_interview = models.ForeignKey(
        VisitInterview,
        verbose_name=_("from the interview"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
    )
    documents = models.ManyToManyField(Document, verbose_name=_("documents"), blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = FormalRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("formal request")
        verbose_name_plural = _("formal requests")
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(facility__isnull=False), name="request_case_or_facility"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["sent", "answered"]) | Q(sent_on__isnull=False),
                name="request_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_on__isnull=False), name="request_answer_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="request_status_due_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.authority_name}"

    @property
    def zone_name(self) -> str:
        """The clock of the place it is about: the facility's, else where the case's person is held, else
        the consulate's."""
        if self.facility_id and self.facility.zone_name:
            return self.facility.zone_name
        if self.case_id and self.case.facility_id and self.case.facility.zone_name:
            return self.case.facility.zone_name
        return self.consulate.timezone

    def today(self) -> dt.date:
        return timezone.now().astimezone(zoneinfo.ZoneInfo(self.zone_name)).date()

    @property
    def is_overdue(self) -> bool:
        return self.status == RequestStatus.SENT and self.due_on is not None and self.due_on < self.today()

    @property
    def shown_status(self) -> str:
        """The status as staff read it: overdue is derived from a sent request's due day."""
        return (
            str(pgettext_lazy("formal request", "Overdue")) if self.is_overdue else self.get_status_display()
        )
