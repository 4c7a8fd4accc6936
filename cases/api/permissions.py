"""Who may call which part of the API. Record-level rules are ``visible_to`` (404 when hidden) and
the services (403 when the role may see but not do)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from consulates.access import access_for


class IsStaffMember(BasePermission):
    """Consular staff: officers, supervisors, managers, administrators. Partners use /partner/."""

    message = _("This part of the API is for consular staff.")

    def has_permission(self, request, view):
        return access_for(request.user).is_staff_member


class IsPartnerMember(BasePermission):
    message = _("This part of the API is for partner organisations.")

    def has_permission(self, request, view):
        return access_for(request.user).partner_id is not None
