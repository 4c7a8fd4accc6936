"""Reading the trigger-kept summaries of the open caseload (``cases.models.report_summary``), and
checking them against a fresh aggregate over the base tables.

Which report reads what (docs/architecture.md, section Reports, says the same):

- ``open_cases``, ``custody_by_facility``: ``OpenCaseload`` alone.
- ``workload``: ``OpenCaseload`` (open cases per officer) and ``OpenTask`` (overdue tasks).
- ``attention``: ``OpenCaseload`` (open and unassigned cases) less the open cases active in the last
  14 days, counted on the partial index ``case_open_activity_idx``, in one statement.
- ``vulnerable_open``: ``VulnerableOpen``.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Trunc

from cases.models import (
    Case,
    DailyFlow,
    Hearing,
    OpenCaseload,
    OpenPerson,
    OpenTask,
    ScheduledHearings,
    Task,
    VulnerableOpen,
)
from cases.models.case import Status
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.models.report_summary import NETWORK
from cases.models.work import HearingStatus
from cases.reports import summary_sql
from cases.reports.common import local_date
from consulates.models import Consulate
from consulates.policy import reach

OPEN_STATUSES = ["open", "in_progress", "pending_closure"]


def open_caseload(user, consulate_id: int | None):
    """The open-caseload summary rows the user's reports count (``held_for``), in the consulate chosen."""
    rows = OpenCaseload.objects.held_for(user)
    if consulate_id is not None:
        rows = rows.filter(consulate_id=consulate_id)
    return rows


def held_consulates(user, consulate_id: int | None):
    """The consulates whose figures the user's reports show (``held_for``), or the one chosen."""
    scope = reach(user).narrowed(consulate_id)
    if not scope.any:
        return Consulate.objects.none()
    consulate_id = scope.consulate_id
    consulates = Consulate.objects.all()
    return consulates if consulate_id is None else consulates.filter(pk=consulate_id)


def daily_flow(user, consulate_id: int | None):
    rows = DailyFlow.objects.held_for(user)
    if consulate_id is not None:
        rows = rows.filter(consulate_id=consulate_id)
    return rows


def open_tasks(user, consulate_id: int | None):
    rows = OpenTask.objects.held_for(user)
    if consulate_id is not None:
        rows = rows.filter(consulate_id=consulate_id)
    return rows


