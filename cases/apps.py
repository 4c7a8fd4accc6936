from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Protection cases")

    def ready(self):
        # pghistory's events page is the audit trail: name it so in the staff UI (in both languages).
        from django.apps import apps

        events = apps.get_model("pghistory", "MiddlewareEvents")
        events._meta.verbose_name = _("audit event")
        events._meta.verbose_name_plural = _("audit trail")
        apps.get_app_config("pghistory").verbose_name = _("Audit")

        # The reminders send the weekly report without importing the reports (see ``messages.register``).
        from cases.models.reminder import ReminderKind
        from cases.reminders import messages
        from cases.reminders.deadline_messages import build_deadline
        from cases.reminders.incident_messages import build_incident
        from cases.reminders.removal_messages import build_removal_no_handoff
        from cases.reminders.request_messages import build_request_due
        from cases.reports.weekly import build_weekly_report

        messages.register(ReminderKind.WEEKLY_REPORT, build_weekly_report)
        messages.register(ReminderKind.DEADLINE_7D, build_deadline)
        messages.register(ReminderKind.DEADLINE_2D, build_deadline)
        messages.register(ReminderKind.REMOVAL_NO_HANDOFF, build_removal_no_handoff)
        messages.register(ReminderKind.REQUEST_DUE, build_request_due)
        messages.register(ReminderKind.INCIDENT_RECORDED, build_incident)
