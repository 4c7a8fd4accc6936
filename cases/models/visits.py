"""Facility visits (issue 21, decision 0026): a consulate plans a visit to a detention facility in its
district, its officers interview the nationals held there (one interview per case, each on the case's
timeline) and answer a conditions checklist. The checklist's items are versioned: a saved checklist
points at the version it was answered in, and a version's items never change (the database refuses)."""

from __future__ import annotations

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField

NOTE_MAX = 2000


class VisitStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", pgettext_lazy("facility visit", "Cancelled")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="FacilityVisitHistory",
)
class FacilityVisit(models.Model):
    """One visit of a consulate to a facility on a day. Invariants (``cases.services.visits``): the
    facility is in the consulate's district when planned; only a planned visit is done or cancelled; a
    cancelled visit records nothing more. ``version`` guards stale edits (the API's If-Match)."""

    consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("consulate"), on_delete=models.PROTECT, related_name="visits"
    )
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    planned_for = models.DateField(_("visit date"))
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("officers going"), related_name="facility_visits", blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.PLANNED
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-planned_for", "-pk"]
        verbose_name = _("facility visit")
        verbose_name_plural = _("facility visits")
        indexes = [models.Index(fields=["facility", "-planned_for"], name="visit_facility_day_idx")]

    def __str__(self) -> str:
        return f"{self.facility_id} {self.planned_for}"

    def allows(self, action: str) -> bool:
        """The policy's state check (``visit.record``): a cancelled visit records nothing more."""
        return self.status != VisitStatus.CANCELLED


class InterviewNeed(models.TextChoices):
    NONE = "", _("No particular need")
    MEDICAL = "medical", _("Medical care")
    PSYCHOLOGICAL = "psychological", _("Psychological support")
    LEGAL = "legal", _("Legal advice")
    FAMILY = "family", _("Contact with family")
    DOCUMENTS = "documents", _("Identity documents")
    RELEASE = "release", _("Humanitarian release")
    COMPLAINT = "complaint", _("Complaint about treatment")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="VisitInterviewHistory",
)
class VisitInterview(models.Model):
    """What a visit found of one national held there: seen or not, what was found, what they need. One
    per visit and case; saving it again corrects it (each save that changes it writes a visit entry on
    the case's timeline). Findings and needs describe the person: encrypted at rest."""

    visit = models.ForeignKey(
        FacilityVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="interviews"
    )
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="visit_interviews"
    )
    seen = models.BooleanField(_("seen"), default=False)
    findings = EncryptedCharField(_("what was found"), max_length=NOTE_MAX, blank=True)
    need = models.CharField(_("main need"), max_length=20, choices=InterviewNeed.choices, blank=True)
    needs = EncryptedCharField(_("needs"), max_length=NOTE_MAX, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = _("visit interview")
        verbose_name_plural = _("visit interviews")
        constraints = [
            models.UniqueConstraint(fields=["visit", "case"], name="visit_interview_one_per_case"),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id}: {self.case_id}"


@pghistory.track(pghistory.InsertEvent(), model_name="ChecklistVersionHistory")
class ChecklistVersion(models.Model):
    """One version of the conditions checklist: ``items`` is a list of ``{"key", "es", "en"}`` (the item's
    text in Spanish and English). A version is never changed: a new wording is a new version, so a
    checklist answered before keeps the texts it was answered with."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    items = models.JSONField(_("items"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        triggers = [
            pgtrigger.Protect(name="checklistversion_frozen", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return str(self.number)

    @classmethod
    def current(cls) -> ChecklistVersion:
        """The newest version. The migration writes version 1; a database emptied since (a flushed test
        database) gets it back here rather than a checklist with no items."""
        return (
            cls.objects.order_by("-number").first()
            or cls.objects.get_or_create(number=1, defaults={"items": CHECKLIST_V1})[0]
        )

    def text(self, key: str) -> str:
        """The item's text in the reader's language (Spanish unless English is active)."""
        language = "en" if (get_language() or "es").startswith("en") else "es"
        for item in self.items:
            if item["key"] == key:
                return item[language]
        return key


class ConditionAnswer(models.TextChoices):
    ADEQUATE = "adequate", _("Adequate")
    PROBLEM = "problem", _("Problem")
    NOT_CHECKED = "not_checked", _("Not checked")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="VisitChecklistHistory",
)
class VisitChecklist(models.Model):
    """The conditions found on one visit, answered in one version of the checklist."""

    visit = models.OneToOneField(
        FacilityVisit, verbose_name=_("visit"), on_delete=models.CASCADE, related_name="checklist"
    )
    checklist_version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("checklist version"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("conditions checklist")
        verbose_name_plural = _("conditions checklists")

    def __str__(self) -> str:
        return f"{self.visit_id} v{self.checklist_version_id}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ChecklistItemHistory",
)
class ChecklistItemAnswer(models.Model):
    """One item of a checklist: its key in the checklist's version, the answer and a note. The note is
    about the facility, not a person, but may name one: it is kept out of logs like any note."""

    checklist = models.ForeignKey(
        VisitChecklist, verbose_name=_("checklist"), on_delete=models.CASCADE, related_name="answers"
    )
    key = models.CharField(_("item"), max_length=40)
    position = models.PositiveSmallIntegerField(default=0)
    answer = models.CharField(_("answer"), max_length=12, choices=ConditionAnswer.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["checklist", "position"]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "key"], name="checklist_answer_one_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.answer}"

    @property
    def text(self) -> str:
        return self.checklist.checklist_version.text(self.key)


# The first version of the checklist (the migration writes it): what issue 21 asks a visit to look at.
CHECKLIST_V1 = [
    {"key": "medical", "es": "Atención médica", "en": "Medical care"},
    {"key": "psychological", "es": "Apoyo psicológico", "en": "Psychological support"},
    {
        "key": "numbers_posted",
        "es": "Teléfonos del consulado y del Centro de Información y Asistencia a Mexicanos a la vista",
        "en": "Consulate and call-centre numbers posted",
    },
    {"key": "phones", "es": "Teléfonos en funcionamiento", "en": "Phones working"},
    {"key": "food", "es": "Alimentación", "en": "Food"},
    {"key": "crowding", "es": "Hacinamiento", "en": "Crowding"},
    {"key": "complaints", "es": "Quejas de las personas detenidas", "en": "Complaints from detainees"},
]