def _hour(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def scheduled_hearings(user, consulate_id: int | None, now: dt.datetime, days: tuple[int, ...]):
    """Scheduled hearings starting in ``[now, now + d days)`` for each ``d``: {consulate id: [counts]}.

    The hours wholly inside a window are summed from ``ScheduledHearings``; the hearings of its partial
    first hour (now to the next full hour) and last hour are counted on ``cases_hearing`` (index on
    ``starts_at``). One statement (a UNION ALL), so one snapshot."""
    first = _hour(now) if _hour(now) == now else _hour(now) + dt.timedelta(hours=1)
    ends = [now + dt.timedelta(days=d) for d in days]
    lasts = [_hour(end) for end in ends]  # the whole hours of window i are [first, lasts[i])
    if any(first > last for last in lasts):
        raise ValueError("Each window must hold at least one whole hour.")
    summary = ScheduledHearings.objects.filter(hour__gte=first, hour__lt=max(lasts))
    edges = Q(starts_at__lt=first)
    for last, end in zip(lasts, ends, strict=True):
        edges |= Q(starts_at__gte=last, starts_at__lt=end)
    hearings = Hearing.objects.filter(
        edges, status=HearingStatus.SCHEDULED, starts_at__gte=now, starts_at__lt=max(ends)
    )
    scope = reach(user).narrowed(consulate_id)
    if not scope.any:
        return {}
    consulate_id = scope.consulate_id
    # The case's consulate looked up per edge hearing (a few hundred): a join would have the planner
    # read every case of the consulate.
    hearings = hearings.annotate(
        consulate_of_case=Subquery(Case.objects.filter(pk=OuterRef("case_id")).values("consulate_id")[:1])
    )
    if consulate_id is not None:
        summary = summary.filter(consulate_id=consulate_id)
        hearings = hearings.filter(consulate_of_case=consulate_id)
    whole = summary.values("consulate_id").annotate(
        **{f"w{i}": Sum("n", filter=Q(hour__lt=last), default=0) for i, last in enumerate(lasts)}
    )
    edge = hearings.values("consulate_of_case").annotate(
        **{
            f"w{i}": Count("pk", filter=Q(starts_at__lt=first) | Q(starts_at__gte=last, starts_at__lt=end))
            for i, (last, end) in enumerate(zip(lasts, ends, strict=True))
        }
    )
    counts: dict[int, list[int]] = {}
    for row in whole.union(edge, all=True):  # named as the first part's columns
        total = counts.setdefault(row["consulate_id"], [0] * len(days))
        for i in range(len(days)):
            total[i] += row[f"w{i}"]
    return counts


def vulnerable_counts(user, consulate_id: int | None) -> dict[str, int]:
    """Persons with open cases (each once) in the scope: in total, with any flag and with each flag."""
    counts = dict.fromkeys(("total", "any_flag", *VULNERABILITY_FIELDS), 0)
    if not reach(user).any:
        return counts
    scope = consulate_id if consulate_id is not None else NETWORK
    grouped = (
        VulnerableOpen.objects.filter(consulate_id=scope)
        .values("flags")
        .annotate(persons=Sum("n"))
        .filter(persons__gt=0)
    )
    for row in grouped:
        counts["total"] += row["persons"]
        if row["flags"]:
            counts["any_flag"] += row["persons"]
        for bit, name in enumerate(VULNERABILITY_FIELDS):
            if row["flags"] & (1 << bit):
                counts[name] += row["persons"]
    return counts


# ---------------------------------------------------------------------------------------------------
# The summaries against the base tables (tests, ``manage.py report_summaries --check``).


def _summed(queryset, keys: list[str]) -> dict[tuple, int]:
    rows = queryset.values(*keys).annotate(total=Sum("n")).filter(~Q(total=0))
    return {tuple(row[k] for k in keys): row["total"] for row in rows}


def _counted(queryset, keys: list[str]) -> dict[tuple, int]:
    rows = queryset.values(*keys).annotate(total=Count("*"))
    return {tuple(row[k] for k in keys): row["total"] for row in rows}


def _flags(values: dict) -> int:
    return sum(1 << bit for bit, name in enumerate(VULNERABILITY_FIELDS) if values[name])


def fresh() -> dict[str, dict[tuple, int]]:
    """Every summary's figures, computed now from the base tables."""
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES)
    caseload_keys = ["consulate_id", "status", "category", "priority", "assigned_to_id", "custody_id"]
    caseload = _counted(
        open_cases.annotate(custody_id=DbCase(When(released_on__isnull=True, then=F("facility_id")))),
        caseload_keys,
    )
    tasks = _counted(
        Task.objects.filter(done=False, case__status__in=OPEN_STATUSES).annotate(
            consulate_id=F("case__consulate_id")
        ),
        ["consulate_id", "assignee_id", "due_date"],
    )
    per_consulate = _counted(open_cases, ["person_id", "consulate_id"])
    network = _counted(open_cases, ["person_id"])
    persons = {
        row["pk"]: _flags(row)
        for row in Person.objects.filter(pk__in={key[0] for key in network}).values(
            "pk", *VULNERABILITY_FIELDS
        )
    }
    vulnerable: dict[tuple, int] = {}
    for person_id, consulate_id in per_consulate:
        key = (consulate_id, persons[person_id])
        vulnerable[key] = vulnerable.get(key, 0) + 1
    for (person_id,) in network:
        key = (NETWORK, persons[person_id])
        vulnerable[key] = vulnerable.get(key, 0) + 1
    hearings = _counted(
        Hearing.objects.filter(status=HearingStatus.SCHEDULED).annotate(
            consulate_id=F("case__consulate_id"), hour=Trunc("starts_at", "hour", tzinfo=dt.UTC)
        ),
        ["consulate_id", "hour"],
    )
    flow_keys = ["consulate_id", "day", "kind", "outcome", "reception_point_id"]
    opened = _counted(
        Case.objects.annotate(
            day=local_date("opened_at"),
            kind=Value("opened"),
            opened_outcome=Value(""),
            no_point=Value(None, output_field=IntegerField()),
        ),
        ["consulate_id", "day", "kind", "opened_outcome", "no_point"],
    )
    closed = _counted(
        Case.objects.filter(status=Status.CLOSED, closed_at__isnull=False).annotate(
            day=local_date("closed_at"), kind=Value("closed")
        ),
        flow_keys,
    )
    return {
        "flow": opened | closed,
        "hearings": hearings,
        "caseload": caseload,
        "tasks": tasks,
        "persons": per_consulate | {(person_id, NETWORK): n for (person_id,), n in network.items()},
        "vulnerable": vulnerable,
    }


def stored() -> dict[str, dict[tuple, int]]:
    """Every summary's figures as the summaries hold them."""
    return {
        "caseload": _summed(
            OpenCaseload.objects.all(),
            ["consulate_id", "status", "category", "priority", "assigned_to_id", "facility_id"],
        ),
        "tasks": _summed(OpenTask.objects.all(), ["consulate_id", "assignee_id", "due_date"]),
        "persons": _summed(OpenPerson.objects.all(), ["person_id", "consulate_id"]),
        "vulnerable": _summed(VulnerableOpen.objects.all(), ["consulate_id", "flags"]),
        "hearings": _summed(ScheduledHearings.objects.all(), ["consulate_id", "hour"]),
        "flow": _summed(
            DailyFlow.objects.all(), ["consulate_id", "day", "kind", "outcome", "reception_point_id"]
        ),
    }


def drift() -> dict[str, dict[tuple, tuple[int | None, int | None]]]:
    """Where the summaries differ from the base tables: {table: {key: (stored, fresh)}}; empty when exact."""
    held, expected = stored(), fresh()
    differences = {}
    for table in expected:
        keys = set(held[table]) | set(expected[table])
        wrong = {
            key: (held[table].get(key), expected[table].get(key))
            for key in keys
            if held[table].get(key) != expected[table].get(key)
        }
        if wrong:
            differences[table] = wrong
    return differences


def rebuild() -> None:
    """Recompute every summary from the base tables (holds case, task and person writes meanwhile)."""
    with connection.cursor() as cursor:
        for function in summary_sql.REBUILD_FUNCTIONS:
            cursor.execute(f"SELECT {function}()")


def compact() -> None:
    """Fold the summaries' delta rows into one row per key."""
    with connection.cursor() as cursor:
        for function in summary_sql.COMPACT_FUNCTIONS:
            cursor.execute(f"SELECT {function}()")
