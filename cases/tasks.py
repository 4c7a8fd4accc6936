"""Celery tasks: thin, id-only, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from cases.reminders import dispatch, scans


@shared_task(name="reminders.send", ignore_result=True)
def send_reminder(reminder_id: int) -> str:
    return dispatch.deliver(reminder_id)


@shared_task(name="reminders.dispatch", ignore_result=True)
def dispatch_reminders() -> int:
    """Every minute (beat). Overlapping runs are harmless: rows are claimed with SKIP LOCKED."""
    return dispatch.dispatch_due(lambda pk: send_reminder.delay(pk))


@shared_task(name="reminders.schedule_digests", ignore_result=True)
def schedule_digests() -> int:
    return scans.schedule_digests()


@shared_task(name="reminders.schedule_inactivity", ignore_result=True)
def schedule_inactivity() -> int:
    return scans.schedule_inactivity()
