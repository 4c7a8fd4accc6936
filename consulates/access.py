"""Who a user is in the network. Every visibility rule and permission check starts here."""

from __future__ import annotations

from dataclasses import dataclass

from consulates.models import CONSULATE_ROLES, EXPORT_ROLES, Role

_CACHE_ATTR = "_network_access"


@dataclass(frozen=True)
class Access:
    """A user's place in the network, resolved once per request and cached on the user object."""

    role: str | None
    consulate_id: int | None = None
    partner_id: int | None = None
    export_granted: bool = False

    @property
    def is_staff_member(self) -> bool:
        """Consular staff who work with case data (officers, supervisors, managers, administrators).
        Auditors are staff of the staff UI but not of the case data: they are not staff members here."""
        return self.role is not None and self.role != Role.AUDITOR

    @property
    def is_auditor(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def can_audit(self) -> bool:
        """Read the audit trail and the access log: administrators and auditors."""
        return self.role in (Role.ADMINISTRATOR, Role.AUDITOR)

    @property
    def can_export(self) -> bool:
        """Export (CSV, XLSX, a person's data): a permission an administrator grants per membership,
        and only to roles whose exports hold nothing beyond what they may see."""
        return self.export_granted and self.role in EXPORT_ROLES

    @property
    def network_wide(self) -> bool:
        return self.role in (Role.REGIONAL_MANAGER, Role.ADMINISTRATOR)

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def consulate_bound(self) -> bool:
        return self.role in CONSULATE_ROLES

    @property
    def can_work_cases(self) -> bool:
        """Officers, supervisors and administrators write case work; managers read."""
        return self.role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)

    def can_supervise(self, consulate_id: int) -> bool:
        return self.is_administrator or (self.is_supervisor and self.consulate_id == consulate_id)

    def covers_consulate(self, consulate_id: int | None) -> bool:
        return self.network_wide or (self.consulate_bound and consulate_id == self.consulate_id)


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
    from consulates.models import PartnerMembership, StaffMembership

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
