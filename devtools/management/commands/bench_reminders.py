"""Benchmark: the reminder outbox end to end, on a large database.

What it measures: on the database of ``DATABASE_URL`` (seeded with ``seed_demo --cases 1000000``), it
adds N due reminders (default 100,000) for existing cases, checks that the dispatcher's claim query uses
the due-time index (no sequential scan on the reminder table), starts a local fake provider and two
Celery worker processes on Redis, runs the dispatcher (claim in batches with SKIP LOCKED, queue one send
task per batch of ``REMINDER_SEND_BATCH`` ids) and waits until the provider has received every reminder.
It prints the claim+queue time, the end-to-end time and reminders per second against the goal of 1,000
per second, the duplicates and the missing deliveries seen by the provider (both must be 0), the CPU
the workers and the whole machine spent per reminder, and the load average; then removes every row it
added.

The reminders are partner webhooks for a referral awaiting an answer: the same HTTP delivery path as
SMS (JSON POST with an ``Idempotency-Key``), without the quiet hours that hold SMS to persons back at
night, so the numbers do not depend on the hour the benchmark runs at.

    make bench-reminders DATABASE_URL=postgres://postgres@127.0.0.1:5432/consular_bench
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
import sys
import time
import uuid

from celery import Celery, current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, Referral, Reminder
from cases.models.crossoffice import ReferralStatus
from cases.models.reminder import ReminderChannel, ReminderKind, ReminderStatus
from cases.reminders import dispatch
from cases.tasks import dispatch_with
from consulates.models import Partner
from devtools.fake_provider import FakeProvider

GOAL_PER_SECOND = 1_000
INSERT_CHUNK = 2_000  # rows per transaction when adding the reminders (see _insert)


class Command(BaseCommand):
    help = "Time the reminder dispatcher and two workers delivering N due reminders to a local fake provider."

    def add_arguments(self, parser):
        parser.add_argument("--reminders", type=int, default=100_000)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--concurrency", type=int, default=4, help="pool threads (or processes) per worker"
        )
        parser.add_argument(
            "--pool", default="threads", help="threads: least CPU per reminder here (prefork: +30 %%)"
        )
        parser.add_argument(
            "--broker",
            default="",
            help="Redis URL for the benchmark's queue (flushed!); default: database 11 of REDIS_URL's server",
        )
        parser.add_argument("--timeout", type=int, default=1800, help="give up after this many seconds")
        parser.add_argument("--keep", action="store_true", help="leave the added rows in place")
        parser.add_argument(
            "--send-batch",
            type=int,
            default=0,
            help="reminder ids per send task (default: the REMINDER_SEND_BATCH setting)",
        )
        parser.add_argument(
            "--queue-only",
            action="store_true",
            help="only claim and queue (no workers running): the dispatcher's rate on its own",
        )

    def handle(
        self,
        *args,
        reminders,
        workers,
        concurrency,
        pool,
        broker,
        timeout,
        keep,
        queue_only,
        send_batch,
        **options,
    ):
        send_batch = send_batch or dispatch.SEND_BATCH
        if not os.environ.get("DATABASE_URL"):
            raise CommandError(
                "Set DATABASE_URL to the benchmark database (seeded with seed_demo --cases 1000000)."
            )
        broker = broker or _default_broker()

        load = os.getloadavg()
        self.stdout.write(
            f"Machine: {os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} "
            "(1 / 5 / 15 min) at start: other work on the machine takes CPU from the benchmark."
        )
        cases = Case.objects.count()
        self.stdout.write(f"Database: {connection.settings_dict['NAME']}, {cases:,} cases.")
        if cases < 1_000_000:
            self.stdout.write(self.style.WARNING("Fewer than 1,000,000 cases: not the benchmark's database."))
        referral = Referral.objects.filter(status=ReferralStatus.PENDING).order_by("pk").first()
        if referral is None:
            raise CommandError(
                "No pending referral to hang the reminders on: seed the database with seed_demo."
            )

        provider = FakeProvider().start()
        partner = Partner.objects.create(
            name=f"Benchmark {uuid.uuid4().hex[:8]}",
            services=[referral.service],
            webhook_url=provider.url,
            webhook_secret="benchmark",  # noqa: S106 - a throwaway signing secret
        )
        processes: list[subprocess.Popen] = []
        app = _app(broker)
        first_id = last_id = 0
        try:
            started = time.perf_counter()
            first_id, last_id = _insert(reminders, referral, partner)
            self.stdout.write(
                f"Inserted {reminders:,} due reminders in {time.perf_counter() - started:.1f} s."
            )

            plan = _claim_plan()
            self.stdout.write("Claim query plan:\n  " + "\n  ".join(plan.splitlines()))
            if "Seq Scan on cases_reminder" in plan:
                raise CommandError("The claim query scans the reminder table sequentially.")
            if "reminder_pending_due_idx" not in plan:
                raise CommandError(
                    "The claim query does not use the due-time index reminder_pending_due_idx."
                )

            _flush(broker)
            if queue_only:
                started = time.perf_counter()
                queued = dispatch_with(app, send_batch=send_batch)
                seconds = time.perf_counter() - started
                self.stdout.write(
                    f"Claimed and queued {queued:,} in {seconds:.1f} s ({queued / seconds:,.0f} per second), "
                    "no workers running."
                )
                _flush(broker)
                return
            processes = _start_workers(broker, provider.url, workers, concurrency, pool)
            _wait_for_workers(app, workers, processes)
            self.stdout.write(f"{workers} workers ({pool}, concurrency {concurrency}) ready on {broker}.")

            cpu_before, machine_before = _cpu_seconds(processes), _machine_busy()
            parts_before = _own_cpu()
            started = time.perf_counter()
            queued = dispatch_with(app, send_batch=send_batch)
            queue_seconds = time.perf_counter() - started
            self.stdout.write(f"Claimed and queued {queued:,} in {queue_seconds:.1f} s.")
            last_count, last_change = -1, time.perf_counter()
            last_dispatch, redispatched = time.perf_counter(), 0
            while len(provider.deliveries) < reminders:
                now = time.perf_counter()
                if len(provider.deliveries) != last_count:
                    last_count, last_change = len(provider.deliveries), now
                if now - last_dispatch >= 60:
                    # What beat does in production: the dispatcher every minute, which picks up rows a
                    # batch left for later (retry backoff, a lapsed lease, a batch's time budget).
                    redispatched += dispatch_with(app, send_batch=send_batch)
                    last_dispatch = time.perf_counter()
                if now - last_change > 180 or now - started > timeout:
                    raise CommandError(
                        f"Stalled at {last_count:,} of {reminders:,} deliveries; the others: "
                        f"{_undelivered(first_id, last_id, provider)}"
                    )
                for process in processes:
                    if process.poll() is not None:
                        raise CommandError("A worker exited during the benchmark.")
                time.sleep(0.05)
            total_seconds = time.perf_counter() - started
            worker_cpu = _cpu_seconds(processes) - cpu_before
            parts = {name: cpu - parts_before.get(name, 0.0) for name, cpu in _own_cpu().items()}
            busy, available = (
                after - before for after, before in zip(_machine_busy(), machine_before, strict=True)
            )
            time.sleep(1)  # let the last transactions commit before counting
            sent = Reminder.objects.filter(pk__range=(first_id, last_id), status=ReminderStatus.SENT).count()
            rate = reminders / total_seconds
            expected = {f"reminder-{pk}" for pk in range(first_id, last_id + 1)}
            delivered = provider.delivered_keys()
            missing = len(expected - set(delivered))
            end_load = os.getloadavg()
            verdict = self.style.SUCCESS("meets") if rate >= GOAL_PER_SECOND else self.style.ERROR("misses")
            self.stdout.write(
                f"\nReminders:        {reminders:,} (rows marked sent: {sent:,})\n"
                f"Claim + queue:    {queue_seconds:.1f} s ({queued / queue_seconds:,.0f} per second); "
                f"{redispatched:,} queued again by the once-a-minute dispatcher runs (as beat would)\n"
                f"End to end:       {total_seconds:.1f} s\n"
                f"Throughput:       measured {rate:,.0f}/s vs goal {GOAL_PER_SECOND:,}/s ({verdict} it)\n"
                f"CPU:              workers {worker_cpu / reminders * 1000:.2f} ms per reminder; the whole "
                f"machine (database, Redis, provider, dispatcher, other work) was {busy / available:.0%} busy, "
                f"{busy / reminders * 1000:.2f} CPU-ms per reminder (the goal allows "
                f"{os.cpu_count() * 1000 / GOAL_PER_SECOND:.1f})\n"
                f"CPU by part:      {_per_reminder(parts | {'workers': worker_cpu}, reminders)} (CPU-ms per "
                "reminder; unlike the machine's figure, not inflated by other work on the machine)\n"
                f"Duplicates:       {provider.duplicates()} delivered twice; "
                f"{provider.repeated_requests()} repeated requests acknowledged by idempotency key\n"
                f"Missing:          {missing} never delivered\n"
                f"Load average:     {end_load[0]:.2f} / {end_load[1]:.2f} / {end_load[2]:.2f} at the end "
                f"({load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at the start)\n"
                f"Setup:            {workers} workers x {concurrency} ({pool}), {queued // send_batch + bool(queued % send_batch)} "
                f"send tasks of up to {send_batch} ids, broker {broker}, {os.cpu_count()} CPUs"
            )
        finally:
            for process in processes:
                _stop(process)
            provider.stop()
            app.close()
            if keep:
                self.stdout.write(f"Kept reminders {first_id}..{last_id} and partner {partner.pk}.")
            else:
                started = time.perf_counter()
                _cleanup(first_id, last_id, partner)
                self.stdout.write(f"Removed the rows it added in {time.perf_counter() - started:.1f} s.")


def _default_broker() -> str:
    from urllib.parse import urlsplit, urlunsplit

    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/11", "", ""))


def _app(broker: str) -> Celery:
    app = Celery("bench-reminders", set_as_current=False)
    # The project's Celery configuration (the project's app is the current one once Django is set up).
    app.conf.update(current_app.conf.changes)
    app.conf.update(broker_url=broker, beat_schedule={})
    return app


def _insert(count: int, referral: Referral, partner: Partner) -> tuple[int, int]:
    """COPY ``count`` due reminders spread over random open cases; returns the id range.

    In transactions of ``INSERT_CHUNK`` rows: the history triggers (pghistory and pgtrigger) catch an
    exception per row (``current_setting`` of an unset variable), i.e. one subtransaction each, and that
    cost grows with the number of subtransactions already in the transaction: one COPY of 100,000 rows
    took 370 s (10,000: 4.7 s, 20,000: 15.5 s), chunks of 2,000 rows take a few seconds in all."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM cases_case WHERE status <> 'closed' ORDER BY random() LIMIT %s", [count]
        )
        case_ids = [row[0] for row in cursor.fetchall()]
    recipient = f"partner:{partner.pk}"
    stamp = now.isoformat()
    for start in range(0, count, INSERT_CHUNK):
        buffer = io.StringIO()
        for i in range(start, min(start + INSERT_CHUNK, count)):
            due = (now - dt.timedelta(hours=1, microseconds=i)).isoformat()
            case_id = case_ids[i % len(case_ids)]
            buffer.write(
                f"{ReminderKind.REFERRAL_PARTNER_72H}\t{ReminderChannel.WEBHOOK}\treferral\t{referral.pk}\t"
                f"{recipient}\t{due}\t{case_id}\t{partner.pk}\tpending\t0\t\t{stamp}\t{stamp}\n"
            )
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY cases_reminder (kind, channel, subject_type, subject_id, recipient_key, due_at, case_id, "
                "partner_id, status, attempts, last_error, created_at, updated_at) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM cases_reminder WHERE partner_id = %s", [partner.pk])
        first_id, last_id = cursor.fetchone()
        cursor.execute("ANALYZE cases_reminder")
    return first_id, last_id


