"""The batch send path's two statements, written out and run as prepared statements.

Every batch runs them, and compiling them through the ORM cost more CPU than running them, so they are
written here (column lists come from the models) and prepared once per connection: PostgreSQL plans the
six-table lock query once instead of per batch. (Django's own queries are not prepared, so a
transaction-mode connection pooler stays possible for them; these two need a session, which the
workers' persistent connections are.) Everything else, including the rare outcomes (skipped, deferred,
retry, failed), goes through the ORM.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection

from cases import events
from cases.models import Case, CaseEvent, Person, Reminder
from cases.models.reminder import ReminderStatus
from cases.models.work import EventKind
from consulates.models import Consulate, County, DetentionFacility, Partner


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

    def load(self, values: tuple, cache: dict):
        """The instance, or the one already built for the same row in this batch (several reminders of
        a batch often share a case or a partner)."""
        pk = values[self.pk_index]
        if pk is None:  # nothing on the other side of a LEFT JOIN
            return None
        if pk in cache:
            return cache[pk]
        values = list(values)
        for i, col, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], col, connection)
        instance = cache[pk] = self.model.from_db(connection.alias, self.attnames, values)
        return instance


@functools.cache
def _lock_query():
    """The batch's pending reminders, locked (``FOR UPDATE OF`` their rows only, ``SKIP LOCKED``: a row
    another sender holds is that sender's business), with what the messages and the quiet hours need:
    each one's case and consulate, and whichever of person, user and partner it is addressed to."""

    parts = {
        "reminder": _Columns(Reminder, "r"),
        "case": _Columns(Case, "c"),
        "consulate": _Columns(Consulate, "k"),
        "person": _Columns(Person, "pe"),
        "user": _Columns(get_user_model(), "u"),
        "partner": _Columns(Partner, "p"),
    }
    tables = {name: part.model._meta.db_table for name, part in parts.items()}
    county, facility = County._meta.db_table, DetentionFacility._meta.db_table
    # The recipient's zone for the quiet hours (cases.zones.person_zone_name), as the last column.
    sql = f"""
        SELECT {", ".join(part.sql for part in parts.values())},
               COALESCE(NULLIF(pz.timezone, ''), NULLIF(f.timezone, ''), NULLIF(fz.timezone, ''), k.timezone)
        FROM {tables["reminder"]} r
        LEFT JOIN {tables["case"]} c ON c.id = r.case_id
        LEFT JOIN {tables["consulate"]} k ON k.id = c.consulate_id
        LEFT JOIN {tables["person"]} pe ON pe.id = r.person_id
        LEFT JOIN {tables["user"]} u ON u.id = r.user_id
        LEFT JOIN {tables["partner"]} p ON p.id = r.partner_id
        LEFT JOIN {county} pz ON pz.id = pe.us_county_id
        LEFT JOIN {facility} f ON f.id = c.facility_id
        LEFT JOIN {county} fz ON fz.id = f.county_id
        WHERE r.id = ANY(%s) AND r.status = %s
        ORDER BY r.id
        FOR UPDATE OF r SKIP LOCKED"""  # noqa: S608 - table and column names from the models, ids parameters
    return sql, parts


def lock_pending(reminder_ids: list[int]) -> list[Reminder]:
    """Lock the batch's rows that are pending and not held by another transaction, in id order (a fixed
    order, so two senders never deadlock), each with its related rows loaded and cached."""
    sql, parts = _lock_query()
    with _execute(sql, [reminder_ids, ReminderStatus.PENDING.value]) as cursor:
        rows = cursor.fetchall()
    caches = {name: {} for name in parts}
    consulate_field = Case._meta.get_field("consulate")
    related = [(name, Reminder._meta.get_field(name)) for name in ("case", "person", "user", "partner")]
    reminders = []
    for row in rows:
        loaded, start = {}, 0
        for name, part in parts.items():
            loaded[name] = part.load(row[start : start + part.width], caches[name])
            start += part.width
        reminder, case = loaded["reminder"], loaded["case"]
        reminder.recipient_zone = row[start] if reminder.person_id else None
        if case is not None and not consulate_field.is_cached(case):
            consulate_field.set_cached_value(case, loaded["consulate"])
        for name, field in related:
            field.set_cached_value(reminder, loaded[name])
        reminders.append(reminder)
    return reminders


def mark_sent(reminders: list[Reminder], now: dt.datetime) -> None:
    """Sent: the rows say so and, for a case's reminder, the case's timeline gets a REMINDER_SENT event
    (what and how, never to which address): one UPDATE of every row and one multi-row INSERT of the
    events, in one statement."""
    if not reminders:
        return
    _execute(
        f"""
            WITH batch AS (
                SELECT * FROM unnest(%(ids)s::bigint[], %(payloads)s::text[]) AS b(id, payload)
            ),
            sent AS (
                UPDATE {Reminder._meta.db_table} r
                SET status = %(sent)s, sent_at = %(now)s, lease_until = NULL, attempts = r.attempts + 1,
                    updated_at = %(now)s
                FROM batch
                WHERE r.id = batch.id
                RETURNING r.id, r.case_id, batch.payload
            )
            INSERT INTO {CaseEvent._meta.db_table}
                (case_id, kind, actor_id, occurred_at, recorded_at, text, payload)
            SELECT case_id, %(kind)s, NULL, %(now)s, %(now)s, '', payload::jsonb
            FROM sent WHERE case_id IS NOT NULL ORDER BY id""",  # noqa: S608 - table names from the models
        {
            "ids": [r.pk for r in reminders],
            "payloads": [json.dumps(events.reminder_sent_payload(r)) for r in reminders],
            "sent": ReminderStatus.SENT.value,
            "now": now,
            "kind": EventKind.REMINDER_SENT.value,
        },
    ).close()
    for reminder in reminders:
        reminder.status, reminder.sent_at, reminder.lease_until = ReminderStatus.SENT, now, None
        reminder.attempts += 1
        reminder.updated_at = now
