"""A CURP or A-number someone tried to record that another person, one they cannot see, already holds.

Registering or changing a person never confirms that an identifier exists elsewhere in the network: the
record is saved without it and a review item is opened instead, for the administrators and for the
consulate that owns the other person (``cases.services.identifier_reviews``).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField


class IdentifierKind(models.TextChoices):
    CURP = "curp", _("CURP")
    A_NUMBER = "a_number", _("A-number")


class ReviewStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("identifier review", "Open")
    RESOLVED = "resolved", pgettext_lazy("identifier review", "Resolved")


class ReviewResolution(models.TextChoices):
    DUPLICATE = "duplicate", _("Same person: the records are duplicates")
    DISMISSED = "dismissed", _("Dismissed: the identifier was entered by mistake")
    RECORDED = "recorded", _("Identifier recorded on the new record")


class IdentifierReviewQuerySet(ScopedQuerySet):
    def open(self) -> IdentifierReviewQuerySet:
        return self.filter(status=ReviewStatus.OPEN)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    # The identifier is not copied into the permanent history: it is dropped at resolution.
    exclude=["value"],
    model_name="IdentifierReviewHistory",
)
class IdentifierReview(models.Model):
    """Invariants: ``value`` is the normalised identifier, encrypted, kept only while the review is
    open; a resolved review has a resolution, who resolved it and when."""

    kind = models.CharField(_("identifier"), max_length=10, choices=IdentifierKind.choices)
    value = EncryptedCharField(_("value"), max_length=18, blank=True)
    existing_person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("person holding it"),
        on_delete=models.CASCADE,
        related_name="identifier_reviews_as_existing",
    )
    attempted_person = models.ForeignKey(
        "cases.Person",
        verbose_name=_("record it was entered on"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="identifier_reviews_as_attempted",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), on_delete=models.PROTECT, related_name="+"
    )
    requesting_consulate = models.ForeignKey(
        "consulates.Consulate",
        verbose_name=_("consulate that entered it"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    resolution = models.CharField(
        _("resolution"), max_length=10, choices=ReviewResolution.choices, blank=True
    )
    resolution_note = models.CharField(_("note"), max_length=300, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = IdentifierReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("identifier review")
        verbose_name_plural = _("identifier reviews")
        indexes = [
            models.Index(fields=["existing_person", "status"], name="idreview_existing_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", resolution="") | Q(status="resolved") & ~Q(resolution=""),
                name="idreview_resolved_has_resolution",
                violation_error_message=_("A resolved review needs a resolution."),
            ),
        ]

    def __str__(self) -> str:
        return _("Identifier review #%(id)s") % {"id": self.pk}
