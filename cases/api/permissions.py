"""Who may call which part of the API. Record-level rules are ``visible_to`` (404 when hidden) and
the services (403 when the role may see but not do)."""

from rest_framework.permissions import BasePermission

from consulates.policy import POLICY, can, scope_key


class PolicyPermission(BasePermission):
    """A door of the API: the caller may take ``action`` (``consulates.policy``)."""

    action = ""

    def has_permission(self, request, view):
        return can(request.user, self.action)

    @property
    def message(self):
        return POLICY[self.action].refusal


class IsStaffMember(PolicyPermission):
    """Consular staff: officers, supervisors, managers, administrators. Partners use /partner/."""

    action = "staff.enter"


class IsPartnerMember(PolicyPermission):
    action = "partner.enter"


def caller_key(user) -> tuple:
    """What a visibility rule depends on, beside the data (the policy's ``scope_key``): the key of a
    compiled read (``api.statements``)."""
    return scope_key(user)
