from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffAppsConfig(AppConfig):
    """Staff apps (native and single-page) signing in with OAuth 2.0 (django-oauth-toolkit): the
    authorization code flow with PKCE, on top of the staff sign-in with its second factor."""

    name = "oauth"
    label = "staff_oauth"
    verbose_name = _("Staff apps")

    def ready(self):
        from oauth import signals  # noqa: F401 - connects the receivers
