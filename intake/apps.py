from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake: inquiries and detainee lists")

    def ready(self):
        # Inquiries: the reminders' outbox sends an inquiry's "answer due soon" with intake's message
        # (``cases.reminders.messages.register``, as the weekly report), the beat task is registered,
        # and the reports pages list the inquiries' report.
        from cases.models.reminder import ReminderKind
        from cases.reminders import messages
        from intake.inquiries import reminders, reports, tasks  # noqa: F401

        messages.register(ReminderKind.INQUIRY_DUE, reminders.build)
        reports.register()
