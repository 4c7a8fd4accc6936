"""Chaos: 1,000 due reminders, two worker processes, the dispatcher fired concurrently from two
processes, one worker killed with SIGKILL in the middle of the batch. Not one reminder may be lost and
not one may reach the provider twice.

What recovers the killed worker's share: its open transactions roll back (the rows it held are pending
again), the leases it was given lapse (short here: ``REMINDER_LEASE_SECONDS``), and the dispatcher, run
again as beat would, claims and queues them once more; the resends carry the same ``Idempotency-Key``,
which the provider honours (those repeats are counted and reported, never delivered).

The reminders are partner webhooks (a referral awaiting an answer): they go over HTTP to the local fake
provider exactly like SMS, but are not held back by the quiet hours of the night, so the test does not
depend on the hour CI runs at. Broker: Redis (a dedicated database on the ``REDIS_URL`` server) when
``REDIS_URL`` is set, the filesystem transport in a temporary folder otherwise.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from cases.models import CaseEvent, Reminder
from cases.models.reminder import EVENT_TYPES, ReminderChannel, ReminderKind, ReminderStatus
from cases.models.work import EventKind
from cases.reminders import dispatch
from consulates.models import Consulate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.harness import (
    BASE_DIR,
    WorkerProcess,
    filesystem_transport_options,
    flush_redis,
    make_app,
    redis_url_with_db,
    subprocess_env,
    worker_database_url,
)
from tests.factories.crossoffice import make_referral
from tests.network import network_restore

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

REMINDERS = 1_000
LEASE_SECONDS = 15
BEAT_SECONDS = 5  # beat's minute, shortened like the lease
KILL_AFTER = 150  # deliveries seen at the provider before worker 1 is killed
DEADLINE_SECONDS = 240  # typically 10-60 s; generous for a loaded CI machine
CHAOS_REDIS_DB = 13  # kept apart from the xdist workers' databases (tests/conftest.py)

DISPATCHER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from cases.reminders.dispatch import dispatch_due
from cases.tasks import send_reminders
Path(sys.argv[1]).touch()  # ready
go = Path(sys.argv[2])
while not go.exists():
    time.sleep(0.005)
print(dispatch_due(send_reminders.delay, limit=100), flush=True)
"""


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


@pytest.fixture
def broker(tmp_path):
    """(environment for the project's processes, an app publishing to the same queue)."""
    redis_url = redis_url_with_db(CHAOS_REDIS_DB)
    if redis_url:
        flush_redis(redis_url)
        yield {"CELERY_BROKER_URL": redis_url}, make_app(broker_url=redis_url, queue="celery")
        flush_redis(redis_url)
        return
    var = tmp_path / "var"
    options = filesystem_transport_options(var / "celery")  # where the settings put it under VAR_DIR
    yield (
        {"CELERY_BROKER_URL": "filesystem://", "VAR_DIR": str(var)},
        make_app(broker_url="filesystem://", transport_options=options, queue="celery"),
    )


def _due_referral_reminders(count: int, partner_url: str) -> list[int]:
    officer = f.officer("dallas")
    case = f.make_case(officer)
    partner = f.PartnerFactory(webhook_url=partner_url, webhook_secret="chaos-secret")
    referral = make_referral(officer, case, partner)
    # The referral's own event webhook (referral.created) is not one of the rows this test counts.
    Reminder.objects.filter(partner=partner, kind__in=EVENT_TYPES).update(status=ReminderStatus.CANCELLED)
    now = timezone.now()
    rows = Reminder.objects.bulk_create(
        Reminder(
            kind=ReminderKind.REFERRAL_PARTNER_72H,
            channel=ReminderChannel.WEBHOOK,
            subject_type="referral",
            subject_id=referral.pk,
            recipient_key=f"partner:{partner.pk}",
            partner=partner,
            case=case,
            due_at=now - dt.timedelta(minutes=5, seconds=i),
        )
        for i in range(count)
    )
    return [r.pk for r in rows]


