"""Network overview and workload reports."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, DateTimeField, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.categories import Category
from cases.models import Case, OpenCaseload
from cases.models.case import Priority, Status
from cases.reports import of_operation
from cases.reports.common import (
    Report,
    ReportParams,
    scoped_consulate,
)
from cases.reports.summary import daily_flow, held_consulates, open_caseload, open_tasks, scheduled_hearings
from consulates.choices import FacilityKind
from consulates.models import Consulate

OPEN_STATUSES = [Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE]
INACTIVE_AFTER = dt.timedelta(days=14)


# A link carries ids, statuses and flags only: a search term (a name, CURP or A-number) would be kept by
# proxy logs, browser history and Referer headers (the list's search box posts it instead).
PERSONAL_LIST_PARAMETERS = frozenset({"q", "qs", "search", "curp", "a_number"})


def case_list_url(**filters) -> str:
    """The staff case list, filtered (the admin's own query parameters; never a search term)."""
    personal = PERSONAL_LIST_PARAMETERS & set(filters)
    if personal:
        raise ValueError(f"a link to the case list cannot carry a search: {sorted(personal)}")
    return reverse("admin:cases_case_changelist") + "?" + urlencode(filters)


def open_case_list_url(**filters) -> str:
    """The staff case list of open cases only, so that the list holds exactly the cases counted."""
    return case_list_url(status__in=",".join(OPEN_STATUSES), **filters)


def list_filters(params: ReportParams) -> dict:
    """What every link of a report adds to its own filters: the operation chosen, if any, so that the
    list holds exactly the cases counted."""
    return {} if params.operation_id is None else {"operation__id__exact": params.operation_id}


def _consulates() -> dict[int, Consulate]:
    return {c.pk: c for c in Consulate.objects.all()}


def open_cases(user, params: ReportParams) -> Report:
    """Open cases (now) by consulate, with status, category and priority breakdowns: one GROUP BY
    over the open-caseload summary."""
    if params.operation_id is not None:
        grouped = of_operation.open_caseload(user, params)
    else:
        grouped = (
            open_caseload(user, scoped_consulate(user, params))
            .values("consulate_id", "status", "category", "priority")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
        )
    consulates = _consulates()
    extra = list_filters(params)
    by_consulate: dict[int, dict] = {}
    for row in grouped:
        entry = by_consulate.setdefault(
            row["consulate_id"], {"consulate": consulates[row["consulate_id"]].city, "total": 0}
        )
        entry["total"] += row["n"]
        for key in (row["status"], row["category"], row["priority"]):
            entry[key] = entry.get(key, 0) + row["n"]
    columns = [("consulate", _("Consulate")), ("total", _("Open cases"))]
    columns += [(s.value, str(s.label)) for s in Status if s.value in OPEN_STATUSES]
    columns += [(c.value, str(c.label)) for c in Category]
    columns += [(p.value, str(p.label)) for p in Priority]
    rows, links = [], {}
    for index, (consulate_id, entry) in enumerate(
        sorted(by_consulate.items(), key=lambda i: i[1]["consulate"])
    ):
        rows.append({key: entry.get(key, 0) for key, _label in columns} | {"consulate": entry["consulate"]})
        links[(index, "total")] = open_case_list_url(consulate__id__exact=consulate_id, **extra)
        for status in OPEN_STATUSES:
            links[(index, status)] = case_list_url(
                consulate__id__exact=consulate_id, status__exact=status, **extra
            )
    return Report(
        "open_cases",
        _("Open cases by consulate"),
        columns,
        rows,
        chart={"type": "bar", "label": "consulate", "values": [s for s in OPEN_STATUSES], "stacked": True},
        note=_("Cases not closed, now (the date range does not apply)."),
        links=links,
    )


def weekly_flow(user, params: ReportParams) -> Report:
    """Cases opened and closed per week (Monday-based weeks in each consulate's local time), from the
    trigger-kept counts per consulate and local day (``DailyFlow``); an operation's from its cases."""
    if params.operation_id is not None:
        grouped = of_operation.weekly_flow(user, params)
    else:
        grouped = (
            daily_flow(user, scoped_consulate(user, params))
            .filter(day__gte=params.start, day__lte=params.end)
            .annotate(week=TruncWeek("day"))
            .values("week", "kind")
            .annotate(n=Sum("n", default=0))
        )
    weeks: dict[dt.date, dict] = {}
    monday = params.start - dt.timedelta(days=params.start.weekday())
    while monday <= params.end:
        weeks[monday] = {"week": monday.isoformat(), "opened": 0, "closed": 0}
        monday += dt.timedelta(weeks=1)
    for row in grouped:
        weeks.setdefault(row["week"], {"week": row["week"].isoformat(), "opened": 0, "closed": 0})[
            row["kind"]
        ] += row["n"]
    return Report(
        "weekly_flow",
        _("Cases opened and closed per week"),
        [("week", _("Week of")), ("opened", _("Opened")), ("closed", pgettext("number of cases", "Closed"))],
        [weeks[key] for key in sorted(weeks)],
        chart={"type": "line", "label": "week", "values": ["opened", "closed"]},
    )


def custody_by_facility(user, params: ReportParams) -> Report:
    """Open cases in custody (a facility and no release date) per facility, from the summary (an
    operation's from its cases)."""
    if params.operation_id is not None:
        grouped = of_operation.custody_by_facility(user, params)
    else:
        grouped = (
            open_caseload(user, scoped_consulate(user, params))
            .filter(facility__isnull=False)
            .values("facility_id", "facility__name", "facility__kind", "facility__county__consulate__city")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
            .order_by("-n", "facility__name")
        )
    rows, links = [], {}
    for index, row in enumerate(grouped):
        rows.append(
            {
                "facility": row["facility__name"],
                "kind": str(FacilityKind(row["facility__kind"]).label),
                # A facility outside TX/OK/NM belongs to no district.
                "district": row["facility__county__consulate__city"] or _("outside the network"),
                "in_custody": row["n"],
            }
        )
        links[(index, "in_custody")] = open_case_list_url(
            facility__id__exact=row["facility_id"], custody="in", **list_filters(params)
        )
    return Report(
        "custody_by_facility",
        _("Cases in custody by facility"),
        [
            ("facility", _("Facility")),
            ("kind", _("Kind of facility")),
            ("district", _("District")),
            ("in_custody", _("In custody")),
        ],
        rows,
        chart={"type": "bar", "label": "facility", "values": ["in_custody"], "horizontal": True},
        note=_("Now (the date range does not apply)."),
        links=links,
    )


def upcoming_hearings(user, params: ReportParams) -> Report:
    """Scheduled hearings in the next 7 and 30 days, per consulate: whole hours from the summary
    (``ScheduledHearings``), the window's partial first and last hours from the hearings themselves
    (an index range each), in one statement."""
    now = timezone.now()
    if params.operation_id is not None:
        grouped = of_operation.scheduled_hearings(user, params, now, (7, 30))
    else:
        grouped = scheduled_hearings(user, scoped_consulate(user, params), now, (7, 30))
    consulates = _consulates()
    rows = sorted(
        (
            {"consulate": consulates[consulate_id].city, "next_7": counts[0], "next_30": counts[1]}
            for consulate_id, counts in grouped.items()
            if counts[1]
        ),
        key=lambda r: r["consulate"],
    )
    return Report(
        "upcoming_hearings",
        _("Upcoming hearings"),
        [("consulate", _("Consulate")), ("next_7", _("Next 7 days")), ("next_30", _("Next 30 days"))],
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["next_7", "next_30"]},
        note=_("From now (the date range does not apply)."),
    )


