"""The outbox machinery: claim due rows, deliver them in batches, retry with backoff, give up after a limit.

Claiming takes due pending rows with ``FOR UPDATE SKIP LOCKED`` (so two dispatchers never take the same
row), gives each a lease, and publishes one send task per batch of ids (``REMINDER_SEND_BATCH``, ids
only) after commit. If publishing fails (broker down) the leases lapse and the rows are claimed again by
a later run; nothing is lost.

Batches, not one task per row (a deliberate deviation from issue 5's "one send task per row"): measured
on the 1M-case benchmark database, one Celery task per reminder cost the workers ~3 ms of CPU in
Celery's own machinery (message, ack, bookkeeping) on top of ~2.8 ms of delivery, and the machine 10.4
CPU-ms per reminder in all, five times the 2 CPU-ms per reminder that 1,000 reminders/s on 2 cores
allows (188/s measured). A batch pays Celery once for ~100 reminders, locks them in one query, loads
their subjects with one query per kind, and marks the sent ones and writes their timeline events in one
statement; docs/benchmarks.md has the numbers after the change.

Delivering a batch (``deliver_batch``; ``deliver(id)`` is a batch of one, and every caller, the staff
UI's retry included, goes through it: there is one sender) locks the batch's pending rows with
``FOR UPDATE OF r SKIP LOCKED`` in id order: a row that another sender holds is that sender's business
(it is leased, and its holder sends or releases it). Each row is re-checked exactly as before (due,
quiet hours -> deferred, still applies -> else skipped) and delivered; a failure of one row (temporary:
retried with backoff and jitter; permanent or after ``MAX_ATTEMPTS``: failed; a bug: counted as an
attempt) never stops the others. The sent rows are marked and their events written in bulk, and the
batch commits once. A worker killed mid-batch rolls the whole batch back, so its rows are pending again
and are claimed again when their leases lapse; the resends carry the same idempotency key
``reminder-<id>``, which the provider honours (the chaos test checks 0 missing and 0 duplicates).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases.models import Reminder
from cases.models.reminder import ReminderStatus
from cases.reminders import messages, sendsql
from cases.reminders.channels import DeliveryError, PermanentDeliveryError, Senders, Skip
from cases.reminders.schedule import recipient_tz, respect_quiet_hours

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)  # 5 minutes unless configured
SEND_BATCH = settings.REMINDER_SEND_BATCH  # reminder ids per send task (100 unless configured)
MAX_ATTEMPTS = 6
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=2)
BATCH_SIZE = 500  # rows per claim transaction
# A batch stops starting new deliveries after this long (a slow provider): the rows it did not reach
# stay pending under their lease and are claimed again when it lapses. Well under the task time limit.
BATCH_DEADLINE_SECONDS = 120


def claim_queryset(now: dt.datetime, limit: int = BATCH_SIZE):
    """The claim query: due, pending, unleased rows in due order, skipping rows other transactions hold
    (served by the partial index ``reminder_pending_due_idx``; the benchmark checks its plan)."""
    return (
        Reminder.objects.select_for_update(skip_locked=True)
        .filter(status=ReminderStatus.PENDING, due_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("due_at")
        .values_list("pk", flat=True)[:limit]
    )


def claim_statement(now: dt.datetime, limit: int = BATCH_SIZE) -> tuple[str, list]:
    """The claim in one statement: the claim query, materialized (so it runs once), and the lease
    written on the rows it locked; returns their ids and due times. (Compile it in a transaction.)"""
    select, params = claim_queryset(now, limit).query.sql_with_params()
    sql = f"""WITH claimed AS MATERIALIZED ({select})
        UPDATE {Reminder._meta.db_table} r SET lease_until = %s FROM claimed WHERE r.id = claimed.pk
        RETURNING r.id, r.due_at"""  # noqa: S608 - the ORM's claim query; the lease a parameter
    return sql, [*params, now + LEASE]


def claim_due(*, now: dt.datetime | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Lease up to ``limit`` due reminders and return their ids in due order (committed before
    returning)."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*claim_statement(now, limit))
        claimed = cursor.fetchall()
    return [pk for pk, _due in sorted(claimed, key=lambda row: (row[1], row[0]))]


def dispatch_due(
    publish: Callable[[list[int]], object],
    *,
    now: dt.datetime | None = None,
    limit: int = BATCH_SIZE,
    max_batches: int = 200,
    send_batch: int | None = None,
) -> int:
    """Claim and publish until nothing is due (or ``max_batches`` claims). ``publish(ids)`` queues one
    send task for a list of at most ``send_batch`` ids. Returns how many reminders were published."""
    send_batch = send_batch or SEND_BATCH
    published = 0
    for _claim in range(max_batches):
        ids = claim_due(now=now, limit=limit)
        for start in range(0, len(ids), send_batch):
            chunk = ids[start : start + send_batch]
            try:
                publish(chunk)
            except Exception:  # broker down: the leases lapse and a later run claims these again
                logger.warning("Could not queue reminders; they wait for the next dispatcher run.")
                return published
            published += len(chunk)
        if len(ids) < limit:
            break
    return published


def backoff(attempts: int) -> dt.timedelta:
    """Exponential, capped, with +-20 % jitter so retries of a batch do not arrive together."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def deliver(reminder_id: int) -> str:
    """Send one reminder if it is still pending (a batch of one); returns what happened."""
    return deliver_batch([reminder_id])[reminder_id]


