"""Shared helpers for the reminder tests: a fixed clock, the two timezones, and a compact view of
the outbox rows of one subject."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

import pytest
import time_machine

from cases.models import Reminder
from tests.cases.reminders.harness import filesystem_transport_options, make_app

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")  # Dallas
DENVER = zoneinfo.ZoneInfo("America/Denver")  # El Paso
# Monday 4 May 2026, 10:00 in Dallas, 09:00 in El Paso (daylight time, far from a DST change).
NOW = dt.datetime(2026, 5, 4, 15, 0, tzinfo=dt.UTC)


def at(tz: zoneinfo.ZoneInfo, text: str) -> dt.datetime:
    """An aware moment from local wall-clock text: ``at(CHICAGO, "2026-05-12 09:30")``."""
    return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=tz)


def local(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def rows(subject_type: str, subject_id: int, tz: zoneinfo.ZoneInfo, *, status: str | None = "pending") -> set:
    """The subject's reminders as (kind, channel, recipient, local due time), of one status (or all,
    with the status in the tuple)."""
    qs = Reminder.objects.filter(subject_type=subject_type, subject_id=subject_id)
    if status is None:
        return {(r.kind, r.channel, r.recipient_key, local(r.due_at, tz), r.status) for r in qs}
    return {(r.kind, r.channel, r.recipient_key, local(r.due_at, tz)) for r in qs.filter(status=status)}


@pytest.fixture
def frozen():
    """The clock stopped at ``NOW``; ``frozen.move_to(moment)`` moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def celery_app(tmp_path):
    """A private queue on Redis (``REDIS_URL``) or on the filesystem transport in a temporary folder."""
    if os.environ.get("REDIS_URL"):
        return make_app(broker_url=os.environ["REDIS_URL"])
    options = filesystem_transport_options(tmp_path / "broker")
    options["polling_interval"] = 0.1
    return make_app(broker_url="filesystem://", transport_options=options)
