"""Time every caseload report against a hand-written SQL equivalent, and the dashboard page.

Run on a large database (``DATABASE_URL=postgres://…/consular_bench make bench-reports``, seeded with
``seed_demo --cases 1000000``). As the demo manager (network-wide) and the demo Dallas officer, for the
default range (the last 12 weeks) and for one year, each report function runs once to warm up and then
``--runs`` times; so does its SQL twin below. The table shows both medians and their ratio against the
1.5x goal. Before timing, each report's rows are checked to equal the figures its SQL computes (same
filters, same per-consulate local-time conversions, ``percentile_cont`` medians), so the comparison is
between two ways of getting the same answer. Last, the whole dashboard page (``GET /reports/`` through
the test client, logged in as the manager, then as the Dallas officer) against its 1 s goal. Reports
marked ``*`` read the trigger-kept summaries (``cases.models.report_summary``); their SQL twins are
still the hand-written aggregates over the base tables.

The command only reads (plus a login session for the page, verified with the user's authenticator, or a
temporary one when the user has none; both removed at the end).
"""

# The SQL below is assembled from constant fragments only (every value is a query parameter).
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
import os
import statistics
import time
from unittest import mock

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.categories import Category
from cases.models.case import NotifiedBy, Outcome, Priority, Status
from cases.models.crossoffice import ReferralStatus, TransferStatus
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.models.work import HearingStatus
from cases.reports.common import ReportParams, rounded
from cases.reports.network import INACTIVE_AFTER, OPEN_STATUSES
from cases.reports.registry import REPORTS
from consulates.policy import reach

RATIO_GOAL = 1.5
# Reports that read the trigger-kept summaries (cases.models.report_summary) instead of scanning the
# cases; their SQL twins below still aggregate the base tables, as anyone would write them by hand.
READS_SUMMARY = {
    "open_cases": "open caseload",
    "custody_by_facility": "open caseload",
    "upcoming_hearings": "scheduled hearings per hour (+ edge hours from hearings)",
    "workload": "open caseload + open tasks",
    "attention": "open caseload (+ active cases from case_open_activity_idx)",
    "vulnerable_open": "vulnerable persons",
    "weekly_flow": "daily flow (opened, closed per consulate and local day)",
    "closed_by_outcome": "daily flow",
    "repatriations": "daily flow",
}
PAGE_GOAL_MS = 1000.0
USERS = ("gerente", "oficial.dallas")

# ---------------------------------------------------------------------------------------------------
# The hand-written SQL. ``{scope}`` is empty for the network-wide manager and restricts to one consulate
# otherwise (officers always see their own consulate; its incoming transfers add nothing once the
# report keeps to that consulate). A UTC window one day wider than the range on each side comes before
# the exact test on the consulate-local date, as anyone writing this by hand for an index would do.
# ---------------------------------------------------------------------------------------------------

OPEN = "c.status IN ('open', 'in_progress', 'pending_closure')"


def _local_range(column: str, tz: str = "k.timezone") -> str:
    return (
        f"{column} >= %(lower)s AND {column} < %(upper)s "
        f"AND timezone({tz}, {column})::date BETWEEN %(start)s AND %(end)s"
    )


def _filter_counts(column: str, values) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {column} = '{v}') AS \"{v}\"" for v in values)


def sql_open_cases(run, p):
    open_statuses = [s.value for s in Status if s.value in OPEN_STATUSES]
    rows = run(
        f"""
        SELECT k.city AS consulate, count(*) AS total,
               {_filter_counts("c.status", open_statuses)},
               {_filter_counts("c.category", [c.value for c in Category])},
               {_filter_counts("c.priority", [v.value for v in Priority])}
        FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
        WHERE {OPEN} {p["scope"]}
        GROUP BY k.id, k.city ORDER BY k.city
        """,
        p,
    )
    return rows