def deliver_batch(reminder_ids: Iterable[int]) -> dict[int, str]:
    """Send the batch's reminders that are still pending; returns what happened to each id:
    sent, skipped, deferred, retry, failed, not due, not pending, or held (another sender has it)."""
    ids = sorted({int(pk) for pk in reminder_ids})
    outcomes: dict[int, str] = {}
    if not ids:
        return outcomes
    started = time.monotonic()
    with transaction.atomic():
        reminders = sendsql.lock_pending(ids)
        sent = []
        with messages.preloaded(reminders), Senders() as senders:
            for reminder in reminders:
                if time.monotonic() - started > BATCH_DEADLINE_SECONDS:
                    outcomes[reminder.pk] = "postponed"  # still pending and leased: claimed again later
                    continue
                now = timezone.now()
                try:
                    with _savepoint_if_queried():  # a database error in it leaves the batch usable
                        outcome = _deliver_one(reminder, now, senders)
                except Exception as exc:
                    # A bug or an unforeseen failure counts as an attempt, so the row ends failed (and
                    # listed) instead of being re-claimed forever, and the other rows go on. Only the
                    # class is kept: a message may hold personal data.
                    logger.warning(
                        "Reminder %s: unexpected %s while sending.", reminder.pk, type(exc).__name__
                    )
                    outcome = _retry_later(reminder, f"unexpected error ({type(exc).__name__})", now)
                outcomes[reminder.pk] = outcome
                if outcome == "sent":
                    sent.append(reminder)
        sendsql.mark_sent(sent, timezone.now())
    missing = [pk for pk in ids if pk not in outcomes]
    if missing:  # not pending any more, or locked by another sender: tell which, for tests and logs
        pending = set(
            Reminder.objects.filter(pk__in=missing, status=ReminderStatus.PENDING).values_list(
                "pk", flat=True
            )
        )
        outcomes.update((pk, "held" if pk in pending else "not pending") for pk in missing)
    for outcome in ("held", "postponed"):  # unusual: say so (ids only), they wait for their leases
        left = [pk for pk, what in outcomes.items() if what == outcome]
        if left:
            logger.warning("Reminders %s: %s, sent later.", left[:20], outcome)
    return outcomes


def _deliver_one(reminder: Reminder, now: dt.datetime, senders: Senders) -> str:
    """One locked, pending row of the batch: re-check, build, send. Marking it sent is the caller's."""
    if reminder.due_at > now:
        return "not due"
    if reminder.person_id and reminder.case_id:
        # A late reminder to a person is sent at once, but never in the quiet hours of the night.
        allowed = respect_quiet_hours(now, recipient_tz(reminder))
        if allowed > now:
            reminder.lease_until = allowed
            reminder.save(update_fields=["lease_until", "updated_at"])
            return "deferred"
    message = messages.build(reminder)
    if isinstance(message, Skip):
        reminder.status, reminder.last_error, reminder.lease_until = (
            ReminderStatus.SKIPPED,
            message.reason,
            None,
        )
        reminder.save(update_fields=["status", "last_error", "lease_until", "updated_at"])
        return "skipped"
    try:
        senders.send(message.channel or reminder.channel, message)
    except PermanentDeliveryError as exc:
        reminder.attempts += 1  # it was tried once: the list shows how many times
        _failed(reminder, str(exc))
        return "failed"
    except DeliveryError as exc:
        return _retry_later(reminder, str(exc), now)
    # for the timeline entry written with the batch: by which channel, to whom (a role, no address)
    reminder.sent_channel, reminder.sent_to = message.channel or reminder.channel, message.sent_to
    return "sent"


@contextlib.contextmanager
def _savepoint_if_queried():
    """A savepoint around the block, taken only if the block runs a query (most rows of a batch are
    built from what the batch preloaded and sent without one): a failure inside rolls back to it, so the
    batch's transaction stays usable for the other rows; without a query there is nothing to undo.
    (Not nestable: an inner one would take its savepoint before the outer one's.)"""
    state = {"sid": None}

    def take_savepoint_first(execute, sql, params, many, context):
        if state["sid"] is None:
            state["sid"] = ""  # taking it runs a query too: do not recurse
            state["sid"] = connection.savepoint()
        return execute(sql, params, many, context)

    try:
        with connection.execute_wrapper(take_savepoint_first):
            yield
    except BaseException:
        if state["sid"]:
            connection.savepoint_rollback(state["sid"])
        raise
    if state["sid"]:
        connection.savepoint_commit(state["sid"])


def _retry_later(reminder: Reminder, error: str, now: dt.datetime) -> str:
    reminder.attempts += 1
    reminder.last_error = error
    if reminder.attempts >= MAX_ATTEMPTS:
        _failed(reminder, error)
        return "failed"
    reminder.lease_until = now + backoff(reminder.attempts)
    reminder.save(update_fields=["attempts", "last_error", "lease_until", "updated_at"])
    logger.info("Reminder %s: delivery failed (attempt %s), retrying later.", reminder.pk, reminder.attempts)
    return "retry"


def _failed(reminder: Reminder, error: str) -> None:
    reminder.status, reminder.last_error, reminder.lease_until = ReminderStatus.FAILED, error, None
    reminder.save(update_fields=["status", "attempts", "last_error", "lease_until", "updated_at"])
    logger.warning("Reminder %s failed for good after %s attempts.", reminder.pk, reminder.attempts)
