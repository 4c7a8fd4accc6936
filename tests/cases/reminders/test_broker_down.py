"""Broker down: reminders written while Redis is stopped wait in the database and are delivered, once
each, after it returns.

A private ``redis-server`` on a free port is the broker (stopping the shared one would disturb other
tests); it runs without persistence, so a restart also loses whatever it held, as a crashed Redis may.
A worker runs in a thread of this process and keeps reconnecting while Redis is away; the clock is
driven with ``time_machine`` so the dispatcher's leases lapse as they would in production.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import subprocess
import time
import zoneinfo

import pytest
import redis
import time_machine
from django.core import mail

from cases import services
from cases.models import Reminder
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.reminders import dispatch
from consulates.models import Consulate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker, free_port, make_app
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

REDIS_SERVER = shutil.which("redis-server")
CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
CASES = 4


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


class PrivateRedis:
    """``redis-server`` on a fixed port that can be stopped and started again on the same port."""

    def __init__(self, port: int):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - the installed binary, fixed arguments
            [
                REDIS_SERVER,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def is_up(self) -> bool:
        with contextlib.suppress(redis.ConnectionError), redis.Redis.from_url(self.url) as client:
            return bool(client.ping())
        return False


@pytest.fixture
def private_redis():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed: the broker-down test needs a Redis it may stop")
    server = PrivateRedis(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def provider(settings):
    fake = FakeProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    yield fake
    fake.stop()


def test_reminders_written_while_redis_is_down_are_delivered_once_it_returns(private_redis, provider):
    app = make_app(broker_url=private_redis.url)
    send = app.tasks["reminders.send"]
    start = dt.datetime(2026, 5, 4, 10, 0, tzinfo=CENTRAL)  # a Monday morning in Dallas
    with time_machine.travel(start, tick=True) as traveller, embedded_worker(app) as tasks:
        private_redis.stop()
        assert not private_redis.is_up()

        # Staff keep working: hearings are scheduled, their reminders written with them.
        officer = f.officer("dallas")
        hearings = []
        for n in range(CASES):
            person = f.make_person(officer, phone=f"214 555 01{n:02d}", contact_consent=True)
            case = f.make_case(officer, person=person)
            services.case_assign(actor=officer, case=case, assignee=officer)
            hearings.append(
                services.hearing_schedule(
                    actor=officer,
                    case=case,
                    kind="bond",
                    starts_at=start + dt.timedelta(days=7, hours=1),
                    location="Dallas Immigration Court",
                )
            )
        reminders = Reminder.objects.filter(subject_type="hearing", subject_id__in=[h.pk for h in hearings])
        assert reminders.filter(status=ReminderStatus.PENDING).count() == 3 * CASES

        # The week-before SMS fall due; beat's dispatcher claims them but cannot queue them.
        traveller.move_to(start + dt.timedelta(hours=1, minutes=1))
        assert dispatch.dispatch_due(lambda ids: send.apply_async((ids,))) == 0
        due = reminders.filter(kind=ReminderKind.HEARING_PERSON_7D)
        assert set(due.values_list("status", flat=True)) == {ReminderStatus.PENDING}
        assert due.filter(lease_until__isnull=False).count() == CASES  # claimed: leased, waiting
        # Until their leases lapse, no other run takes them.
        traveller.move_to(start + dt.timedelta(hours=1, minutes=2))
        assert dispatch.dispatch_due(lambda ids: send.apply_async((ids,))) == 0

        # Redis comes back (empty: whatever it held would be gone); the rows were the truth all along.
        private_redis.start()
        traveller.move_to(
            start + dt.timedelta(hours=1, minutes=1) + dispatch.LEASE + dt.timedelta(seconds=30)
        )
        sends_before = tasks.handled("reminders.send")
        assert dispatch.dispatch_due(lambda ids: send.apply_async((ids,))) == CASES
        tasks.wait_for_handled("reminders.send", sends_before + CASES, timeout=90)  # incl. reconnecting
        assert {d["key"] for d in provider.deliveries} == {
            f"reminder-{pk}" for pk in due.values_list("pk", flat=True)
        }

        # The rest of the week runs normally: the officer's e-mails, then the day-before SMS.
        traveller.move_to(start + dt.timedelta(days=6, hours=1, minutes=1))
        sends_before = tasks.handled("reminders.send")
        assert dispatch.dispatch_due(lambda ids: send.apply_async((ids,))) == 2 * CASES
        tasks.wait_for_handled("reminders.send", sends_before + 2 * CASES)

    assert set(reminders.values_list("status", flat=True)) == {ReminderStatus.SENT}
    assert len(provider.deliveries) == 2 * CASES  # the 7-day and 1-day SMS of each person
    assert provider.duplicates() == 0
    assert sorted(m.extra_headers["X-Consular-Reference"] for m in mail.outbox) == sorted(
        f"reminder-{pk}"
        for pk in reminders.filter(kind=ReminderKind.HEARING_OFFICER_2D).values_list("pk", flat=True)
    )