def _undelivered(first_id: int, last_id: int, provider) -> str:
    """What became of the reminders the provider has not seen (status, attempts, error: no personal data)."""
    delivered = {int(key.removeprefix("reminder-")) for key in provider.delivered_keys()}
    rows = (
        Reminder.objects.filter(pk__range=(first_id, last_id))
        .exclude(pk__in=delivered)
        .values_list("pk", "status", "attempts", "last_error", "lease_until")[:20]
    )
    return "; ".join(
        f"#{pk} {status} attempts={n} error={error!r} lease={lease}" for pk, status, n, error, lease in rows
    )


def _claim_plan() -> str:
    """EXPLAIN of the dispatcher's claim statement (planned, not run)."""
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = dispatch.claim_statement(timezone.now())
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _cpu_seconds(processes) -> float:
    """User + system CPU of the worker processes and their pool children (each worker leads its own
    session, so its children share its process group)."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {p.pid for p in processes}
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) in groups:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def _process_cpu(pid: int | str) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


def _own_cpu() -> dict[str, float]:
    """CPU-seconds so far of the benchmark's own parts besides the workers: this process (dispatcher and
    fake provider), the PostgreSQL backends serving the benchmark's database (their process title names
    it; a backend that exits during the run takes its share with it), and the Redis server (shared with
    whatever else uses it)."""
    database = connection.settings_dict["NAME"]
    parts = {"dispatcher+provider": _process_cpu(os.getpid()), "postgres": 0.0, "redis": 0.0}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                title = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            parts["postgres"] += _process_cpu(entry)
        elif title.startswith("redis-server"):
            parts["redis"] += _process_cpu(entry)
    return parts


def _per_reminder(parts: dict[str, float], reminders: int) -> str:
    text = ", ".join(f"{name} {cpu / reminders * 1000:.2f}" for name, cpu in parts.items())
    return f"{text}; together {sum(parts.values()) / reminders * 1000:.2f}"


def _machine_busy() -> tuple[float, float]:
    """CPU-seconds the machine spent busy and in all (over every CPU), from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def _flush(broker: str) -> None:
    import redis

    with redis.Redis.from_url(broker) as client:
        client.flushdb()


