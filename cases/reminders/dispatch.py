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
import functools
import json
import logging
import random

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases import events
from cases.models import Case, CaseEvent, Reminder
from cases.models.reminder import ReminderStatus
from cases.models.work import EventKind
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
        reminder = _lock(reminder_id)
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
        _mark_sent(reminder, now)
        return "sent"


# --- The send path's two statements -------------------------------------------------------------------
# Every delivery runs them, and compiling them through the ORM cost more CPU than running them, so they
# are written out here (column lists come from the models) and run as prepared statements: PostgreSQL
# plans the six-table lock query in 0.6 ms and runs it in 0.1 ms, so it is planned once per connection.
# (Django's own queries are not prepared, so a transaction-mode connection pooler stays possible for
# them; these two need a session, which the workers' persistent connections are.) Everything else,
# including the rare outcomes (skipped, deferred, retry, failed), goes through the ORM.


def _execute(sql: str, params) -> psycopg.Cursor:
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    cursor.execute(sql, params, prepare=True)
    return cursor


class _Columns:
    """One model's columns in a joined SELECT, and the instance built from its slice of a row the way
    the ORM builds it (``from_db``, with the fields' converters)."""

    def __init__(self, model, alias: str):
        self.model = model
        fields = model._meta.concrete_fields
        self.sql = ", ".join(f'{alias}."{f.column}"' for f in fields)
        self.width = len(fields)
        self.attnames = [f.attname for f in fields]
        self.pk_index = fields.index(model._meta.pk)
        self.converters = [
            (i, field.get_col(alias), field.get_db_converters(connection))
            for i, field in enumerate(fields)
            if field.get_db_converters(connection)
        ]

    def load(self, values: tuple):
        if values[self.pk_index] is None:  # nothing on the other side of a LEFT JOIN
            return None
        values = list(values)
        for i, col, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@functools.cache
def _lock_query():
    """The reminder, locked (``FOR UPDATE OF`` its row only), with what the message and the quiet hours
    need: its case and consulate, and whichever of person, user and partner it is addressed to."""
    from cases.models import Person
    from consulates.models import Consulate, Partner

    parts = {
        "reminder": _Columns(Reminder, "r"),
        "case": _Columns(Case, "c"),
        "consulate": _Columns(Consulate, "k"),
        "person": _Columns(Person, "pe"),
        "user": _Columns(get_user_model(), "u"),
        "partner": _Columns(Partner, "p"),
    }
    tables = {name: part.model._meta.db_table for name, part in parts.items()}
    sql = f"""
        SELECT {", ".join(part.sql for part in parts.values())}
        FROM {tables["reminder"]} r
        LEFT JOIN {tables["case"]} c ON c.id = r.case_id
        LEFT JOIN {tables["consulate"]} k ON k.id = c.consulate_id
        LEFT JOIN {tables["person"]} pe ON pe.id = r.person_id
        LEFT JOIN {tables["user"]} u ON u.id = r.user_id
        LEFT JOIN {tables["partner"]} p ON p.id = r.partner_id
        WHERE r.id = %s
        FOR UPDATE OF r"""  # noqa: S608 - table and column names from the models, the id a parameter
    return sql, parts


def _lock(reminder_id: int) -> Reminder | None:
    sql, parts = _lock_query()
    with _execute(sql, [reminder_id]) as cursor:
        row = cursor.fetchone()
    if row is None:
        return None
    loaded, start = {}, 0
    for name, part in parts.items():
        loaded[name] = part.load(row[start : start + part.width])
        start += part.width
    reminder, case = loaded["reminder"], loaded["case"]
    if case is not None:
        Case._meta.get_field("consulate").set_cached_value(case, loaded["consulate"])
    for name in ("case", "person", "user", "partner"):
        Reminder._meta.get_field(name).set_cached_value(reminder, loaded[name])
    return reminder


def _mark_sent(reminder: Reminder, now: dt.datetime) -> None:
    """Sent: the row says so and, for a case's reminder, the case's timeline gets a REMINDER_SENT event
    (what and how, never to which address), in one statement."""
    payload = events.reminder_sent_payload(reminder)
    _execute(
        f"""
            WITH sent AS (
                UPDATE {Reminder._meta.db_table}
                SET status = %(sent)s, sent_at = %(now)s, lease_until = NULL, attempts = attempts + 1,
                    updated_at = %(now)s
                WHERE id = %(id)s
                RETURNING case_id
            )
            INSERT INTO {CaseEvent._meta.db_table}
                (case_id, kind, actor_id, occurred_at, recorded_at, text, payload)
            SELECT case_id, %(kind)s, NULL, %(now)s, %(now)s, '', %(payload)s::jsonb
            FROM sent WHERE case_id IS NOT NULL""",  # noqa: S608 - table names from the models
        {
            "id": reminder.pk,
            "sent": ReminderStatus.SENT.value,
            "now": now,
            "kind": EventKind.REMINDER_SENT.value,
            "payload": json.dumps(payload),
        },
    ).close()
    reminder.status, reminder.sent_at, reminder.lease_until = ReminderStatus.SENT, now, None
    reminder.attempts += 1
    reminder.updated_at = now


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
