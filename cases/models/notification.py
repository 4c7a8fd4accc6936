"""Workspace notifications: something a staff user is told in the workspace (a list and an unread count
in the header), written by a service in the same transaction as what it is about.

Generic on purpose: a ``kind``, a target (``target_type`` and ``target_id``, and the ``case`` when it
is about one), and no stored text: what it says is built when it is read, in the reader's language, by
the renderer registered for its kind (``cases.notifications``). Only its recipient reads it
(``consulates.policy``: ``notification.read``)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.policy import ScopedQuerySet


class NotificationKind(models.TextChoices):
    INCIDENT_RECORDED = "incident_recorded", _("Critical incident recorded")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange("read_at")),
    model_name="NotificationHistory",
)
class Notification(models.Model):
    """Invariants: one per recipient, kind and target (a unique constraint: a service that runs twice
    tells nobody twice); ``read_at`` is set once, by the recipient."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    target_type = models.CharField(max_length=30)
    target_id = models.BigIntegerField()
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "target_type", "target_id"], name="notification_once_per_target"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient"], name="notification_unread_idx", condition=models.Q(read_at__isnull=True)
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
