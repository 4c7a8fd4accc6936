"""Who may export or erase a person's data. Kept apart so a general export permission can be combined
with it in one place."""

from __future__ import annotations

from consulates.access import access_for


def may_export_person_data(user) -> bool:
    """Administrators holding the export permission: they see every row a person export holds, and an
    export is an export (``cases.access.can_export``), whoever asks."""
    access = access_for(user)
    return access.is_administrator and access.can_export


def may_erase_person_data(user) -> bool:
    return access_for(user).is_administrator
