"""Families (issue 21, decision 0027): relationships between persons, recorded once and read from both
sides, and the family-preparedness checklist of a case (each pending item a task with its due date)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.case import Case
from cases.models.person import Person
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField


class RelationshipKind(models.TextChoices):
    """What ``person_a`` is to ``person_b`` (the row's own direction; each side reads it with its label)."""

    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SPOUSE = "spouse", _("Spouse or partner")
    SIBLING = "sibling", _("Sibling")
    GUARDIAN = "guardian", _("Guardian")
    WARD = "ward", _("Under guardianship")
    OTHER = "other", _("Other relative")


# The same relationship read from the other side: a parent-of row is a child-of row seen from the child.
INVERSE = {
    RelationshipKind.PARENT: RelationshipKind.CHILD,
    RelationshipKind.CHILD: RelationshipKind.PARENT,
    RelationshipKind.GUARDIAN: RelationshipKind.WARD,
    RelationshipKind.WARD: RelationshipKind.GUARDIAN,
    RelationshipKind.SPOUSE: RelationshipKind.SPOUSE,
    RelationshipKind.SIBLING: RelationshipKind.SIBLING,
    RelationshipKind.OTHER: RelationshipKind.OTHER,
}

# "<relative> is <label> <this person>": how a relative is named on a person's page.
LABELS = {
    RelationshipKind.PARENT: pgettext_lazy("family", "parent of"),
    RelationshipKind.CHILD: pgettext_lazy("family", "child of"),
    RelationshipKind.SPOUSE: pgettext_lazy("family", "spouse or partner of"),
    RelationshipKind.SIBLING: pgettext_lazy("family", "sibling of"),
    RelationshipKind.GUARDIAN: pgettext_lazy("family", "guardian of"),
    RelationshipKind.WARD: pgettext_lazy("family", "under the guardianship of"),
    RelationshipKind.OTHER: pgettext_lazy("family", "relative of"),
}


class Whereabouts(models.TextChoices):
    """Where a relative is, as the family or the records say (an open case in custody says it itself)."""

    DETAINED_US = "detained_us", _("Detained in the United States")
    STATE_CARE_US = "state_care_us", _("In state care in the United States")
    AT_LIBERTY_US = "at_liberty_us", _("At liberty in the United States")
    MEXICO = "mexico", _("In Mexico")
    UNKNOWN = "unknown", _("Unknown")


class RelationshipQuerySet(ScopedQuerySet):
    def active(self) -> RelationshipQuerySet:
        return self.filter(ended_at__isnull=True)

    def of_person(self, person_id: int) -> RelationshipQuerySet:
        return self.filter(Q(person_a_id=person_id) | Q(person_b_id=person_id))


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="FamilyRelationshipHistory",
)
class FamilyRelationship(FastLoad, models.Model):
    """One relationship between two persons, recorded once. Invariants (database constraints): the lower
    person id is always ``person_a`` (so a pair has one order and no one is their own relative); one
    standing relationship per pair, whichever side recorded it; ``kind`` is what ``person_a`` is to
    ``person_b``. Ended, not deleted (``ended_at`` with a reason): the history stays. Written only by
    ``cases.services.family``."""

    person_a = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="relationships_as_a"
    )
    person_b = models.ForeignKey(
        Person, verbose_name=_("relative"), on_delete=models.PROTECT, related_name="relationships_as_b"
    )
    kind = models.CharField(_("relationship"), max_length=10, choices=RelationshipKind.choices)
    whereabouts_a = models.CharField(
        _("where the person is"), max_length=15, choices=Whereabouts.choices, default=Whereabouts.UNKNOWN
    )
    whereabouts_b = models.CharField(
        _("where the relative is"), max_length=15, choices=Whereabouts.choices, default=Whereabouts.UNKNOWN
    )
    notes = EncryptedCharField(_("notes"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = EncryptedCharField(_("why it was removed"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = RelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("family relationship")
        verbose_name_plural = _("family relationships")
        indexes = [models.Index(fields=["person_b"], name="family_rel_person_b_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person_a__lt=F("person_b")),
                name="family_relationship_ordered_pair",
                violation_error_message=_("A person cannot be their own relative."),
            ),
            models.UniqueConstraint(
                fields=["person_a", "person_b"],
                condition=Q(ended_at__isnull=True),
                name="family_relationship_once",
                violation_error_message=_("These two persons are already recorded as family."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_a_id} {self.kind} {self.person_b_id}"

    def side(self, person_id: int) -> Side:
        """The relationship as ``person_id``'s page reads it: the relative, how the relative is named, and
        where each one is."""
        if person_id == self.person_a_id:
            return Side(self, self.person_b, INVERSE[self.kind], self.whereabouts_b, self.whereabouts_a, "b")
        return Side(self, self.person_a, self.kind, self.whereabouts_a, self.whereabouts_b, "a")

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class Side:
    """One side's reading of a relationship: ``relative`` is ``label`` this person."""

    def __init__(self, relationship, relative, relative_kind, relative_whereabouts, own_whereabouts, letter):
        self.relationship = relationship
        self.relative = relative
        self.relative_kind = relative_kind
        self.label = LABELS[relative_kind]
        self.relative_whereabouts = relative_whereabouts
        self.own_whereabouts = own_whereabouts
        self.relative_letter = letter
        self.cases: list = []  # the relative's cases the viewer may see (filled by the selector)
        self.detained_at = None  # the facility of the relative's open case in custody (the selector's)

    @property
    def whereabouts_label(self):
        return Whereabouts(self.relative_whereabouts).label


class ChecklistItemKind(models.TextChoices):
    CAREGIVER = "caregiver", _("Who cares for the children")
    POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney or parental authorisation")
    NATIONALITY = "nationality", _("Registration of US-born children as Mexican nationals")
    DOCUMENTS = "documents", _("Documents to issue")
    OTHER = "other", _("Other")


class ChecklistStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", _("Done")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class DocumentToIssue(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    MATRICULA = "matricula", _("Consular ID (matrícula consular)")
    BIRTH_CERTIFICATE = "birth_certificate", _("Mexican birth certificate")
    TRAVEL = "travel", _("Travel document")
    OTHER = "other", _("Other document")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="FamilyChecklistItemHistory",
)
class FamilyChecklistItem(FastLoad, models.Model):
    """One item of a case's family-preparedness checklist. Invariants (kept by ``cases.services.family``):
    a pending item with a due date has one open task (``task``, kind ``family_preparedness``) due that
    day; done or not applicable, its task is closed. The caregiver's name and contact are encrypted."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="family_checklist"
    )
    kind = models.CharField(_("item"), max_length=20, choices=ChecklistItemKind.choices)
    document = models.CharField(_("document"), max_length=20, choices=DocumentToIssue.choices, blank=True)
    description = models.CharField(_("what"), max_length=200, blank=True)
    caregiver_name = EncryptedCharField(_("caregiver's name"), max_length=160, blank=True)
    caregiver_contact = EncryptedCharField(_("caregiver's phone or contact"), max_length=160, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=ChecklistStatus.choices, default=ChecklistStatus.PENDING
    )
    note = EncryptedCharField(_("note"), max_length=500, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    task = models.OneToOneField(
        "cases.Task",
        verbose_name=_("task"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="family_item",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("family-preparedness item")
        verbose_name_plural = _("family-preparedness checklist")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ChecklistStatus.PENDING) | Q(resolved_at__isnull=False),
                name="family_item_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.kind} ({self.status})"

    @property
    def title(self) -> str:
        label = str(self.get_kind_display())
        if self.document:
            label = f"{label}: {self.get_document_display()}"
        return f"{label} · {self.description}" if self.description else label