def _start_workers(broker: str, provider_url: str, workers: int, concurrency: int, pool: str):
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env.update(
        CELERY_BROKER_URL=broker,
        SMS_BACKEND="http",
        SMS_HTTP_URL=provider_url,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(settings.BASE_DIR),
    )
    return [
        subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"bench{n}@%h",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            start_new_session=True,
        )
        for n in range(1, workers + 1)
    ]


def _wait_for_workers(app: Celery, count: int, processes, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise CommandError("A worker exited while starting.")
        if len(app.control.ping(timeout=1.0)) >= count:
            return
    raise CommandError("The workers did not answer a ping.")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)  # warm shutdown: the main process stops its pool
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _cleanup(first_id: int, last_id: int, partner: Partner) -> None:
    """Remove the reminders, their history and the timeline events their sending wrote (the events are
    append-only for everyone else: the protecting trigger is bypassed for this one statement, and the
    history rows are deleted inside ``rewriting_history()``)."""
    import pgtrigger

    from cases.history import rewriting_history

    with rewriting_history(), connection.cursor() as cursor:
        if first_id:
            with pgtrigger.ignore("cases.CaseEvent:caseevent_append_only"):
                cursor.execute(
                    "DELETE FROM cases_caseevent WHERE kind = 'reminder_sent' "
                    "AND (payload->>'reminder_id')::bigint BETWEEN %s AND %s RETURNING id",
                    [first_id, last_id],
                )
                event_ids = [row[0] for row in cursor.fetchall()]
            if event_ids:
                cursor.execute("DELETE FROM cases_caseeventhistory WHERE pgh_obj_id = ANY(%s)", [event_ids])
            cursor.execute("DELETE FROM cases_reminder WHERE partner_id = %s", [partner.pk])
            cursor.execute(
                "DELETE FROM cases_reminderhistory WHERE pgh_obj_id BETWEEN %s AND %s", [first_id, last_id]
            )
        partner.delete()
