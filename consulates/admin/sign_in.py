"""Sign-in records in the staff UI, for administrators only (as every configuration page here).

django-otp's own TOTP device pages are removed: they show the devices' secret keys. An administrator
resets a user's second factor from the user's page instead (``consulates.admin.network``), and never sees it.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from consulates.policy import can
from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin
from staffsite.admin_search import PostedSearchAdminMixin
from staffsite.formats import in_words

for model in (TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class _AdministratorsOnly(DeclaredLookupsOnlyAdmin, PostedSearchAdminMixin):
    def has_module_permission(self, request):
        return can(request.user, "reference.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return _titled(super().change_view(request, object_id, form_url, extra_context))

    def history_view(self, request, object_id, extra_context=None):
        return _titled(super().history_view(request, object_id, extra_context))


def _titled(response):
    """django-axes titles a row "Access Log for admin @ 2026-12-06 14:47:19.791764+00:00": here, the
    username and the time in words."""
    context = getattr(response, "context_data", None)
    record = (context.get("original") or context.get("object")) if context else None
    if record is not None:
        when = getattr(record, "attempt_time", None)
        name = f"{record.username} · {in_words(when)}" if when else record.username
        if context.get("original") is not None:
            context["subtitle"] = name
        else:
            context["title"] = gettext("Change history: %s") % name
    return response


@admin.register(AccessAttempt)
class LockoutAdmin(_AdministratorsOnly, AccessAttemptAdmin):
    """Failed sign-ins per username and address; deleting a row unlocks that username on that address."""

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "reference.manage")


@admin.register(AccessLog)
class SignInLogAdmin(_AdministratorsOnly, AccessLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(_AdministratorsOnly, AccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False
