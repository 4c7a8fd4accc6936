from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsulatesConfig(AppConfig):
    name = "consulates"
    verbose_name = _("Consular network")

    def ready(self):
        from consulates import signals

        signals.connect()
