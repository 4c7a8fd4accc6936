"""The inquiries' periodic job (beat: ``config/celery.py``). Carries no data: it scans."""

from __future__ import annotations

from celery import shared_task

from intake.inquiries import reminders


@shared_task(name="inquiries.schedule_reminders", ignore_result=True)
def schedule_inquiry_reminders() -> int:
    return reminders.schedule_reminders()
