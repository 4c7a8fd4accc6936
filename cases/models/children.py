"""Children: a child-welfare agency's involvement in a child's case (its case and court numbers, the
caseworker, the advocate, what it asked of the consulate), and the assessment of an unaccompanied or
separated child (SRE-UNICEF first-contact protocol), versioned so that each saved assessment is read
later with the questions it was answered in (decision 0029)."""

from __future__ import annotations

from dataclasses import dataclass

import pghistory
import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField


class AdvocateKind(models.TextChoices):
    CASA = "casa", _("CASA volunteer (court-appointed special advocate)")
    GUARDIAN_AD_LITEM = "guardian_ad_litem", _("Guardian ad litem")
    ATTORNEY_AD_LITEM = "attorney_ad_litem", _("Attorney ad litem")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="ChildWelfareHistory",
)
class ChildWelfareCase(FastLoad, models.Model):
    """A child-welfare agency's involvement in a child's case: at most one per case (the agency holding the
    child). Written only by ``cases.services.children``; ``version`` guards stale edits (``If-Match``)."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="child_welfare"
    )
    agency = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("child-welfare agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    agency_case_number = models.CharField(_("agency's case number"), max_length=60, blank=True)
    court_cause_number = models.CharField(_("court cause number"), max_length=60, blank=True)
    court_name = models.CharField(_("court"), max_length=200, blank=True)
    caseworker_name = models.CharField(_("caseworker"), max_length=160, blank=True)
    caseworker_phone = EncryptedCharField(_("caseworker's phone"), max_length=30, blank=True)
    caseworker_email = models.EmailField(_("caseworker's e-mail"), blank=True)
    advocate_kind = models.CharField(_("advocate"), max_length=20, choices=AdvocateKind.choices, blank=True)
    advocate_programme = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("CASA programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    advocate_name = models.CharField(_("advocate's name"), max_length=160, blank=True)
    advocate_phone = EncryptedCharField(_("advocate's phone"), max_length=30, blank=True)
    advocate_email = models.EmailField(_("advocate's e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("child-welfare agency case")
        verbose_name_plural = _("child-welfare agency cases")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.agency_id}"


class AgencyRequestKind(models.TextChoices):
    LOCATE_FAMILY = "locate_family", _("Locate family")
    BIRTH_CERTIFICATES = "birth_certificates", _("Birth certificates")
    HOME_STUDY = "home_study", _("Home study through the DIF")
    REUNIFICATION = "reunification", _("Reunification")
    OTHER = "other", _("Other")


class AgencyRequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


OPEN_REQUEST_STATUSES = (AgencyRequestStatus.OPEN, AgencyRequestStatus.IN_PROGRESS)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="AgencyRequestHistory",
)
class AgencyRequest(FastLoad, models.Model):
    """What a child-welfare agency asked of the consulate. While it is open or in progress, it is a
    ``Task`` of the case (kind ``agency_request``) due on its due date; done or declined, its task is done."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="agency_requests"
    )
    kind = models.CharField(_("what the agency asked"), max_length=20, choices=AgencyRequestKind.choices)
    description = models.CharField(_("details"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AgencyRequestStatus.choices, default=AgencyRequestStatus.OPEN
    )
    requested_on = models.DateField(_("asked on"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    task = models.ForeignKey(
        "cases.Task",
        verbose_name=_("task"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("answer given"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("agency request")
        verbose_name_plural = _("agency requests")

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


# ------------------------------------------------------------------------------------------------------
# The assessment of an unaccompanied or separated child


class ChildSituation(models.TextChoices):
    UNACCOMPANIED = "unaccompanied", _("Unaccompanied (no parent or other adult caring for the child)")
    SEPARATED = "separated", _("Separated (from the parents, with another adult relative)")


class AgeBasis(models.TextChoices):
    DOCUMENT = "document", _("An identity document")
    STATEMENT = "statement", _("The child's own statement")
    OTHER = "other", _("Other means")


class Answer(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not established yet")


class GuardianCheck(models.TextChoices):
    DOCUMENTS = "documents", _("Documents seen (birth certificate, identification)")
    DIF = "dif", _("Confirmed by the DIF")
    CALL = "call", _("Call or video call with the guardian")
    OTHER = "other", _("Other means")


@dataclass(frozen=True)
class Question:
    field: str
    text: str
    screening: bool = False  # one of the four questions asked before a return to Mexico


@dataclass(frozen=True)
class AssessmentForm:
    version: str
    questions: tuple[Question, ...]

    @property
    def screening(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.screening)


# The form's questions, by version. A saved assessment keeps its version and is shown with that version's
# texts: a new version is ADDED here (and made CURRENT), never edited in place once assessments use it.
ASSESSMENT_FORMS: dict[str, AssessmentForm] = {
    "2026-1": AssessmentForm(
        "2026-1",
        (
            Question("situation", _("Is the child unaccompanied or separated?")),
            Question("age_basis", _("How was the child's age determined?")),
            Question("age_notes", _("What supports that age?")),
            Question(
                "victim_of_trafficking", _("Are there signs that the child is a victim of trafficking?"), True
            ),
            Question("at_risk_of_trafficking", _("Is the child at risk of trafficking if returned?"), True),
            Question("fears_return", _("Does the child fear returning to Mexico?"), True),
            Question(
                "can_decide_alone",
                _("Is the child able to make an independent, informed decision about the return?"),
                True,
            ),
            Question("guardian_name", _("Guardian in Mexico")),
            Question("guardian_relationship", _("Relationship to the child")),
            Question("guardian_check", _("How was the guardian verified?")),
            Question("dif_office", _("DIF office that receives the child")),
            Question("notes", _("Observations")),
        ),
    ),
}
CURRENT_FORM_VERSION = "2026-1"


class ChildAssessmentQuerySet(ScopedQuerySet):
    def complete(self):
        return self.filter(complete=True)


@pghistory.track(pghistory.InsertEvent(), model_name="ChildAssessmentHistory")
class ChildAssessment(FastLoad, models.Model):
    """One assessment of a child, as answered on ``assessed_at`` in the form ``form_version``. Append-only
    (the database refuses updates and deletes): a new assessment is a new row, the latest is current, the
    earlier ones are its history. ``complete``: every question of the form that needs an answer has one
    and none of the four screening questions is left "not established" (``cases.services.children``)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="child_assessments"
    )
    form_version = models.CharField(_("form version"), max_length=10)
    situation = models.CharField(_("situation"), max_length=15, choices=ChildSituation.choices, blank=True)
    age_basis = models.CharField(_("age determined by"), max_length=10, choices=AgeBasis.choices, blank=True)
    age_notes = models.CharField(_("about the age"), max_length=300, blank=True)
    victim_of_trafficking = models.CharField(
        _("victim of trafficking"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    at_risk_of_trafficking = models.CharField(
        _("at risk of trafficking"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    fears_return = models.CharField(
        _("fear of return"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    can_decide_alone = models.CharField(
        _("able to decide independently"), max_length=8, choices=Answer.choices, default=Answer.UNKNOWN
    )
    guardian_name = models.CharField(_("guardian in Mexico"), max_length=160, blank=True)
    guardian_relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    guardian_check = models.CharField(
        _("guardian verified by"), max_length=10, choices=GuardianCheck.choices, blank=True
    )
    dif_office = models.ForeignKey(
        "consulates.ReceptionPoint",
        verbose_name=_("receiving DIF office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    dif_office_text = models.CharField(_("receiving DIF office (other)"), max_length=200, blank=True)
    notes = models.TextField(_("observations"), blank=True)
    complete = models.BooleanField(_("complete"), default=False)
    assessed_at = models.DateTimeField(_("assessed at"), default=timezone.now)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessed by"), on_delete=models.PROTECT, related_name="+"
    )

    objects = ChildAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_at", "-pk"]
        verbose_name = _("child assessment")
        verbose_name_plural = _("child assessments")
        indexes = [models.Index(fields=["case", "-assessed_at"], name="childassessment_case_idx")]
        triggers = [
            pgtrigger.Protect(
                name="childassessment_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.form_version}"

    @property
    def form(self) -> AssessmentForm:
        return ASSESSMENT_FORMS[self.form_version]

    @property
    def dif_office_label(self) -> str:
        return self.dif_office.name if self.dif_office_id else self.dif_office_text

    def answers(self) -> list[tuple[str, str]]:
        """(question as worded in this assessment's version, answer in words), in the form's order."""
        rows = []
        for question in self.form.questions:
            if question.field == "dif_office":
                value = self.dif_office_label
            else:
                display = getattr(self, f"get_{question.field}_display", None)
                value = (
                    display() if display and getattr(self, question.field) else getattr(self, question.field)
                )
            rows.append((str(question.text), str(value or "")))
        return rows
