"""The outbox machinery: claim due rows, deliver one, retry with backoff, give up after a limit.

Claiming takes due pending rows with ``FOR UPDATE SKIP LOCKED`` (so two dispatchers never take the same
row), gives each a lease, and publishes one send task per row after commit. If publishing fails (broker
down) the leases lapse and the rows are claimed again by a later run; nothing is lost.

Delivering locks the row for the whole send: a second send task for the same row (a broker redelivery,
a re-claimed lease) waits, then finds it sent. A worker killed mid-send rolls its transaction back, so
the row is pending again; the resend carries the same idempotency key, which the provider honours.
"""

from __future__ import annotations

import datetime as dt
import logging
import random

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases import events
from cases.models import Reminder
from cases.models.reminder import ReminderStatus
from cases.reminders.channels import DeliveryError, PermanentDeliveryError, channel_for
from cases.reminders.messages import Skip, build
from cases.reminders.schedule import consulate_tz, respect_quiet_hours

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)  # 5 minutes unless configured
MAX_ATTEMPTS = 6
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_MAX = dt.timedelta(hours=2)
BATCH_SIZE = 500


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


def claim_due(*, now: dt.datetime | None = None, limit: int = BATCH_SIZE) -> list[int]:
    """Lease up to ``limit`` due reminders and return their ids (committed before returning)."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(claim_queryset(now, limit))
        if ids:
            Reminder.objects.filter(pk__in=ids).update(lease_until=now + LEASE)
    return ids


def dispatch_due(
    publish, *, now: dt.datetime | None = None, limit: int = BATCH_SIZE, max_batches: int = 200
) -> int:
    """Claim and publish batches until nothing is due (or ``max_batches``). ``publish(id)`` queues one
    send task. Returns how many were published."""
    published = 0
    for _batch in range(max_batches):
        ids = claim_due(now=now, limit=limit)
        for pk in ids:
            try:
                publish(pk)
            except Exception:  # broker down: the leases lapse and a later run claims these again
                logger.warning("Could not queue reminders; they wait for the next dispatcher run.")
                return published
            published += 1
        if len(ids) < limit:
            break
    return published


def backoff(attempts: int) -> dt.timedelta:
    """Exponential, capped, with +-20 % jitter so retries of a batch do not arrive together."""
    delay = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def deliver(reminder_id: int) -> str:
    """Send one reminder if it is still pending; returns what happened (for tests and logs)."""
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(of=("self",))
            .select_related("person", "user", "partner", "case__consulate")
            .filter(pk=reminder_id)
            .first()
        )
        if reminder is None or reminder.status != ReminderStatus.PENDING:
            return "not pending"
        now = timezone.now()
        if reminder.due_at > now:
            return "not due"
        if reminder.person_id and reminder.case_id:
            # A late reminder to a person is sent at once, but never in the quiet hours of the night.
            allowed = respect_quiet_hours(now, consulate_tz(reminder.case))
            if allowed > now:
                reminder.lease_until = allowed
                reminder.save(update_fields=["lease_until", "updated_at"])
                return "deferred"
        try:
            with transaction.atomic():  # a database error in here leaves the row's transaction usable
                message = build(reminder)
                if isinstance(message, Skip):
                    reminder.status, reminder.last_error, reminder.lease_until = (
                        ReminderStatus.SKIPPED,
                        message.reason,
                        None,
                    )
                    reminder.save(update_fields=["status", "last_error", "lease_until", "updated_at"])
                    return "skipped"
                channel_for(reminder.channel).send(message)
        except PermanentDeliveryError as exc:
            reminder.attempts += 1  # it was tried once: the list shows how many times
            _failed(reminder, str(exc))
            return "failed"
        except DeliveryError as exc:
            return _retry_later(reminder, str(exc), now)
        except Exception as exc:
            # A bug or an unforeseen failure counts as an attempt, so the row ends failed (and listed)
            # instead of being re-claimed forever. Only the class is kept: a message may hold personal data.
            logger.warning("Reminder %s: unexpected %s while sending.", reminder.pk, type(exc).__name__)
            return _retry_later(reminder, f"unexpected error ({type(exc).__name__})", now)
        reminder.status, reminder.sent_at, reminder.lease_until = ReminderStatus.SENT, now, None
        reminder.attempts += 1
        reminder.save(update_fields=["status", "sent_at", "lease_until", "attempts", "updated_at"])
        if reminder.case_id:
            events.reminder_sent(reminder.case, reminder=reminder)
        return "sent"


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
