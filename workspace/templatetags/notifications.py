"""The header's link to one's notifications, with the unread count (one query per page)."""

from __future__ import annotations

from django import template

from cases.models import Notification
from consulates.policy import can

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int | None:
    """How many of the signed-in staff user's notifications are unread; None for whoever has none to read
    (auditors, partners, the signed-out)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not can(user, "staff.enter"):
        return None
    return Notification.objects.visible_to(user).filter(read_at__isnull=True).count()
