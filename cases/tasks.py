"""Celery tasks: thin, id-only, safe to run twice."""

from __future__ import annotations

from collections import Counter

from celery import shared_task

from cases.reminders import dispatch, scans
from cases.reports.summary import compact
from cases.reports.weekly import schedule_weekly_reports as schedule
from cases.services.privacy import retention_run
from cases.services.privacy.anonymise import person_erase_requested
from cases.services.verification import verify_custody_scan as custody_scan


@shared_task(name="reminders.send", ignore_result=True)
def send_reminders(reminder_ids: list[int]) -> dict[str, int]:
    """Deliver a batch of reminders (ids only); returns how many ended how (for logs and tests)."""
    if isinstance(reminder_ids, int):  # a message queued by a version that sent one id per task
        reminder_ids = [reminder_ids]
    return dict(Counter(dispatch.deliver_batch(reminder_ids).values()))


def dispatch_with(app, *, send_batch: int | None = None) -> int:
    """Claim every due reminder and queue one ``reminders.send`` per batch of ids on ``app``'s broker,
    through one producer (acquiring a connection from the pool per message costs more than the send)."""
    send = app.tasks["reminders.send"]
    with app.producer_or_acquire() as producer:
        return dispatch.dispatch_due(
            lambda ids: send.apply_async((ids,), producer=producer), send_batch=send_batch
        )


@shared_task(bind=True, name="reminders.dispatch", ignore_result=True)
def dispatch_reminders(self) -> int:
    """Every minute (beat). Overlapping runs are harmless: rows are claimed with SKIP LOCKED."""
    return dispatch_with(self.app)


@shared_task(name="reminders.schedule_digests", ignore_result=True)
def schedule_digests() -> int:
    return scans.schedule_digests()


@shared_task(name="reminders.schedule_inactivity", ignore_result=True)
def schedule_inactivity() -> int:
    return scans.schedule_inactivity()


@shared_task(name="custody.verify_scan", ignore_result=True)
def verify_custody_scan() -> int:
    """Hourly (beat): a "verify custody" task on each open case in custody not verified for 7 days (one
    open such task per case; safe to run twice or at once)."""
    return custody_scan()


@shared_task(name="reports.schedule_weekly", ignore_result=True)
def schedule_weekly_reports() -> int:
    """Hourly (beat); on Monday morning, Central time, queues one weekly report per recipient."""

    return schedule()


@shared_task(bind=True, name="privacy.anonymise_expired", ignore_result=True)
def anonymise_expired(self) -> int:
    """Nightly (beat), on the maintenance queue. Anonymises the persons whose cases all passed the retention
    period, in batches; no arguments, nothing personal in the message. Safe to run twice or at once (rows
    are claimed with SKIP LOCKED and re-checked under lock). When the time budget ends first, it queues
    itself again."""

    count, more = retention_run()
    if more:
        self.apply_async(countdown=5)
    return count


@shared_task(name="privacy.erase_person", ignore_result=True)
def erase_person(request_id: str) -> bool:
    """An administrator's erasure request (``person_erase_request``), by its id only: on the maintenance
    queue, whose worker connects as the role that may rewrite history. Safe to run twice."""

    return person_erase_requested(request_id=request_id)


@shared_task(name="reports.compact_summaries", ignore_result=True)
def compact_report_summaries() -> None:
    """Every 5 minutes (beat): fold the report summaries' delta rows, one row per key. Safe beside
    writers and beside another run (see ``cases_report_compact()``)."""

    compact()
