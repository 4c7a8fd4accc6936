"""Time the API's reads against raw pages, in process and over HTTP.

Run with production settings on a seeded database (``docs/benchmarks.md``: ``make bench-api``). Each page
is an API read beside its raw twin (``devtools/bench_raw_pages.py``): one hand-written SQL statement for
the same page (same filters, scope, order and page size, a total count) that answers exactly the API's
JSON: the encrypted fields it shows decrypted, its computed fields computed as the models compute them,
times in the caller's zone, serialised with orjson. After the warm-up the command compares each API page
with its raw page (whole page) and refuses to run when they differ, naming the first differing key path
and both values. In process, the two run interleaved (API, raw, API, raw...) through
Django's test client for the API (so every middleware, the session or token, the second factor, the
access log and the serializer count) after a warm-up; the table shows both medians, their ratio against
the 3x goal, the queries of one API request and how many ran before the view (middleware,
authentication, permissions, throttles: goal at most 2).

Over HTTP (``--http``): gunicorn with the project's WSGI application and gunicorn with a raw WSGI
application serving the same case list (``devtools/bench_raw_wsgi.py``), the same number of workers, each
loaded by ``wrk`` (Debian package ``wrk``) for ``--duration`` seconds with ``--connections``; the table
shows both throughputs and their ratio against the 50 % goal.

The command only reads, apart from a session verified with a temporary authenticator and a temporary
partner token (both removed at the end) and the access-log rows its reads write (the log is append-only:
they stay, as the record of the benchmark's reads).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from unittest import mock

import django_otp
import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.http import HttpRequest
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.views import APIView

from api import throttling
from api.models import ApiToken
from devtools.bench_raw_pages import (
    caller_language,
    caller_zone,
    first_difference,
    raw_case_detail,
    raw_case_list,
    raw_partner_referrals,
    raw_person_search,
)

RATIO_GOAL = 3.0
THROUGHPUT_GOAL = 0.5
QUERIES_BEFORE_VIEW_GOAL = 2
ADMIN_LIST_GOAL_MS = 150


@contextmanager
def _queries_before_view():
    """Count the queries run before the view's handler: middleware, authentication, permissions."""
    seen = {}
    original = APIView.initial
    captured = CaptureQueriesContext(connection)

    def initial(self, request, *args, **kwargs):
        original(self, request, *args, **kwargs)
        seen.setdefault("before", len(captured))

    with mock.patch.object(APIView, "initial", initial), captured:
        yield seen, captured


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


