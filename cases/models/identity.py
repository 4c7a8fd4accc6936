"""One record per person: the name variants a person is known by, possible duplicates awaiting a
decision, and merges (undoable).

Written only by ``cases.services.aliases``, ``cases.services.duplicate_reviews`` and
``cases.services.merges``; found by ``cases.matching``.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.person import MatchKeysField, search_name_expression
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField


class AliasSource(models.TextChoices):
    DETAINEE_LIST = "detainee_list", _("As written on a detainee list")
    AUTHORITY = "authority", _("As an authority records it (ICE, a court, a facility)")
    INQUIRY = "inquiry", _("As a caller gave it")
    MARRIED = "married", _("Married name")
    MERGE = "merge", _("Name of a merged record")
    OTHER = "other", _("Other")


class PersonAliasQuerySet(ScopedQuerySet):
    pass


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["search_name", "match_keys"],
    model_name="PersonAliasHistory",
)
class PersonAlias(models.Model):
    """Another way a person's name is written. Invariant: never the same three parts twice for a person."""

    person = models.ForeignKey(
        "cases.Person", verbose_name=_("person"), on_delete=models.CASCADE, related_name="aliases"
    )
    given_names = models.CharField(_("given names"), max_length=120, blank=True)
    paternal_surname = models.CharField(_("paternal surname"), max_length=80, blank=True)
    maternal_surname = models.CharField(_("maternal surname"), max_length=80, blank=True)
    # An alias has no date of birth of its own: the person's is used for its keys.
    source = models.CharField(_("where it comes from"), max_length=20, choices=AliasSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    search_name = models.GeneratedField(
        expression=search_name_expression(), output_field=models.TextField(), db_persist=True
    )
    match_keys = MatchKeysField(_("match keys"))

    objects = PersonAliasQuerySet.as_manager()

    class Meta:
        ordering = ["person", "paternal_surname", "given_names"]
        verbose_name = _("other name")
        verbose_name_plural = _("other names")
        indexes = [
            GinIndex(OpClass(F("search_name"), name="gin_trgm_ops"), name="alias_search_name_trgm"),
            GinIndex(fields=["match_keys"], name="alias_match_keys_gin"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "given_names", "paternal_surname", "maternal_surname"],
                name="alias_unique_per_person",
                violation_error_message=_("This person already has this name."),
            ),
        ]

    def __str__(self) -> str:
        return " ".join(p for p in (self.given_names, self.paternal_surname, self.maternal_surname) if p)

    @property
    def date_of_birth(self):
        """For the keys (``MatchKeysField``): the person's date of birth."""
        return self.person.date_of_birth if self.person_id else None


