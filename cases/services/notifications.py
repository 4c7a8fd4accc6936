"""Marking workspace notifications read: only by their recipient (``notification.read``)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases.models import Notification
from consulates.policy import authorize


@transaction.atomic
def notification_mark_read(*, actor, notification: Notification | int) -> Notification:
    """Mark one notification read (again: nothing changes). Another user's is refused."""
    pk = notification if isinstance(notification, int) else notification.pk
    notification = Notification.objects.select_for_update().get(pk=pk)
    authorize(actor, "notification.read", notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor) -> int:
    """Mark every unread notification of ``actor`` read (their own: staff who work with case data); how
    many were."""
    authorize(actor, "staff.enter")
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())
