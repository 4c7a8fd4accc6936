"""One's notifications: the list (newest first, what each says built in the reader's language) and
marking them read. Each user sees and marks only their own (``notification.read``, ``visible_to``)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import services
from cases.models import Notification
from cases.notifications import rendered
from consulates.policy import can
from workspace.views import _page

PAGE = 50


def _staff_only(request) -> None:
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


@staff_member_required
@require_GET
def notifications_page(request):
    _staff_only(request)
    rows = Notification.objects.visible_to(request.user).order_by("-created_at", "-pk")[:PAGE]
    shown = rendered(rows)
    return _page(
        request,
        "workspace/notifications.html",
        {"title": _("Notifications"), "shown": shown, "any_unread": any(item.unread for item in shown)},
    )


@staff_member_required
@require_POST
def notification_read(request, pk: int):
    _staff_only(request)
    notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("workspace:notifications")


@staff_member_required
@require_POST
def notifications_read_all(request):
    _staff_only(request)
    services.notifications_mark_all_read(actor=request.user)
    return redirect("workspace:notifications")
