"""Time the staff workspace's pages at scale (``make bench-pages``; issue goal: each page <= 300 ms, median
in process, at 100,000 seeded cases; a quick action saves in <= 300 ms).

Run with production settings on the database seeded for ``bench-api`` (``docs/benchmarks.md``). Each page is
requested through Django's test client as the demo user of each role, signed in with a verified second
factor (every middleware, the session, the access log and the template count), three times to warm up
and then ``--runs`` times; the table shows the median, the queries of one request and the goal. Pages
another part of the workspace adds register themselves in ``PAGES`` below; the quick actions write
through the services like a user would and are rolled back.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from devtools.management.commands.bench_api import Command as ApiBench

GOAL_MS = 300

# (label, username, path or a function of the command that returns one)
PAGES = [
    ("home, officer", "oficial.dallas", "/"),
    ("home, supervisor", "supervisora.dallas", "/"),
    ("home, administrator (network)", "admin", "/"),
    ("search 'garcia', officer", "oficial.dallas", "/search/?q=garcia"),
    ("search 'garcia', manager", "gerente", "/search/?q=garcia"),
    ("search near miss 'herrara', manager", "gerente", "/search/?q=herrara"),
    ("calendar week, officer (mine)", "oficial.dallas", "/calendar/"),
    ("calendar month, supervisor (consulate)", "supervisora.dallas", "/calendar/?view=month&scope=consulate"),
    ("calendar month, manager (network)", "gerente", "/calendar/?view=month"),
    ("calendar week, manager (network)", "gerente", "/calendar/?view=week"),
    ("case page, officer", "oficial.dallas", "case"),
    ("case page, manager", "gerente", "case"),
    ("person form (new), officer", "oficial.dallas", "/admin/cases/person/add/"),
    ("hand-off sheet, officer", "oficial.dallas", "handoff"),
    ("case list, officer", "oficial.dallas", "/admin/cases/case/"),
    ("reports, manager", "gerente", "/reports/"),
]


class Command(BaseCommand):
    help = "Time the staff workspace's pages (median, in process) against the 300 ms goal."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=15, help="timed runs per page (median)")
        parser.add_argument(
            "--slowest", action="store_true", help="print each page's five slowest statements"
        )

    def handle(self, *args, runs, slowest, **options):
        self.verbose = slowest
        if settings.DEBUG:
            raise CommandError("Run with production settings (DEBUG=0 and its keys): see docs/benchmarks.md.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM cases_case")
            total = cursor.fetchone()[0]
        load = os.getloadavg()
        self.stdout.write(
            f"Database {connection.settings_dict['NAME']}: {total:,} cases. Load average at start: "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}.\n"
            f"Median of {runs} after 3 warm-ups, in process. Goal: {GOAL_MS} ms.\n"
        )
        self.stdout.write(f"{'page':<44} {'median':>9} {'queries':>8}  result")
        clients, devices = {}, []
        places = self._places()
        try:
            for label, username, path in PAGES:
                client = clients.get(username) or self._client(username, devices)
                clients[username] = client
                self._time(label, client, places.get(path, path), runs)
            self._quick_actions(clients["oficial.dallas"], places["case_pk"], runs)
        finally:
            TOTPDevice.objects.filter(pk__in=devices).delete()

    def _places(self) -> dict:
        """A Dallas case with the most timeline entries (the heaviest case page), and one with a hand-off."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.id FROM cases_case c JOIN consulates_consulate s ON s.id = c.consulate_id "
                "JOIN cases_caseevent e ON e.case_id = c.id WHERE s.slug = 'dallas' AND c.status <> 'closed' "
                "GROUP BY c.id ORDER BY count(*) DESC, c.id LIMIT 1"
            )
            case_pk = cursor.fetchone()[0]
            cursor.execute(
                "SELECT h.case_id FROM cases_repatriationhandoff h JOIN cases_case c ON c.id = h.case_id "
                "JOIN consulates_consulate s ON s.id = c.consulate_id WHERE s.slug = 'dallas' LIMIT 1"
            )
            handoff = cursor.fetchone()
        places = {"case_pk": case_pk, "case": f"/case/{case_pk}/"}
        if handoff:
            places["handoff"] = f"/admin/cases/case/{handoff[0]}/handoff/print/"
        return places

    def _quick_actions(self, client: Client, case_pk: int, runs: int) -> None:
        """Each quick action of the case page posted as its script posts it (the answer is the fragments
        it replaces), rolled back after each timing: nothing of the benchmark stays on the case."""
        self.stdout.write(f"\nQuick actions on /case/{case_pk}/ (the script's request), median of {runs}.")
        due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        starts = (timezone.localtime() + dt.timedelta(days=12)).strftime("%Y-%m-%dT09:30")
        actions = [
            ("log a call", f"/case/{case_pk}/note/", {"note-kind": "call", "note-text": "Llamada de seguimiento"}),
            ("add a task", f"/case/{case_pk}/tasks/", {"task-title": "Pedir constancia", "task-due_date": due}),
            ("schedule a hearing", f"/case/{case_pk}/hearings/",
             {"hearing-kind": "master_calendar", "hearing-starts_at": starts, "hearing-location": "Dallas"}),
        ]  # fmt: skip
        headers = {"HTTP_X_REQUESTED_WITH": "fetch", "HTTP_ACCEPT": "application/json"}
        for label, path, data in actions:
            times = []
            for _ in range(runs + 1):
                with transaction.atomic():
                    start = time.perf_counter()
                    response = client.post(path, data, **headers)
                    elapsed = time.perf_counter() - start
                    transaction.set_rollback(True)
                if response.status_code >= 400:
                    raise CommandError(f"{label}: {path} answered {response.status_code}")
                times.append(elapsed)
            median = statistics.median(times[1:]) * 1000
            result = "met" if median <= GOAL_MS else "NOT MET"
            self.stdout.write(f"{label:<44} {median:>7.1f} ms {'':>8}  {result}")

    def _client(self, username: str, devices: list) -> Client:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}: seed the database first (seed_demo --cases 100000).")
        return ApiBench()._verified_client(user, devices)  # signed in, the second factor verified

    def _time(self, label: str, client: Client, path: str, runs: int) -> None:
        for _ in range(3):
            response = client.get(path)
            if response.status_code != 200:
                raise CommandError(f"{label}: {path} answered {response.status_code}")
        with CaptureQueriesContext(connection) as captured:
            client.get(path)
        # Read now: the next request empties the connection's query log.
        queries = list(captured.captured_queries)
        if self.verbose:
            for query in sorted(queries, key=lambda q: -float(q["time"]))[:5]:
                self.stdout.write(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:160]}")
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            client.get(path)
            times.append(time.perf_counter() - start)
        median = statistics.median(times) * 1000
        result = "met" if median <= GOAL_MS else "NOT MET"
        self.stdout.write(f"{label:<44} {median:>7.1f} ms {len(queries):>8}  {result}")