class Command(BaseCommand):
    help = "Time the API's reads against hand-written SQL pages (in process, and over HTTP with --http)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="timed runs per page, interleaved (median)")
        parser.add_argument(
            "--rounds",
            type=int,
            default=1,
            help="rounds over all the pages, and of wrk over both servers (median)",
        )
        parser.add_argument("--http", action="store_true", help="also measure throughput with gunicorn + wrk")
        parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
        parser.add_argument("--connections", type=int, default=8, help="wrk connections")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (both servers)")

    def handle(self, *args, runs, rounds, http, duration, connections, workers, **options):
        if settings.DEBUG:
            raise CommandError("Run with production settings (DEBUG=0 and its keys): see docs/benchmarks.md.")
        User = get_user_model()
        try:
            manager = User.objects.get(username="gerente")
            officer = User.objects.get(username="oficial.dallas")
            partner_user = User.objects.get(username="ong.demo")
        except User.DoesNotExist as exc:
            raise CommandError("Seed the database first (seed_demo --cases 100000).") from exc
        cases = connection.cursor()
        cases.execute("SELECT count(*) FROM cases_case")
        total = cases.fetchone()[0]
        load = os.getloadavg()
        self.stdout.write(
            f"Database {connection.settings_dict['NAME']}: {total:,} cases. Load average at start: "
            f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (an idle machine reads below 0.5)."
        )
        officer_consulate = officer.staff_membership.consulate_id
        partner_id = partner_user.partner_membership.partner_id
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM cases_case WHERE consulate_id = %s ORDER BY opened_at DESC LIMIT 1",
                [officer_consulate],
            )
            case_id = cursor.fetchone()[0]
        # The rate limits still run on every request, with budgets the benchmark cannot exhaust.
        for throttle in (throttling.TokenRateThrottle, throttling.UserRateThrottle):
            throttle.THROTTLE_RATES = {"token": "10000000/min", "user": "10000000/min"}
        devices, token_ids = [], []
        try:
            staff = {user.username: self._verified_client(user, devices) for user in (manager, officer)}
            token, raw_token = self._partner_token(partner_user, token_ids)
            partner = Client(SERVER_NAME=settings.ALLOWED_HOSTS[0], HTTP_AUTHORIZATION=f"Token {raw_token}")
            # What the API writes for each caller, computed once: the zone of its times, the language of
            # its labels, and the address its pages' ``next`` links name.
            manager_zone, officer_zone = caller_zone(manager), caller_zone(officer)
            partner_zone, language = caller_zone(None), caller_language()
            origin = f"http://{settings.ALLOWED_HOSTS[0]}"
            cases_url, referrals_url = f"{origin}/api/v1/cases/", f"{origin}/api/v1/partner/referrals/"
            pages = [
                ("case list ?status=open, manager", staff["gerente"], "get",
                 "/api/v1/cases/?status=open&limit=50", None,
                 lambda: raw_case_list(None, manager_zone, language, cases_url)),
                ("case list ?status=open, Dallas officer", staff["oficial.dallas"], "get",
                 "/api/v1/cases/?status=open&limit=50", None,
                 lambda: raw_case_list(officer_consulate, officer_zone, language, cases_url)),
                ("case detail, Dallas officer", staff["oficial.dallas"], "get",
                 f"/api/v1/cases/{case_id}/", None,
                 lambda: raw_case_detail(case_id, officer_consulate, officer_zone, language)),
                ("partner referral list", partner, "get", "/api/v1/partner/referrals/?limit=50", None,
                 lambda: raw_partner_referrals(partner_id, partner_zone, language, referrals_url)),
                ("person search 'garc', manager", staff["gerente"], "post", "/api/v1/persons/search/",
                 {"search": "garc", "limit": 50}, lambda: raw_person_search("garc", manager_zone, language)),
            ]  # fmt: skip
            self._in_process(pages, runs, rounds)
            self._floor(staff["oficial.dallas"], runs)
            self._admin_list(staff, runs)
            if http:
                self._over_http(staff["gerente"], workers, duration, connections, rounds)
        finally:
            TOTPDevice.objects.filter(pk__in=devices).delete()
            ApiToken.objects.filter(pk__in=token_ids).delete()

    def _verified_client(self, user, devices: list) -> Client:
        client = Client(SERVER_NAME=settings.ALLOWED_HOSTS[0])
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        devices.append(device.pk)
        client.force_login(user)
        request = HttpRequest()
        request.session, request.user = client.session, user
        django_otp.login(request, device)
        request.session.save()
        return client

    def _partner_token(self, user, token_ids: list):
        instance, raw = ApiToken.objects.create(user=user, expiry=dt.timedelta(hours=1))
        token_ids.append(instance.pk)
        return instance, raw

    def _request(self, client, method, path, body):
        if method == "post":
            return client.post(path, body, content_type="application/json")
        return client.get(path)

    def _in_process(self, pages, runs: int, rounds: int) -> None:
        self.stdout.write(
            f"\nIn process: {rounds} round(s) over the pages, each {runs} interleaved runs per page after 3 "
            f"warm-ups; medians (the ratio: the median of the rounds' ratios, their range beside it). Goals: "
            f"API <= {RATIO_GOAL:g}x its raw page, <= {QUERIES_BEFORE_VIEW_GOAL} queries before the view.\n"
        )
        header = f"{'page':<42} {'API ms':>8} {'raw ms':>8} {'ratio':>7} {'range':>11} {'queries':>8} {'before view':>12}  result"
        self.stdout.write(header)
        counted = {}
        for name, client, method, path, body, raw in pages:
            for _ in range(3):
                response = self._request(client, method, path, body)
                if response.status_code != 200:
                    raise CommandError(
                        f"{name}: {path} answered {response.status_code}: {response.content[:300]!r}"
                    )
                raw()
            self._same_page(name, response, raw)
            with _queries_before_view() as (seen, captured):
                self._request(client, method, path, body)
                counted[name] = (len(captured), seen.get("before", len(captured)))
        # Rounds over all the pages, so that a slow minute of the machine weighs on every page alike.
        measured = {name: [] for name, *_rest in pages}
        for _ in range(rounds):
            for name, client, method, path, body, raw in pages:
                api_times, raw_times = [], []
                for _ in range(runs):
                    start = time.perf_counter()
                    self._request(client, method, path, body)
                    api_times.append(time.perf_counter() - start)
                    start = time.perf_counter()
                    raw()
                    raw_times.append(time.perf_counter() - start)
                measured[name].append((_median_ms(api_times), _median_ms(raw_times)))
        for name, results in measured.items():
            ratios = [api / raw for api, raw in results]
            ratio = statistics.median(ratios)
            api_ms = statistics.median(api for api, _raw in results)
            raw_ms = statistics.median(raw for _api, raw in results)
            queries, before = counted[name]
            met = ratio <= RATIO_GOAL and before <= QUERIES_BEFORE_VIEW_GOAL
            spread = f"{min(ratios):.1f}-{max(ratios):.1f}x"
            self.stdout.write(
                f"{name:<42} {api_ms:>8.1f} {raw_ms:>8.2f} {ratio:>6.1f}x {spread:>11} {queries:>8} {before:>12}  "
                f"{'met' if met else 'NOT MET'}"
            )

    def _same_page(self, name: str, response, raw) -> None:
        """Refuse to time a raw page that answers anything else than its API page (whole page)."""
        difference = first_difference(orjson.loads(response.content), orjson.loads(raw()))
        if difference is not None:
            path, api_value, raw_value = difference
            raise CommandError(
                f"{name}: the raw page differs from the API's at {path}: API {api_value!r}, raw {raw_value!r}. "
                "Make the raw page (devtools/bench_raw_pages.py) answer what the API answers."
            )

    def _floor(self, client, runs: int) -> None:
        """What any request costs before it does anything: ``/healthz`` (one ``SELECT 1``) through the whole
        middleware chain, without a cookie and with a signed-in session (its user and second factor)."""
        anonymous = Client(SERVER_NAME=settings.ALLOWED_HOSTS[0])
        for label, caller in (("no cookie", anonymous), ("signed-in session", client)):
            for _ in range(3):
                caller.get("/healthz")
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                caller.get("/healthz")
                times.append(time.perf_counter() - start)
            self.stdout.write(f"{'floor: GET /healthz, ' + label:<42} {_median_ms(times):>8.2f}")

    def _admin_list(self, staff: dict, runs: int) -> None:
        """The staff UI's case list (the page an officer opens first), against its 150 ms goal."""
        self.stdout.write(
            f"\nThe staff UI's case list, median of {runs} after 3 warm-ups. Goal: {ADMIN_LIST_GOAL_MS} ms.\n"
        )
        for username, client in staff.items():
            for path in ("/admin/cases/case/", "/admin/cases/case/?status__exact=open"):
                for _ in range(3):
                    response = client.get(path)
                    if response.status_code != 200:
                        raise CommandError(f"{path} answered {response.status_code} (collectstatic first?)")
                times = []
                for _ in range(runs):
                    start = time.perf_counter()
                    client.get(path)
                    times.append(time.perf_counter() - start)
                median = _median_ms(times)
                met = "met" if median <= ADMIN_LIST_GOAL_MS else "NOT MET"
                self.stdout.write(f"{path + ', ' + username:<62} {median:>8.1f} ms  {met}")

    def _over_http(self, client, workers: int, duration: int, connections: int, rounds: int) -> None:
        if not shutil.which("wrk") or not shutil.which("gunicorn", path=os.path.dirname(sys.executable)):
            raise CommandError("--http needs wrk (apt-get install wrk) and gunicorn in the virtualenv.")
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        path = "/api/v1/cases/?status=open&limit=50"
        sides = (
            ("API (gunicorn, config.wsgi)", "config.wsgi:application", [f"Cookie: {settings.SESSION_COOKIE_NAME}={session}"]),
            ("raw page (gunicorn, devtools.bench_raw_wsgi)", "devtools.bench_raw_wsgi:application", []),
        )  # fmt: skip
        servers, self._servers = [], {}
        try:
            for _label, app, headers in sides:
                servers.append(self._serve(app, path, headers, workers))
            # Both servers run throughout, loaded in turn: API, raw, API, raw... so that a slow minute of the
            # machine weighs on both alike; the share is the median of the rounds'.
            rates = {label: [] for label, *_rest in sides}
            for _ in range(rounds):
                for (label, app, headers), url in zip(sides, servers, strict=True):
                    rates[label].append(self._wrk(app, url, headers, duration, connections))
        finally:
            for url in list(self._servers):
                self._stop(url)
        shares = [api / raw for api, raw in zip(*rates.values(), strict=True)]
        share = statistics.median(shares)
        self.stdout.write(
            f"\nOver HTTP: GET {path} as the manager, {workers} gunicorn workers each, wrk {connections} "
            f"connections for {duration} s, {rounds} round(s) in turn. Goal: the API >= {THROUGHPUT_GOAL:.0%} "
            "of the raw page.\n"
        )
        for label, values in rates.items():
            self.stdout.write(f"{label:<48} {statistics.median(values):>8.1f} req/s (median)")
        self.stdout.write(
            f"{'API / raw':<48} {share:>8.1%}  ({min(shares):.1%}-{max(shares):.1%})  "
            f"{'met' if share >= THROUGHPUT_GOAL else 'NOT MET'}"
        )

    def _serve(self, app: str, path: str, headers: list[str], workers: int) -> str:
        """Start gunicorn with ``app`` and wait until it answers ``path``: its address."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [
                gunicorn,
                app,
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            # The per-user rate limit still runs on every request, with a budget wrk cannot exhaust.
            env={**os.environ, "PYTHONPATH": os.getcwd(), "API_RATE_PER_USER": "10000000/min"},
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}{path}"
        self._servers[url] = server
        request = urllib.request.Request(url, headers=dict(h.split(": ", 1) for h in headers))
        request.add_header("Host", settings.ALLOWED_HOSTS[0])
        for _ in range(300):  # until a worker answers (booting takes seconds)
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our server
                    if answer.status == 200:
                        return url
            except OSError:
                time.sleep(0.2)
        raise CommandError(f"{app} did not answer {path} with 200.")

    def _stop(self, url: str) -> None:
        server = self._servers.pop(url)
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    def _wrk(self, app: str, url: str, headers: list[str], duration: int, connections: int) -> float:
        header_args = ["-H", f"Host: {settings.ALLOWED_HOSTS[0]}"]
        for header in headers:
            header_args += ["-H", header]
        command = ["wrk", "-t2", f"-c{connections}", "--timeout", "10s", *header_args]
        subprocess.run([*command, "-d2s", url], capture_output=True, check=True)  # noqa: S603 - warm-up
        output = subprocess.run(  # noqa: S603
            [*command, f"-d{duration}s", url], capture_output=True, text=True, check=True
        ).stdout
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        if errors:
            raise CommandError(f"{app} answered {errors.group(1)} errors under load:\n{output}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
