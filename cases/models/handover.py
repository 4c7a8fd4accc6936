"""The hand-over of a case to a Mexican consulate in the US outside this network (the person was moved to a
facility in its district, or released to an address there). Recorded by ``cases.services.handover``; the
case closes as transferred out (docs/decisions/0022-handover-outside-network.md)."""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet


class HandoverReason(models.TextChoices):
    MOVED = "moved", _("Moved to a detention facility in its district")
    RELEASED = "released", _("Released to an address in its district")
    OTHER = "other", _("Other")


class HandoverMethod(models.TextChoices):
    EMAIL = "email", _("Email to its protection department")
    LETTER = "letter", _("Official letter")
    OTHER = "other", _("Other")


def export_path(instance: Handover, filename: str) -> str:
    """Stored under a random name, never the person's: the export is the person's data."""
    return f"handovers/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.zip"


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="HandoverHistory"
)
class Handover(FastLoad, models.Model):
    """A case handed over to a consulate outside the network. Invariants: ``post`` is not a post of this
    network (that is a transfer); the person's data sent is the person export, made when the hand-over is
    recorded, stored as ``export_file`` (``export_sha256``, ``export_size``) and logged in the access log;
    the case is closed as transferred out in the same transaction. The other consulate's receipt is
    recorded later, once (``acknowledged_at``)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="handovers")
    post = models.ForeignKey(
        "consulates.ConsularPost",
        verbose_name=_("consulate it was handed over to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("why"), max_length=10, choices=HandoverReason.choices)
    reason_notes = models.TextField(_("about the reason"), blank=True)
    method = models.CharField(_("how it was sent"), max_length=10, choices=HandoverMethod.choices)
    method_notes = models.CharField(_("sent to (address or office)"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    # What was sent: the person export made by the hand-over (the zip is stored; only its checks here).
    export_file = models.FileField(_("data sent"), upload_to=export_path, max_length=200)
    export_size = models.PositiveBigIntegerField(_("size (bytes)"))
    export_sha256 = models.CharField(_("SHA-256"), max_length=64)
    # The other consulate's acknowledgement of receipt.
    acknowledged_at = models.DateTimeField(_("receipt acknowledged at"), null=True, blank=True)
    acknowledged_by_name = models.CharField(
        _("acknowledged by (at the other consulate)"), max_length=160, blank=True
    )
    acknowledgement_notes = models.TextField(_("about the receipt"), blank=True)
    acknowledgement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("receipt recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("hand-over to another consulate")
        verbose_name_plural = _("hand-overs to other consulates")

    def __str__(self) -> str:
        return f"{self.case} → {self.post}"

    @property
    def download_name(self) -> str:
        return f"handover-{self.pk}-data.zip"