def sql_weekly_flow(run, p):
    rows = run(
        f"""
        WITH opened AS (
            SELECT date_trunc('week', timezone(k.timezone, c.opened_at))::date AS week, count(*) AS n
            FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
            WHERE {_local_range("c.opened_at")} {p["scope"]}
            GROUP BY 1
        ), closed AS (
            SELECT date_trunc('week', timezone(k.timezone, c.closed_at))::date AS week, count(*) AS n
            FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
            WHERE c.status = 'closed' AND {_local_range("c.closed_at")} {p["scope"]}
            GROUP BY 1
        )
        SELECT w.week::date AS week, coalesce(opened.n, 0) AS opened, coalesce(closed.n, 0) AS closed
        FROM generate_series(date_trunc('week', %(start)s::date), %(end)s::date, interval '1 week') AS w(week)
        LEFT JOIN opened ON opened.week = w.week::date
        LEFT JOIN closed ON closed.week = w.week::date
        ORDER BY 1
        """,
        p,
    )
    return [r | {"week": r["week"].isoformat()} for r in rows]


def sql_custody_by_facility(run, p):
    return run(
        f"""
        SELECT f.name AS facility, k.city AS district, count(*) AS in_custody
        FROM cases_case c
        JOIN consulates_detentionfacility f ON f.id = c.facility_id
        JOIN consulates_county co ON co.id = f.county_id
        JOIN consulates_consulate k ON k.id = co.consulate_id
        WHERE c.released_on IS NULL AND c.status <> 'closed' {p["scope"]}
        GROUP BY f.id, f.name, k.city
        ORDER BY in_custody DESC, f.name
        """,
        p,
    )


def sql_upcoming_hearings(run, p):
    return run(
        f"""
        SELECT k.city AS consulate,
               count(*) FILTER (WHERE h.starts_at < %(now)s + interval '7 days') AS next_7,
               count(*) FILTER (WHERE h.starts_at < %(now)s + interval '30 days') AS next_30
        FROM cases_hearing h
        JOIN cases_case c ON c.id = h.case_id
        JOIN consulates_consulate k ON k.id = c.consulate_id
        WHERE h.status = %(scheduled)s AND h.starts_at >= %(now)s
              AND h.starts_at < %(now)s + interval '30 days' {p["scope"]}
        GROUP BY k.id, k.city
        HAVING count(*) FILTER (WHERE h.starts_at < %(now)s + interval '30 days') > 0
        ORDER BY k.city
        """,
        p | {"scheduled": HearingStatus.SCHEDULED},
    )


def sql_workload(run, p):
    return run(
        f"""
        WITH open_cases AS (
            SELECT c.id, c.assigned_to_id, k.timezone
            FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
            WHERE {OPEN} {p["scope"]}
        ), assigned AS (
            SELECT assigned_to_id AS user_id, count(*) AS n FROM open_cases
            WHERE assigned_to_id IS NOT NULL GROUP BY 1
        ), overdue AS (
            SELECT t.assignee_id AS user_id, count(*) AS n
            FROM cases_task t JOIN open_cases o ON o.id = t.case_id
            WHERE NOT t.done AND t.assignee_id IS NOT NULL
              AND t.due_date < timezone(o.timezone, %(now)s)::date
            GROUP BY 1
        )
        SELECT coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.username) AS officer,
               coalesce(mk.city, '') AS consulate,
               coalesce(assigned.n, 0) AS open_cases, coalesce(overdue.n, 0) AS overdue_tasks
        FROM assigned FULL JOIN overdue USING (user_id)
        JOIN auth_user u ON u.id = user_id
        LEFT JOIN consulates_staffmembership m ON m.user_id = u.id
        LEFT JOIN consulates_consulate mk ON mk.id = m.consulate_id
        ORDER BY lower(coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.username))
                 COLLATE "C"
        """,
        p,
    )


def sql_attention(run, p):
    return run(
        f"""
        SELECT k.city AS consulate,
               count(*) FILTER (WHERE c.assigned_to_id IS NULL) AS unassigned,
               count(*) FILTER (WHERE c.last_activity_at < %(inactive_cutoff)s) AS inactive
        FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
        WHERE {OPEN} {p["scope"]}
        GROUP BY k.id, k.city ORDER BY k.city
        """,
        p,
    )


def sql_days_to_closure(run, p):
    labels = dict(Category.choices)
    rows = run(
        f"""
        WITH d AS (
            SELECT c.category, date_part('epoch', c.closed_at - c.opened_at) / 86400.0 AS days
            FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
            WHERE c.status = 'closed' AND {_local_range("c.closed_at")} {p["scope"]}
        )
        SELECT category, count(*) AS closed,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90
        FROM d GROUP BY category ORDER BY category COLLATE "C"
        """,
        p,
    )
    return [
        r | {"category": str(labels.get(r["category"], r["category"])), **_round(r, "median", "p90")}
        for r in rows
    ]


