"""Benchmark: a detainee list of 10,000 rows imported at one consulate, end to end, on a large database.

What it measures: on the database of ``DATABASE_URL`` (seeded with ``seed_demo --cases 100000 --force``), it
writes a realistic ICE-style CSV (upper case, surnames in one column, A-numbers in several notations; about
30 % of the rows are seeded persons, as ICE writes them: accents dropped, sometimes without the maternal
surname, with or without the A-number; 1 % bad dates, 1 % other nationalities) and imports it at Dallas as
the demo officer through the one service (``intake.imports.services``): upload, check, then every row
matched against the whole network (``match_many``, by chunks) and written through the staff's services. It
prints the time of each step and the rows per second against the goal (10,000 rows in 60 s, 170 rows/s);
with ``--preview`` also the preview the staff pages show first (every row matched once more). Meanwhile a
process of its own (as the web server is) asks for a staff page (the Dallas supervisor's home) every half second and prints its latency
(median, 95th percentile, worst) against the staff pages' 300 ms goal.

The rows it creates stay (persons, cases and their history are append-only): each run uses new names
(``--seed``), so a second run is not a re-import. ``--profile`` prints the 25 costliest functions;
``--statements`` the import's SQL statements counted by kind (independent of the machine's load).

    make bench-import DATABASE_URL=postgres://postgres@127.0.0.1:5432/consular_bench
"""

from __future__ import annotations

import collections
import contextlib
import cProfile
import csv
import io
import multiprocessing
import pstats
import random
import re
import statistics
import time
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.models import Person
from consulates.models import Consulate, StaffMembership
from devtools.demo.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from intake.imports import services
from intake.models import ImportBatch, RowDecision

GOAL_SECONDS = 60
GOAL_ROWS = 10_000
RESPONSIVE_RATIO = 1.5
FACILITIES = ["PRAIRIELAND DETENTION CENTER", "Bluebonnet Detention Facility", "JOHNSON COUNTY JAIL"]


