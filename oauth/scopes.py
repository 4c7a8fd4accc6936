"""What a staff app's token may do: one scope per kind of call. A read needs ``cases:read`` (the reports
``reports:read``), any write ``cases:write``. The scope only narrows: the call still runs under the user's
own roles and visibility (``consulates.policy``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import SettingsScopes

CASES_READ = "cases:read"
CASES_WRITE = "cases:write"
REPORTS_READ = "reports:read"

SCOPES = {
    CASES_READ: _("Read the cases, persons and reference data you can see"),
    CASES_WRITE: _("Change cases and persons on your behalf, as you could"),
    REPORTS_READ: _("Read the caseload reports you can see"),
}

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def required_scope(method: str, family: str | None) -> str | None:
    """The scope a call needs: ``family`` is the view's ``scope_family`` (``"cases"``, ``"reports"``, or
    None for a door staff apps never use, e.g. the partners'); None: no token scope allows it."""
    if family is None:
        return None
    if method.upper() not in SAFE_METHODS:
        return CASES_WRITE
    return REPORTS_READ if family == "reports" else CASES_READ


class StaffAppScopes(SettingsScopes):
    """The scopes with their descriptions in the user's language (the consent page lists them)."""

    def get_all_scopes(self):
        return dict(SCOPES)

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        return list(SCOPES)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return [CASES_READ]