def _sql_art36(run, p, group_sql: str, join: str, label: str, labels=None):
    rows = run(
        f"""
        WITH d AS (
            SELECT {group_sql} AS grp, c.first_contact_at,
                   date_part('epoch', c.consulate_notified_at - c.arrested_at) / 3600.0 AS notification,
                   date_part('epoch', c.first_contact_at - c.consulate_notified_at) / 3600.0 AS contact
            FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id {join}
            WHERE c.consulate_notified_at IS NOT NULL AND {_local_range("c.consulate_notified_at")}
                  {p["scope"]}
        )
        SELECT grp, count(*) AS cases,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY notification)
                   FILTER (WHERE notification IS NOT NULL) AS notification_median,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY contact)
                   FILTER (WHERE first_contact_at IS NOT NULL) AS contact_median,
               count(*) FILTER (WHERE first_contact_at IS NULL) AS no_contact
        FROM d GROUP BY grp ORDER BY grp
        """,
        p,
    )
    result = []
    for r in rows:
        grp = r.pop("grp")
        result.append(
            {label: (labels or {}).get(grp, grp) or "—"}
            | r
            | _round(r, "notification_median", "contact_median")
        )
    return result


def sql_art36_by_facility(run, p):
    return _sql_art36(
        run, p, "f.name", "LEFT JOIN consulates_detentionfacility f ON f.id = c.facility_id", "facility"
    )


def sql_art36_by_notifier(run, p):
    labels = {k: str(v) for k, v in NotifiedBy.choices}
    return _sql_art36(run, p, "c.notified_by", "", "notified_by", labels)


def sql_referrals_by_partner(run, p):
    rows = run(
        f"""
        SELECT pa.name AS partner, count(*) AS referrals,
               count(*) FILTER (WHERE r.responded_at IS NOT NULL AND r.status <> %(declined)s) AS accepted,
               count(*) FILTER (WHERE r.status = %(declined)s) AS declined,
               count(*) FILTER (WHERE r.status = %(pending)s) AS pending,
               percentile_cont(0.5) WITHIN GROUP
                   (ORDER BY date_part('epoch', r.responded_at - r.referred_at) / 3600.0)
                   FILTER (WHERE r.responded_at IS NOT NULL) AS median_response
        FROM cases_referral r
        JOIN cases_case c ON c.id = r.case_id
        JOIN consulates_consulate k ON k.id = c.consulate_id
        JOIN consulates_partner pa ON pa.id = r.partner_id
        WHERE {_local_range("r.referred_at")} {p["scope"]}
        GROUP BY pa.name ORDER BY pa.name
        """,
        p | {"declined": ReferralStatus.DECLINED, "pending": ReferralStatus.PENDING},
    )
    result = []
    for r in rows:
        answered = r["accepted"] + r["declined"]
        rate = rounded(100 * r["accepted"] / answered) if answered else None
        result.append(r | {"acceptance_rate": rate, "median_response": rounded(r["median_response"])})
    return result


def sql_pending_transfers(run, p):
    scope = ""
    if p["consulate"] is not None:
        scope = "AND (t.to_consulate_id = %(consulate)s OR t.from_consulate_id = %(consulate)s)"
    rows = run(
        f"""
        WITH d AS (
            SELECT t.to_consulate_id, date_part('epoch', %(now)s - t.requested_at) / 86400.0 AS age
            FROM cases_transfer t WHERE t.status = %(pending)s {scope}
        )
        SELECT k.city AS "to", count(*) AS pending,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY age) AS median_age,
               percentile_cont(1.0) WITHIN GROUP (ORDER BY age) AS oldest
        FROM d JOIN consulates_consulate k ON k.id = d.to_consulate_id
        GROUP BY k.city ORDER BY k.city
        """,
        p | {"pending": TransferStatus.PENDING},
    )
    return [r | _round(r, "median_age", "oldest") for r in rows]