def workload(user, params: ReportParams) -> Report:
    """Per officer: open cases assigned and overdue tasks (due before today, consulate time)."""
    consulate_id = scoped_consulate(user, params)

    def local_today(tz_path: str):
        """ "Today" at the consulate, not the server's date."""
        return Cast(
            Func(
                F(tz_path),
                Value(timezone.now(), output_field=DateTimeField()),
                function="timezone",
                output_field=DateTimeField(),
            ),
            DateField(),
        )

    if params.operation_id is not None:
        per_officer = of_operation.assigned_open(user, params)
        overdue = of_operation.overdue_tasks(user, params, local_today("case__consulate__timezone"))
    else:
        per_officer = {
            r["assigned_to_id"]: r["n"]
            for r in open_caseload(user, consulate_id)
            .filter(assigned_to__isnull=False)
            .values("assigned_to_id")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
        }
        overdue = {
            r["assignee_id"]: r["n"]
            for r in open_tasks(user, consulate_id)
            .filter(due_date__lt=local_today("consulate__timezone"), assignee__isnull=False)
            .values("assignee_id")
            .annotate(n=Sum("n", default=0))
            .filter(n__gt=0)
        }
    users = (
        get_user_model()
        .objects.filter(pk__in=set(per_officer) | set(overdue))
        .select_related("staff_membership__consulate")
    )
    rows = []
    for user_row in sorted(users, key=lambda u: (u.get_full_name() or u.username).lower()):
        membership = getattr(user_row, "staff_membership", None)
        rows.append(
            {
                "officer": user_row.get_full_name() or user_row.username,
                "consulate": membership.consulate.city if membership and membership.consulate_id else "",
                "open_cases": per_officer.get(user_row.pk, 0),
                "overdue_tasks": overdue.get(user_row.pk, 0),
            }
        )
    return Report(
        "workload",
        _("Workload per officer"),
        [
            ("officer", _("Officer")),
            ("consulate", _("Consulate")),
            ("open_cases", _("Open cases")),
            ("overdue_tasks", _("Overdue tasks")),
        ],
        rows,
        chart={
            "type": "bar",
            "label": "officer",
            "values": ["open_cases", "overdue_tasks"],
            "horizontal": True,
        },
        note=_("Now (the date range does not apply)."),
    )


