"""Children in the reports (decision 0029): children's cases by status and situation, screening before the
return to Mexico, and how long the DIF took to confirm receiving each child. A child's case is a case whose
person was under 18 on the day it was opened (``cases.minors.child_case_q``); all three count the cases
``scoped_cases`` gives (the consulate and operation chosen)."""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cases.minors import child_case_q
from cases.models import ChildAssessment, RepatriationHandoff
from cases.models.case import Status
from cases.models.children import ChildSituation
from cases.reports.common import Report, ReportParams, local_date, rounded, scoped_cases


def _child_cases(user, params: ReportParams):
    return scoped_cases(user, params).filter(child_case_q())


def children_by_status(user, params: ReportParams) -> Report:
    """Children's cases open today, by what the latest assessment found (unaccompanied, separated; without
    an assessment, the person's "unaccompanied minor" flag; otherwise accompanied), and those closed in the
    date range (the consulate's local day), by consulate."""
    latest = ChildAssessment.objects.filter(case_id=OuterRef("pk")).order_by("-assessed_at", "-pk")
    is_open = ~Q(status=Status.CLOSED)
    unaccompanied = Q(situation=ChildSituation.UNACCOMPANIED) | Q(
        situation="", person__is_unaccompanied_minor=True
    )
    grouped = (
        _child_cases(user, params)
        .alias(
            situation=Coalesce(Subquery(latest.values("situation")[:1]), Value("")),
            closed_day=local_date("closed_at"),
        )
        .values("consulate__city")
        .annotate(
            open=Count("pk", filter=is_open),
            unaccompanied=Count("pk", filter=is_open & unaccompanied),
            separated=Count("pk", filter=is_open & Q(situation=ChildSituation.SEPARATED)),
            closed=Count(
                "pk",
                filter=Q(status=Status.CLOSED, closed_day__gte=params.start, closed_day__lte=params.end),
            ),
        )
        .order_by("consulate__city")
    )
    rows = [
        {
            "consulate": r["consulate__city"],
            "open": r["open"],
            "unaccompanied": r["unaccompanied"],
            "separated": r["separated"],
            "accompanied": r["open"] - r["unaccompanied"] - r["separated"],
            "closed": r["closed"],
        }
        for r in grouped
        if r["open"] or r["closed"]
    ]
    return Report(
        "children_by_status",
        _("Children's cases by status"),
        [
            ("consulate", _("Consulate")),
            ("open", _("Open")),
            ("unaccompanied", _("Unaccompanied")),
            ("separated", _("Separated")),
            ("accompanied", _("Accompanied")),
            ("closed", _("Closed in the range")),
        ],
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["unaccompanied", "separated", "accompanied"]},
        note=_(
            "Cases of persons under 18 on the day the case was opened. Open cases today, by the latest "
            "assessment; closed: closed in the date range."
        ),
    )


def _handoffs(user, params: ReportParams):
    """Hand-offs of children's cases whose removal date falls in the range."""
    return RepatriationHandoff.objects.filter(
        case__in=_child_cases(user, params).values("pk"),
        removal_date__gte=params.start,
        removal_date__lte=params.end,
    )


def children_screened_before_return(user, params: ReportParams) -> Report:
    """Of the children handed over to Mexico (a hand-off whose removal date is in the range), how many had a
    complete assessment (the four screening questions answered) saved before the hand-off was prepared."""
    screened = ChildAssessment.objects.filter(
        case_id=OuterRef("case_id"), complete=True, assessed_at__lte=OuterRef("prepared_at")
    )
    grouped = (
        _handoffs(user, params)
        .alias(screened=Exists(screened))
        .values("case__consulate__city")
        .annotate(returned=Count("pk"), screened=Count("pk", filter=Q(screened=True)))
        .order_by("case__consulate__city")
    )
    rows = [
        {
            "consulate": r["case__consulate__city"],
            "returned": r["returned"],
            "screened": r["screened"],
            "not_screened": r["returned"] - r["screened"],
            "share": rounded(100 * r["screened"] / r["returned"]),
        }
        for r in grouped
    ]
    return Report(
        "children_screened_before_return",
        _("Screening completed before the return"),
        [
            ("consulate", _("Consulate")),
            ("returned", _("Children handed over")),
            ("screened", _("Screened before the hand-off")),
            ("not_screened", _("Not screened before")),
            ("share", _("Screened (%)")),
        ],
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["screened", "not_screened"]},
        note=_(
            "Children's hand-offs with a removal date in the date range; screened: a complete assessment "
            "saved before the hand-off was prepared."
        ),
    )


def _hours(handoff: dict) -> float:
    """From the removal (its day and time at the reception point, in the point's zone or else the
    consulate's) to the DIF's confirmation."""
    zone = zoneinfo.ZoneInfo(handoff["reception_point__timezone"] or handoff["case__consulate__timezone"])
    removed = dt.datetime.combine(handoff["removal_date"], handoff["removal_time"] or dt.time(0), tzinfo=zone)
    return (handoff["confirmed_at"] - removed).total_seconds() / 3600


def children_dif_confirmation(user, params: ReportParams) -> Report:
    """How long the DIF took to confirm receiving a child, by reception point: children handed over (removal
    date in the range), confirmed, the median and the slowest confirmation in hours."""
    handoffs = (
        _handoffs(user, params)
        .values(
            "reception_point__name",
            "reception_point__timezone",
            "case__consulate__timezone",
            "removal_date",
            "removal_time",
            "confirmed_at",
        )
        .order_by()
    )
    by_point: dict[str, list] = defaultdict(list)
    for handoff in handoffs:
        by_point[handoff["reception_point__name"]].append(handoff)
    rows = []
    for point in sorted(by_point):
        hours = [_hours(h) for h in by_point[point] if h["confirmed_at"] is not None]
        rows.append(
            {
                "reception_point": point,
                "handed_over": len(by_point[point]),
                "confirmed": len(hours),
                "median_hours": rounded(statistics.median(hours)) if hours else None,
                "slowest_hours": rounded(max(hours)) if hours else None,
            }
        )
    return Report(
        "children_dif_confirmation",
        _("DIF confirmation times"),
        [
            ("reception_point", _("Reception point")),
            ("handed_over", _("Children handed over")),
            ("confirmed", _("Receipt confirmed")),
            ("median_hours", _("Median hours to confirmation")),
            ("slowest_hours", _("Slowest (hours)")),
        ],
        rows,
        chart={"type": "bar", "label": "reception_point", "values": ["median_hours", "slowest_hours"]},
        note=_(
            "Children's hand-offs with a removal date in the date range; hours from the removal (its day and "
            "time at the reception point) to the confirmation of receipt."
        ),
    )