def sql_closed_by_outcome(run, p):
    labels = dict(Outcome.choices)
    rows = run(
        f"""
        SELECT c.outcome, count(*) AS closed
        FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
        WHERE c.status = 'closed' AND {_local_range("c.closed_at")} {p["scope"]}
        GROUP BY c.outcome ORDER BY closed DESC, c.outcome
        """,
        p,
    )
    return [{"outcome": str(labels.get(r["outcome"], r["outcome"])), "closed": r["closed"]} for r in rows]


def sql_repatriations(run, p):
    from django.utils.translation import gettext as _

    rows = run(
        f"""
        SELECT date_trunc('month', timezone(k.timezone, c.closed_at))::date AS month,
               rp.name AS reception_point, count(*) AS repatriated
        FROM cases_case c
        JOIN consulates_consulate k ON k.id = c.consulate_id
        LEFT JOIN consulates_receptionpoint rp ON rp.id = c.reception_point_id
        WHERE c.status = 'closed' AND c.outcome = %(repatriated)s
              AND {_local_range("c.closed_at")} {p["scope"]}
        GROUP BY 1, 2 ORDER BY 1, 2
        """,
        p | {"repatriated": Outcome.REPATRIATED},
    )
    return [
        r
        | {
            "month": r["month"].strftime("%Y-%m"),
            "reception_point": r["reception_point"] or _("Not recorded"),
        }
        for r in rows
    ]


def sql_vulnerable_open(run, p):
    from django.utils.translation import gettext as _

    flags = ", ".join(f"count(*) FILTER (WHERE pe.{name}) AS {name}" for name in VULNERABILITY_FIELDS)
    any_flag = " OR ".join(f"pe.{name}" for name in VULNERABILITY_FIELDS)
    (counts,) = run(
        f"""
        SELECT count(*) AS total, count(*) FILTER (WHERE {any_flag}) AS any_flag, {flags}
        FROM cases_person pe
        WHERE pe.id IN (SELECT c.person_id FROM cases_case c WHERE {OPEN} {p["scope"]})
        """,
        p,
    )
    rows = [
        {"flag": str(Person._meta.get_field(name).verbose_name), "persons": counts[name]}
        for name in VULNERABILITY_FIELDS
    ]
    return [
        {"flag": _("Persons with open cases"), "persons": counts["total"]},
        {"flag": _("Any vulnerability"), "persons": counts["any_flag"]},
        *rows,
    ]


def _round(row, *keys):
    return {key: rounded(row[key]) for key in keys}


SQL = {
    "open_cases": sql_open_cases,
    "weekly_flow": sql_weekly_flow,
    "custody_by_facility": sql_custody_by_facility,
    "upcoming_hearings": sql_upcoming_hearings,
    "workload": sql_workload,
    "attention": sql_attention,
    "days_to_closure": sql_days_to_closure,
    "art36_by_facility": sql_art36_by_facility,
    "art36_by_notifier": sql_art36_by_notifier,
    "referrals_by_partner": sql_referrals_by_partner,
    "pending_transfers": sql_pending_transfers,
    "closed_by_outcome": sql_closed_by_outcome,
    "repatriations": sql_repatriations,
    "vulnerable_open": sql_vulnerable_open,
}