def attention(user, params: ReportParams) -> Report:
    """Per consulate: unassigned open cases, and open cases without activity for 14 days or more."""
    cutoff = timezone.now() - INACTIVE_AFTER

    # Per consulate, in one statement (one snapshot): the open and unassigned totals from the summary,
    # less the open cases active since the cutoff, which are few (``case_open_activity_idx``).
    def summed(**filters):
        return Coalesce(
            Subquery(
                OpenCaseload.objects.filter(consulate_id=OuterRef("pk"), **filters)
                .order_by()
                .values("consulate_id")
                .annotate(n=Sum("n"))
                .values("n")
            ),
            0,
        )

    active = (
        Case.objects.filter(
            consulate_id=OuterRef("pk"), status__in=OPEN_STATUSES, last_activity_at__gte=cutoff
        )
        .order_by()
        .values("consulate_id")
        .annotate(n=Count("*"))  # not the id: the index alone answers (an index-only scan)
        .values("n")
    )
    if params.operation_id is not None:
        grouped = of_operation.attention(user, params, cutoff)
    else:
        grouped = (
            held_consulates(user, scoped_consulate(user, params))
            .annotate(
                total=summed(),
                unassigned=summed(assigned_to__isnull=True),
                active=Coalesce(Subquery(active), 0),
            )
            .filter(total__gt=0)
            .values("pk", "city", "total", "unassigned", "active")
        )
    rows, links = [], {}
    for index, r in enumerate(sorted(grouped, key=lambda r: r["city"])):
        rows.append(
            {"consulate": r["city"], "unassigned": r["unassigned"], "inactive": r["total"] - r["active"]}
        )
        links[(index, "unassigned")] = open_case_list_url(
            consulate__id__exact=r["pk"], mine="none", **list_filters(params)
        )
    return Report(
        "attention",
        _("Unassigned and inactive cases"),
        [
            ("consulate", _("Consulate")),
            ("unassigned", _("Unassigned")),
            ("inactive", _("No activity for 14+ days")),
        ],
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["unassigned", "inactive"]},
        note=_("Open cases, now."),
        links=links,
    )
