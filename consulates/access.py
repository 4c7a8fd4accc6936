"""Who a user is in the network: role, consulate, partner, export grant. It decides nothing: what each
role may do and see is ``consulates.policy``."""

from __future__ import annotations

from dataclasses import dataclass

from consulates.models import PartnerMembership, Role, StaffMembership

_CACHE_ATTR = "_network_access"


@dataclass(frozen=True)
class Access:
    """A user's place in the network, resolved once per request and cached on the user object."""

    role: str | None
    consulate_id: int | None = None
    partner_id: int | None = None
    export_granted: bool = False


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

    membership = (
        StaffMembership.objects.filter(user_id=user.pk).values("role", "consulate_id", "can_export").first()
    )
    if membership:
        access = Access(
            role=membership["role"],
            consulate_id=membership["consulate_id"],
            export_granted=membership["can_export"],
        )
    elif user.is_superuser:
        # A superuser without a membership (the one created by createsuperuser) runs the system.
        access = Access(role=Role.ADMINISTRATOR, export_granted=True)
    else:
        # A user of an organisation the network stopped working with is nobody: every door (visibility,
        # case data, notes, documents, timeline, the partner API's permission) starts from here.
        partner_id = (
            PartnerMembership.objects.filter(user_id=user.pk, partner__active=True)
            .values_list("partner_id", flat=True)
            .first()
        )
        access = Access(role=None, partner_id=partner_id)
    setattr(user, _CACHE_ATTR, access)
    return access


def forget_access(user) -> None:
    """Drop the cached role (after a membership change in the same request)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
