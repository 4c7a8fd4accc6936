"""Legal proceedings in the reports (decision 0024): the detained persons without an attorney of record,
by consulate, and the decisions of the proceedings, by kind. Both count the cases ``scoped_cases`` gives
(the consulate chosen, the operation chosen), read straight from the base tables."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from cases.models import Proceeding
from cases.models.case import Status
from cases.models.proceeding import OPEN_STATUSES, CounselKind, ProceedingKind, ProceedingOutcome
from cases.reports.common import Report, ReportParams, scoped_cases


def detained_without_counsel(user, params: ReportParams) -> Report:
    """Open cases whose person is in custody now (a facility, no release), and how many of them have no
    attorney of record in any open proceeding (none recorded counts as none)."""
    counselled = Proceeding.objects.filter(case_id=OuterRef("pk"), status__in=OPEN_STATUSES).exclude(
        counsel_kind=CounselKind.NONE
    )
    grouped = (
        scoped_cases(user, params)
        .exclude(status=Status.CLOSED)
        .in_custody()
        .alias(counselled=Exists(counselled))
        .values("consulate__city")
        .annotate(detained=Count("pk"), without=Count("pk", filter=Q(counselled=False)))
        .order_by("consulate__city")
    )
    rows = [
        {
            "consulate": r["consulate__city"],
            "detained": r["detained"],
            "without_counsel": r["without"],
            "with_counsel": r["detained"] - r["without"],
        }
        for r in grouped
    ]
    return Report(
        "detained_without_counsel",
        _("Detained persons without an attorney of record"),
        [
            ("consulate", _("Consulate")),
            ("detained", _("In custody")),
            ("without_counsel", _("Without an attorney")),
            ("with_counsel", _("With an attorney")),
        ],
        rows,
        chart={"type": "bar", "label": "consulate", "values": ["without_counsel", "with_counsel"]},
        note=_(
            "Open cases in custody today; an attorney of record of any open proceeding of the case counts."
        ),
    )


def proceeding_outcomes(user, params: ReportParams) -> Report:
    """The decisions recorded with a decision date in the range, by kind of proceeding and decision."""
    kinds, outcomes = dict(ProceedingKind.choices), dict(ProceedingOutcome.choices)
    grouped = (
        Proceeding.objects.filter(
            case__in=scoped_cases(user, params).values("pk"),
            decided_on__gte=params.start,
            decided_on__lte=params.end,
        )
        .exclude(outcome="")
        .values("kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by("kind", "outcome")
    )
    rows = [
        {"kind": str(kinds[r["kind"]]), "outcome": str(outcomes[r["outcome"]]), "proceedings": r["n"]}
        for r in grouped
    ]
    return Report(
        "proceeding_outcomes",
        _("Decisions by kind of proceeding"),
        [("kind", _("Kind of proceeding")), ("outcome", _("Decision")), ("proceedings", _("Proceedings"))],
        rows,
        note=_("Proceedings whose decision date falls in the date range."),
        chart={"type": "bar", "label": "outcome", "values": ["proceedings"], "horizontal": True},
    )
