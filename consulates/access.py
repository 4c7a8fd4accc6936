"""Who a user is in the network: role, consulate, partner, export grant. It decides nothing: what each
role may do and see is ``consulates.policy``."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from consulates.models import PartnerMembership, Role, StaffMembership

_CACHE_ATTR = "_network_access"


@dataclass(frozen=True)
class Access:
    """A user's place in the network, resolved once per request and cached on the user object."""

    role: str | None
    consulate_id: int | None = None
    partner_id: int | None = None
    export_granted: bool = False
    timezone: str | None = None  # the IANA zone of the user's consulate (consulate-bound roles)


NO_ACCESS = Access(role=None)


def access_for(user) -> Access:
    """Resolve ``user``'s role. Inactive and anonymous users, and users of an inactive partner
    organisation, get no access at all.

    Cached on the user object for the rest of the request: a change of membership or of the partner's
    ``active`` flag is seen by the next request (or after ``forget_access``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached

    loaded = _loaded_memberships(user)
    if loaded is not None:
        membership, partner_membership = loaded
    else:
        membership = (
            StaffMembership.objects.filter(user_id=user.pk)
            .values("role", "consulate_id", "can_export", "consulate__timezone")
            .first()
        )
        partner_membership = None
    if membership:
        access = Access(
            role=membership["role"],
            consulate_id=membership["consulate_id"],
            export_granted=membership["can_export"],
            timezone=membership["consulate__timezone"],
        )
    elif user.is_superuser:
        # A superuser without a membership (the one created by createsuperuser) runs the system.
        access = Access(role=Role.ADMINISTRATOR, export_granted=True)
    else:
        # A user of an organisation the network stopped working with is nobody: every door (visibility,
        # case data, notes, documents, timeline, the partner API's permission) starts from here.
        if loaded is not None:
            active = partner_membership is not None and partner_membership.partner.active
            partner_id = partner_membership.partner_id if active else None
        else:
            partner_id = (
                PartnerMembership.objects.filter(user_id=user.pk, partner__active=True)
                .values_list("partner_id", flat=True)
                .first()
            )
        access = Access(role=None, partner_id=partner_id)
    setattr(user, _CACHE_ATTR, access)
    return access


# The user's memberships, joined to the user row when it was loaded for the request
# (``consulates.backends.MembershipBackend``): then resolving the role costs no query.
LOADED_WITH_USER = settings.USER_LOADED_WITH


def _loaded_memberships(user):
    """(staff membership as values, partner membership) when both were loaded with the user, else None."""
    model = user.__class__  # the user's model, also through the request's lazy user
    staff, partner = getattr(model, "staff_membership", None), getattr(model, "partner_membership", None)
    if staff is None or partner is None or not (staff.is_cached(user) and partner.is_cached(user)):
        return None
    membership = getattr(user, "staff_membership", None)
    values = None
    if membership is not None:
        consulate = membership.consulate if membership.consulate_id else None
        values = {
            "role": membership.role,
            "consulate_id": membership.consulate_id,
            "can_export": membership.can_export,
            "consulate__timezone": consulate.timezone if consulate else None,
        }
    return values, getattr(user, "partner_membership", None)


def forget_access(user) -> None:
    """Drop the cached role (after a membership change in the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