def _ice(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


class StatementCounter:
    """An execute wrapper counting statements by their first words (numbers and literals dropped)."""

    SHAPE = re.compile(r"'[^']*'|\b\d+\b|%s")

    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.seconds: collections.Counter = collections.Counter()

    def __call__(self, execute, sql, params, many, context):
        shape = self.SHAPE.sub("?", " ".join(sql.split()))[:110]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.counts[shape] += 1
            self.seconds[shape] += time.perf_counter() - started

    def report(self, out) -> None:
        out.write(f"  {sum(self.counts.values()):,} statements; the 30 most frequent:")
        for shape, count in self.counts.most_common(30):
            out.write(f"  {count:7,} {self.seconds[shape]:7.1f} s  {shape}")


class Command(BaseCommand):
    help = "Time a 10,000-row detainee list imported at Dallas against the seeded network (goal: 60 s)."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=GOAL_ROWS)
        parser.add_argument(
            "--duplicates", type=float, default=0.3, help="share of rows about seeded persons"
        )
        parser.add_argument("--consulate", default="dallas")
        parser.add_argument("--user", default="oficial.dallas")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: the time)")
        parser.add_argument("--preview", action="store_true", help="also time the matched preview")
        parser.add_argument("--profile", action="store_true")
        parser.add_argument(
            "--statements", action="store_true", help="count the import's SQL statements by kind"
        )
        parser.add_argument("--no-page", action="store_true", help="do not time a staff page meanwhile")

    def handle(self, *args, **options):
        consulate = Consulate.objects.filter(slug=options["consulate"]).first()
        model = get_user_model()
        template = model.objects.filter(username=options["user"]).first()
        if consulate is None or template is None:
            raise CommandError("Seed the database first: seed_demo --cases 100000 --force")
        persons = Person.objects.count()
        self.consulate_slug = consulate.slug
        # A new officer per run (like the template user): the identifier-review budget is per user and hour.
        actor = model.objects.create(username=f"bench.import.{time.time_ns()}", is_staff=True)
        membership = template.staff_membership
        StaffMembership.objects.create(user=actor, role=membership.role, consulate=membership.consulate)
        seed = options["seed"] if options["seed"] is not None else int(time.time())
        rng = random.Random(seed)  # noqa: S311 - test data, not secrets
        content = self._list(rng, options["rows"], options["duplicates"])
        self.stdout.write(
            f"{persons:,} persons in the network; a list of {options['rows']:,} rows (seed {seed})"
        )

        sampler = None if options["no_page"] else PageSampler("supervisora.dallas")
        if sampler:
            sampler.start()
        profiler = cProfile.Profile() if options["profile"] else None
        timings = {}
        started = time.perf_counter()
        batch = services.import_upload(
            actor=actor, consulate=consulate, filename="bench.csv", content=content
        )
        timings["upload and read"] = time.perf_counter() - started
        mark = time.perf_counter()
        batch = services.import_preview(actor=actor, batch=batch, match=options["preview"])
        timings["check every row" + (" and match (preview)" if options["preview"] else "")] = (
            time.perf_counter() - mark
        )
        mark = time.perf_counter()
        batch = services.import_start(actor=actor, batch=batch, run_async=False)
        if profiler:
            profiler.enable()
        counter = StatementCounter() if options["statements"] else None
        with connection.execute_wrapper(counter) if counter else contextlib.nullcontext():
            batch = services.import_run(actor=actor, batch_id=batch.pk)
        if profiler:
            profiler.disable()
        timings["match and write every row"] = time.perf_counter() - mark
        total = time.perf_counter() - started
        if sampler:
            sampler.stop()

        batch = ImportBatch.objects.get(pk=batch.pk)
        decisions = {d: batch.rows.filter(decision=d).count() for d in RowDecision.values}
        self.stdout.write("")
        for label, seconds in timings.items():
            self.stdout.write(f"  {label:<42} {seconds:8.1f} s")
        rate = batch.total_rows / total
        scaled = total * GOAL_ROWS / max(batch.total_rows, 1)
        verdict = "met" if scaled <= GOAL_SECONDS else "NOT MET"
        self.stdout.write(
            f"  {'end to end':<42} {total:8.1f} s   {rate:6.0f} rows/s   "
            f"(goal {GOAL_ROWS:,} rows in {GOAL_SECONDS} s, {GOAL_ROWS / GOAL_SECONDS:.0f} rows/s): {verdict}"
        )
        self.stdout.write(
            "  rows: " + ", ".join(f"{name} {count:,}" for name, count in decisions.items() if count)
        )
        if sampler:
            sampler.report(self.stdout)
        if counter:
            counter.report(self.stdout)
        if profiler:
            stream = io.StringIO()
            pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
            profiler.dump_stats("var/bench-import.prof")
            stream.write("(the whole profile: var/bench-import.prof, for pstats or snakeviz)\n")
            self.stdout.write(stream.getvalue())

    def _list(self, rng: random.Random, rows: int, duplicates: float) -> bytes:
        wanted = int(rows * duplicates)
        # Mostly persons of the importing consulate (a list names people its district already knows); a
        # few of another consulate's (transfers), whose identifiers the screening withholds for review.
        pool = Person.objects.filter(merged_into__isnull=True, anonymised_at__isnull=True)
        known = list(
            pool.filter(registered_by__slug=self.consulate_slug)
            .order_by("?")
            .values_list(
                "given_names", "paternal_surname", "maternal_surname", "date_of_birth", "sex", "a_number"
            )[:wanted]
        )
        others = list(
            pool.exclude(registered_by__slug=self.consulate_slug)
            .order_by("?")
            .values_list(
                "given_names", "paternal_surname", "maternal_surname", "date_of_birth", "sex", "a_number"
            )[: max(1, wanted // 50)]
        )
        known = others + known[: wanted - len(others)]
        rng.shuffle(known)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                "A-Number",
                "Last Name",
                "First Name",
                "DOB",
                "Gender",
                "Country of Citizenship",
                "Facility",
                "Book-In Date",
            ]
        )
        for index in range(rows):
            if index % max(1, rows // max(wanted, 1)) == 0 and known:
                given, paternal, maternal, dob, sex, a_number = known.pop()
                last = paternal if rng.random() < 0.4 or not maternal else f"{paternal} {maternal}"
                a_number = a_number if a_number and rng.random() < 0.6 else ""
            else:
                sex = rng.choice("HM")
                given = rng.choice(GIVEN_MALE if sex == "H" else GIVEN_FEMALE)
                last = (
                    f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
                    if rng.random() < 0.6
                    else rng.choice(SURNAMES)
                )
                dob = None
                a_number = f"{rng.randrange(300_000_000, 399_999_999)}" if rng.random() < 0.8 else ""
            year, month, day = (
                (dob.year, dob.month, dob.day)
                if dob
                else (rng.randint(1960, 2006), rng.randint(1, 12), rng.randint(1, 28))
            )
            birth = f"{month:02d}/{day:02d}/{year}"
            if rng.random() < 0.01:
                birth = f"{month:02d}/3{day % 10}/{year}x"
            country = "GUATEMALA" if rng.random() < 0.01 else "MEXICO"
            notation = rng.choice(["A{}", "A-{}-{}-{}", "{}"])
            written = (
                (
                    notation.format(a_number[:3], a_number[3:6], a_number[6:])
                    if "-" in notation
                    else notation.format(a_number)
                )
                if a_number
                else ""
            )
            writer.writerow(
                [
                    written,
                    _ice(last),
                    _ice(given),
                    birth,
                    "M" if sex == "H" else "F",
                    country,
                    rng.choice(FACILITIES),
                    "11/30/2026",
                ]
            )
        return buffer.getvalue().encode()


class PageSampler:
    """A staff page asked for every half second by a process of its own (forked, with its own database
    connection), as the web server answers staff beside the worker that imports: a thread of the importing
    process would measure its wait for Python's lock, not the page."""

    PATH = "/"

    def __init__(self, username: str):
        context = multiprocessing.get_context("fork")
        self.username = username
        self._stop = context.Event()
        self._ready = context.Event()
        self._results, self._send = context.Pipe(duplex=False)
        connections.close_all()  # the child must not share the parent's connection
        self._process = context.Process(target=self._run, daemon=True)
        self.baseline: list[float] = []
        self.times: list[float] = []

    def start(self) -> None:
        self._process.start()
        self._ready.wait(timeout=120)

    def _run(self) -> None:
        import django_otp
        from django.http import HttpRequest
        from django.test import Client

        user = get_user_model().objects.get(username=self.username)
        device = TOTPDevice.objects.create(user=user, name="bench-import", confirmed=True)
        client = Client(SERVER_NAME=settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "localhost")
        client.force_login(user)
        request = HttpRequest()
        request.session, request.user = client.session, user
        django_otp.login(request, device)
        request.session.save()
        baseline, times = [], []
        try:
            client.get(self.PATH)  # warm
            for _ in range(10):  # the page alone, before the import
                mark = time.perf_counter()
                client.get(self.PATH)
                baseline.append((time.perf_counter() - mark) * 1000)
            self._ready.set()
            while not self._stop.is_set():
                mark = time.perf_counter()
                response = client.get(self.PATH)
                if response.status_code == 200:
                    times.append(time.perf_counter() - mark)
                self._stop.wait(0.5)
        finally:
            device.delete()
            self._send.send((baseline, times))
            connections.close_all()

    def stop(self) -> None:
        self._stop.set()
        if self._results.poll(60):
            self.baseline, self.times = self._results.recv()
        self._process.join(timeout=30)

    def report(self, out) -> None:
        if not self.times or not self.baseline:
            out.write("  staff page: no answer measured")
            return
        ms = sorted(t * 1000 for t in self.times)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        before, during = statistics.median(self.baseline), statistics.median(ms)
        # Responsive: the page answers as it does without the import (within half as long again).
        verdict = "met" if during <= before * RESPONSIVE_RATIO else "NOT MET"
        out.write(f"  staff page {self.PATH} before the import: median {before:.0f} ms")
        out.write(
            f"  staff page {self.PATH} during the import ({len(ms)} requests): median {during:.0f} ms, "
            f"95th percentile {p95:.0f} ms, worst {ms[-1]:.0f} ms; {during / before:.2f} times the page alone "
            f"(goal: at most {RESPONSIVE_RATIO} times): {verdict}"
        )