def test_a_killed_worker_loses_nothing_and_duplicates_nothing(broker, tmp_path, monkeypatch, capsys):
    env_extra, app = broker
    # 10 ms per answer, like a real provider's latency: the batches are still being delivered when the
    # kill comes (without it all 1,000 can be delivered before the test notices the 150th).
    provider = FakeProvider(delay=0.01).start()
    workers: list[WorkerProcess] = []
    try:
        ids = _due_referral_reminders(REMINDERS, provider.url)
        env = subprocess_env(
            DATABASE_URL=worker_database_url(),
            SMS_BACKEND="http",
            SMS_HTTP_URL=provider.url,
            REMINDER_LEASE_SECONDS=str(LEASE_SECONDS),
            **env_extra,
        )
        workers = [
            WorkerProcess(f"chaos{n}", env, concurrency=2, log=tmp_path / f"worker{n}.log") for n in (1, 2)
        ]
        _wait_until_ready(workers)

        # Two dispatchers, released together.
        go = tmp_path / "go"
        dispatchers = [
            subprocess.Popen(  # noqa: S603 - our interpreter, our script
                [sys.executable, "-c", DISPATCHER, str(tmp_path / f"ready{n}"), str(go)],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for n in (1, 2)
        ]
        _wait(lambda: all((tmp_path / f"ready{n}").exists() for n in (1, 2)), 60, "dispatchers ready")
        go.touch()
        published = []
        for process in dispatchers:
            out, err = process.communicate(timeout=60)
            assert process.returncode == 0, err[-3000:]
            published.append(int(out.split()[-1]))
        assert sum(published) == REMINDERS  # SKIP LOCKED: each row claimed by exactly one dispatcher

        # Kill worker 1 (main process and pool children) while the batch is being delivered.
        _wait(lambda: len(provider.deliveries) >= KILL_AFTER, 60, f"{KILL_AFTER} deliveries")
        killed_worker_sends = workers[0].output().count("reminders.send")
        workers[0].kill()
        delivered_at_kill = len(provider.deliveries)
        assert delivered_at_kill < REMINDERS, "the batch was over before the kill: nothing was tested"
        assert killed_worker_sends > 0, "worker 1 had not worked on the batch"

        # Beat keeps running the dispatcher; lapsed leases are claimed again and delivered by worker 2.
        monkeypatch.setattr(dispatch, "LEASE", dt.timedelta(seconds=LEASE_SECONDS))
        send = app.tasks["reminders.send"]
        started = time.monotonic()
        republished = 0
        while Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENT).count() < REMINDERS:
            assert time.monotonic() - started < DEADLINE_SECONDS, (
                f"{Reminder.objects.filter(pk__in=ids).exclude(status='sent').count()} not sent after "
                f"{DEADLINE_SECONDS} s; worker 2 log:\n{workers[1].output()}"
            )
            republished += dispatch.dispatch_due(lambda ids: send.apply_async((ids,)))
            time.sleep(BEAT_SECONDS)
        recovered_in = time.monotonic() - started
        workers[1].stop()

        keys = provider.delivered_keys()
        assert set(keys) == {f"reminder-{pk}" for pk in ids}  # 0 missing
        assert provider.duplicates() == 0  # 0 duplicates
        assert len(provider.deliveries) == REMINDERS
        assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
            ReminderStatus.SENT
        }
        # The case timeline says each reminder was sent once (a killed send's event rolled back with it).
        assert CaseEvent.objects.filter(kind=EventKind.REMINDER_SENT).count() == REMINDERS
        with capsys.disabled():
            print(
                f"\nchaos: dispatchers published {published}; worker 1 killed after {delivered_at_kill} "
                f"deliveries; {republished} re-queued after lapsed leases; all {REMINDERS} delivered "
                f"{recovered_in:.1f} s after the kill; {provider.repeated_requests()} repeated requests "
                f"acknowledged by idempotency key, 0 duplicates."
            )
    finally:
        for worker in workers:
            worker.stop()
        provider.stop()
        app.close()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def _wait_until_ready(workers: list[WorkerProcess], timeout: float = 90) -> None:
    def ready():
        for worker in workers:
            assert worker.alive(), f"worker {worker.name} exited:\n{worker.output()}"
        return all(" ready." in worker.output() for worker in workers)

    _wait(ready, timeout, "the workers to start")
