from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Only management commands (seed_demo, demo_logins, bench_reports, bench_reminders): no models."""

    name = "devtools"
    verbose_name = "Development tools"