class DuplicateSource(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    INQUIRY = "inquiry", _("Inquiry")
    IMPORT = "import", _("Detainee list")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("duplicate review", "Open")
    RESOLVED = "resolved", pgettext_lazy("duplicate review", "Resolved")


class DuplicateResolution(models.TextChoices):
    MERGED = "merged", _("Same person: the records were merged")
    DISTINCT = "distinct", _("Different persons")


class DuplicateReviewQuerySet(ScopedQuerySet):
    def open(self) -> DuplicateReviewQuerySet:
        return self.filter(status=DuplicateStatus.OPEN)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="DuplicateReviewHistory",
)
class DuplicateReview(models.Model):
    """Two records the matcher finds likely (not certainly) the same person. ``person`` is the newer
    record, ``candidate`` the one it resembles; ``reasons`` the matcher's reason codes, ``score`` its
    confidence (0 to 1). Invariant: one open review per pair; a resolved one has a resolution."""

    person = models.ForeignKey(
        "cases.Person", verbose_name=_("record"), on_delete=models.CASCADE, related_name="duplicate_reviews"
    )
    candidate = models.ForeignKey(
        "cases.Person",
        verbose_name=_("possible duplicate of"),
        on_delete=models.CASCADE,
        related_name="duplicate_reviews_as_candidate",
    )
    score = models.FloatField(_("likeness"))
    reasons = models.JSONField(_("reasons"), default=list)
    source = models.CharField(_("found on"), max_length=20, choices=DuplicateSource.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("found by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requesting_consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("found at"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DuplicateStatus.choices, default=DuplicateStatus.OPEN
    )
    resolution = models.CharField(
        _("decision"), max_length=10, choices=DuplicateResolution.choices, blank=True
    )
    resolution_note = models.CharField(_("note"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("found at"), auto_now_add=True)

    objects = DuplicateReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        indexes = [models.Index(fields=["status", "created_at"], name="dupreview_status_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "candidate"],
                condition=Q(status="open"),
                name="dupreview_one_open_per_pair",
            ),
            models.CheckConstraint(
                condition=Q(status="open", resolution="") | Q(status="resolved") & ~Q(resolution=""),
                name="dupreview_resolved_has_resolution",
            ),
            models.CheckConstraint(condition=~Q(person=F("candidate")), name="dupreview_two_records"),
        ]

    def __str__(self) -> str:
        return _("Possible duplicate #%(id)s") % {"id": self.pk}


class PersonMergeQuerySet(ScopedQuerySet):
    pass


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["snapshot"],
    model_name="PersonMergeHistory",
)
class PersonMerge(models.Model):
    """``merged`` was folded into ``survivor``. ``snapshot`` (JSON, encrypted) holds both records and
    what moved, as they were before the merge, so ``unmerge`` can put them back. Invariant: an undone
    merge has ``unmerged_at``; a record is merged away at most once at a time."""

    survivor = models.ForeignKey(
        "cases.Person", verbose_name=_("kept record"), on_delete=models.PROTECT, related_name="merges_kept"
    )
    merged = models.ForeignKey(
        "cases.Person", verbose_name=_("merged record"), on_delete=models.PROTECT, related_name="merges_away"
    )
    review = models.ForeignKey(
        DuplicateReview,
        verbose_name=_("review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merges",
    )
    reason = models.CharField(_("reason"), max_length=300)
    snapshot = EncryptedCharField(_("snapshot"), max_length=5_000_000, editable=False)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    unmerged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("separated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    unmerged_at = models.DateTimeField(_("separated at"), null=True, blank=True)
    unmerge_reason = models.CharField(_("reason for separating"), max_length=300, blank=True)

    objects = PersonMergeQuerySet.as_manager()

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("merge of person records")
        verbose_name_plural = _("merges of person records")
        constraints = [
            models.UniqueConstraint(
                fields=["merged"], condition=Q(unmerged_at__isnull=True), name="merge_once_at_a_time"
            ),
            models.CheckConstraint(condition=~Q(survivor=F("merged")), name="merge_two_records"),
        ]

    def __str__(self) -> str:
        return _("Merge #%(id)s") % {"id": self.pk}


class ArrestingAgency(models.TextChoices):
    ICE_ERO = "ice_ero", _("ICE Enforcement and Removal Operations")
    HSI = "hsi", _("ICE Homeland Security Investigations")
    CBP = "cbp", _("Customs and Border Protection (Border Patrol, ports of entry)")
    SHERIFF_287G = "sheriff_287g", _("Sheriff's office under a 287(g) agreement")
    SHERIFF = "sheriff", _("Sheriff's office (no 287(g) agreement)")
    LOCAL_POLICE = "local_police", _("Local police")
    STATE = "state", _("State police or prison")
    US_MARSHALS = "us_marshals", _("US Marshals")
    JOINT = "joint", _("Several agencies together")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Not known")


class OperationQuerySet(ScopedQuerySet):
    pass


@pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), model_name="OperationHistory")
class Operation(models.Model):
    """An enforcement operation (a raid, a sweep): the arrests it made reach a consulate as cases, often
    in a detainee list. Groups the cases it produced (``Case.operation``)."""

    consulate = models.ForeignKey(
        "consulates.Consulate",
        verbose_name=_("consulate"),
        on_delete=models.PROTECT,
        related_name="operations",
    )
    name = models.CharField(_("name"), max_length=160)
    date = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    agency = models.CharField(
        _("agency"), max_length=20, choices=ArrestingAgency.choices, default=ArrestingAgency.UNKNOWN
    )
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = OperationQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("operation")
        verbose_name_plural = _("operations")
        indexes = [models.Index(fields=["consulate", "-date"], name="operation_consulate_date_idx")]

    def __str__(self) -> str:
        return self.name
