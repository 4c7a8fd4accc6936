"""The figures of the summary-backed reports when an enforcement operation is chosen, counted on the base
tables over that operation's cases (``scoped_cases``: held for the user, in the consulate chosen, of the
operation). The trigger-kept summaries (``cases.reports.summary``, decision 0009) are per consulate and
know nothing of operations; an operation has at most a few thousand cases, found on the index on
``cases_case.operation_id``, so counting them directly stays fast. Each function gives the rows in the
shape the summary path gives them, so the reports go on exactly as without an operation.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek

from cases.models import Hearing, Task
from cases.models.case import Status
from cases.models.person import VULNERABILITY_FIELDS, Person
from cases.models.work import HearingStatus
from cases.reports.common import ReportParams, in_local_range, local_date, scoped_cases

OPEN_STATUSES = [Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE]
IN_CUSTODY = Q(facility__isnull=False, released_on__isnull=True)


def open_cases(user, params: ReportParams):
    """The operation's open cases (now)."""
    return scoped_cases(user, params).filter(status__in=OPEN_STATUSES)


def open_caseload(user, params: ReportParams):
    """As ``OpenCaseload`` grouped by consulate, status, category and priority: ``n`` per group."""
    return (
        open_cases(user, params)
        .values("consulate_id", "status", "category", "priority")
        .annotate(n=Count("pk"))
        .order_by()
    )


def custody_by_facility(user, params: ReportParams):
    """Open cases in custody per facility, as the summary path groups them."""
    return (
        open_cases(user, params)
        .filter(IN_CUSTODY)
        .values("facility_id", "facility__name", "facility__kind", "facility__county__consulate__city")
        .annotate(n=Count("pk"))
        .order_by("-n", "facility__name")
    )


def assigned_open(user, params: ReportParams) -> dict[int, int]:
    """Open cases per assigned officer: {user id: count}."""
    rows = (
        open_cases(user, params)
        .filter(assigned_to__isnull=False)
        .values("assigned_to_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["assigned_to_id"]: row["n"] for row in rows}


def overdue_tasks(user, params: ReportParams, local_today) -> dict[int, int]:
    """Tasks not done on the operation's open cases, due before ``local_today`` (an expression of the
    case's consulate, ``case__consulate__timezone``), per assignee: {user id: count}."""
    rows = (
        Task.objects.filter(done=False, assignee__isnull=False, case__in=open_cases(user, params))
        .filter(due_date__lt=local_today)
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["assignee_id"]: row["n"] for row in rows}


def attention(user, params: ReportParams, cutoff: dt.datetime):
    """Per consulate: the operation's open cases, unassigned and active since ``cutoff``, with the
    names the summary path gives them (``pk``, ``city``, ``total``, ``unassigned``, ``active``)."""
    rows = (
        open_cases(user, params)
        .values("consulate_id", "consulate__city")
        .annotate(
            total=Count("pk"),
            unassigned=Count("pk", filter=Q(assigned_to__isnull=True)),
            active=Count("pk", filter=Q(last_activity_at__gte=cutoff)),
        )
        .order_by()
    )
    return [
        {
            "pk": row["consulate_id"],
            "city": row["consulate__city"],
            "total": row["total"],
            "unassigned": row["unassigned"],
            "active": row["active"],
        }
        for row in rows
    ]


def weekly_flow(user, params: ReportParams) -> list[dict]:
    """Cases opened and closed in the range per local week: ``week``, ``kind``, ``n`` (two queries)."""
    cases = scoped_cases(user, params)
    opened = (
        in_local_range(cases, "opened_at", params)
        .annotate(week=TruncWeek(local_date("opened_at")))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    closed = (
        in_local_range(cases.filter(status=Status.CLOSED), "closed_at", params)
        .annotate(week=TruncWeek(local_date("closed_at")))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [{"week": row["week"], "kind": "opened", "n": row["n"]} for row in opened] + [
        {"week": row["week"], "kind": "closed", "n": row["n"]} for row in closed
    ]


def closed_in_range(user, params: ReportParams):
    """The operation's cases closed in the range (local days), with ``month`` their local month."""
    return in_local_range(
        scoped_cases(user, params).filter(status=Status.CLOSED), "closed_at", params
    ).annotate(month=TruncMonth(local_date("closed_at")))


def scheduled_hearings(user, params: ReportParams, now: dt.datetime, days: tuple[int, ...]):
    """Scheduled hearings of the operation's cases starting in ``[now, now + d days)`` for each ``d``:
    {consulate id: [counts]}, as ``summary.scheduled_hearings`` gives them."""
    ends = [now + dt.timedelta(days=d) for d in days]
    rows = (
        Hearing.objects.filter(
            status=HearingStatus.SCHEDULED,
            starts_at__gte=now,
            starts_at__lt=max(ends),
            case__in=scoped_cases(user, params),
        )
        .values("case__consulate_id")
        .annotate(**{f"w{i}": Count("pk", filter=Q(starts_at__lt=end)) for i, end in enumerate(ends)})
        .order_by()
    )
    return {row["case__consulate_id"]: [row[f"w{i}"] for i in range(len(days))] for row in rows}


def vulnerable_counts(user, params: ReportParams) -> dict[str, int]:
    """Persons with an open case of the operation (each once): in total, with any flag and each flag."""
    persons = Person.objects.filter(pk__in=open_cases(user, params).values("person_id"))
    any_flag = Q()
    for name in VULNERABILITY_FIELDS:
        any_flag |= Q(**{name: True})
    return persons.aggregate(
        total=Count("pk"),
        any_flag=Count("pk", filter=any_flag),
        **{name: Count("pk", filter=Q(**{name: True})) for name in VULNERABILITY_FIELDS},
    )
