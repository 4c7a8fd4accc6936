from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "config.security"
    label = "security"
    verbose_name = _("Sign-in security")

    def ready(self):
        from config.security import signals  # noqa: F401 - connects the receivers
