from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """API plumbing with no domain logic: tokens, idempotency records, errors, paging, throttling."""

    name = "api"
    label = "api"
    verbose_name = _("API access")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from api import schema  # noqa: F401 - registers the OpenAPI extensions
        from api.throttling import session_budget
        from signin import principal

        # A session's call counts its user's rate limit in the same round trip as its principal.
        principal.REQUEST_COUNTERS.append(session_budget)