def _run_sql(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _sql_params(user, params: ReportParams, now: dt.datetime) -> dict:
    consulate = reach(user).narrowed(params.consulate_id).consulate_id
    return {
        "scope": "AND c.consulate_id = %(consulate)s" if consulate is not None else "",
        "consulate": consulate,
        "start": params.start,
        "end": params.end,
        "lower": dt.datetime.combine(params.start - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC),
        "upper": dt.datetime.combine(params.end + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC),
        "now": now,
        "inactive_cutoff": now - INACTIVE_AFTER,
    }


def _median_ms(runs: int, function, *args) -> float:
    function(*args)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function(*args)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class Command(BaseCommand):
    help = "Benchmark each caseload report against hand-written SQL, and the dashboard page."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median)")
        parser.add_argument("--report", action="append", help="only this report (repeatable)")
        parser.add_argument("--no-page", action="store_true", help="skip the dashboard page")
        parser.add_argument("--no-check", action="store_true", help="skip the rows = SQL check")

    def handle(self, *args, runs, report, no_page, no_check, **options):
        names = report or list(REPORTS)
        unknown = set(names) - set(REPORTS)
        if unknown or set(REPORTS) != set(SQL):
            raise CommandError(f"Unknown reports {sorted(unknown)} (or a report without SQL twin).")
        load = os.getloadavg()
        cases = _run_sql("SELECT count(*) AS n FROM cases_case", {})[0]["n"]
        self.stdout.write(
            f"Database {connection.settings_dict['NAME']}: {cases:,} cases. "
            f"Load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
            f"({os.cpu_count()} CPUs). Medians of {runs} runs after one warm-up."
        )
        today = timezone.localdate()
        ranges = [
            ("12 weeks", ReportParams.default()),
            ("1 year", ReportParams(today - dt.timedelta(days=365), today)),
        ]
        User = get_user_model()
        failures = []
        with override_settings(DEBUG=False):
            header = (
                f"{'user':<15} {'range':<9} {'report':<21} {'ORM ms':>9} {'SQL ms':>9} {'ratio':>6}  goal"
            )
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            totals = {}
            for username in USERS:
                user = User.objects.get(username=username)
                for range_name, params in ranges:
                    now = timezone.now()
                    sql_params = _sql_params(user, params, now)
                    with mock.patch("django.utils.timezone.now", return_value=now):
                        for name in names:
                            function, twin = REPORTS[name], SQL[name]
                            if not no_check:
                                rows = function(user, params).rows
                                expected = twin(_run_sql, sql_params)
                                if rows != expected:
                                    failures.append((username, range_name, name, rows, expected))
                            orm = _median_ms(runs, function, user, params)
                            raw = _median_ms(runs, twin, _run_sql, sql_params)
                            ratio = orm / raw if raw else float("inf")
                            met = ratio <= RATIO_GOAL
                            key = (username, range_name)
                            totals[key] = [
                                a + b for a, b in zip(totals.get(key, [0, 0]), [orm, raw], strict=True)
                            ]
                            self.stdout.write(
                                f"{username:<15} {range_name:<9} {name + ('*' if name in READS_SUMMARY else ''):<21} "
                                f"{orm:9.1f} {raw:9.1f} {ratio:6.2f}  {'yes' if met else 'NO'}"
                            )
                    orm_total, sql_total = totals[(username, range_name)]
                    self.stdout.write(
                        f"{username:<15} {range_name:<9} {'(all reports)':<21} {orm_total:9.1f} "
                        f"{sql_total:9.1f} {orm_total / sql_total:6.2f}"
                    )
            self.stdout.write(
                "* reads a trigger-kept summary: "
                + "; ".join(f"{name}: {source}" for name, source in READS_SUMMARY.items())
                + ". Its SQL twin aggregates the base tables."
            )
            if not no_page:
                for username in USERS:
                    self._page(User.objects.get(username=username), ranges, runs)
        if failures:
            for username, range_name, name, rows, expected in failures:
                self.stderr.write(f"MISMATCH {username} {range_name} {name}:\n  ORM {rows}\n  SQL {expected}")
            raise CommandError(f"{len(failures)} report(s) differ from their SQL twin.")
        if not no_check:
            self.stdout.write("Every report's rows equal its SQL twin's figures.")

    def _page(self, user, ranges, runs):
        import django_otp
        from django.http import HttpRequest
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from signin.totp import confirmed_device

        device = confirmed_device(user)
        temporary = None
        if device is None:  # a database seeded before second factors existed
            device = temporary = TOTPDevice.objects.create(user=user, name="benchmark", confirmed=True)
        client = Client()
        client.force_login(user)
        request = HttpRequest()
        request.session, request.user = client.session, user
        django_otp.login(request, device)  # what the code page does after a right code
        request.session.save()
        url = reverse("reports:dashboard")
        try:
            for range_name, params in ranges:
                query = {"start": params.start.isoformat(), "end": params.end.isoformat()}

                def get(query=query):
                    response = client.get(url, query)
                    if response.status_code != 200:
                        raise CommandError(f"GET {url} answered {response.status_code}")

                page = _median_ms(runs, get)
                met = page <= PAGE_GOAL_MS
                self.stdout.write(
                    f"Dashboard page {url} as {user.username}, {range_name}: median {page:.0f} ms "
                    f"(goal {PAGE_GOAL_MS:.0f} ms: {'met' if met else 'NOT met'})"
                )
        finally:
            client.logout()
            if temporary is not None:
                temporary.delete()
