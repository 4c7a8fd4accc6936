from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "signin"
    label = "security"  # its label from when it was config.security: kept, as Django records it
    verbose_name = _("Sign-in security")

    def ready(self):
        from signin import signals

        signals.connect_principal_invalidation()
