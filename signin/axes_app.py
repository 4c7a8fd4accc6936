"""django-axes, in the staff UI's languages.

django-axes ships no Spanish, so its section of the staff UI read "Axes · Access attempts · Access
failures · Access logs" in English, and its "access log" would have taken the Spanish of our own read
access log. This app config gives the section and its models names of our own (translated in our
catalogue); ``AXES_FIELD_LABELS`` marks django-axes' field and filter labels for our catalogue too.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# django-axes' own msgids (models, admin): listed so that makemessages keeps them in our catalogue.
AXES_FIELD_LABELS = [
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
]


class AxesConfig(AxesAppConfig):
    verbose_name = _("Staff sign-ins")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

        names = {
            AccessAttempt: (_("failed sign-in counter"), _("failed sign-in counters (lockouts)")),
            AccessAttemptExpiration: (_("counter expiry"), _("counter expiries")),
            AccessFailureLog: (_("failed sign-in"), _("failed sign-ins")),
            AccessLog: (_("sign-in"), _("sign-ins")),
        }
        for model, (singular, plural) in names.items():
            model._meta.verbose_name = singular
            model._meta.verbose_name_plural = plural
