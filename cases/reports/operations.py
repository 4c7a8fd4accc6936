"""The enforcement operations of the period (by their date) and what became of the cases each produced:
how many, still open, in custody now, with consular contact made, repatriated. Counted over
``Operation.held_for`` (the consulate's; network-wide for managers, who may choose one consulate), the
cases counted in the same consulate; only the operation chosen, if one is. One query."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cases.models import Operation
from cases.models.case import Outcome, Status
from cases.models.identity import ArrestingAgency
from cases.reports.common import Report, ReportParams, scoped_consulate


def operations(user, params: ReportParams) -> Report:
    consulate_id = scoped_consulate(user, params)
    found = Operation.objects.held_for(user).filter(date__range=(params.start, params.end))
    if params.operation_id is not None:
        found = found.filter(pk=params.operation_id)
    counted = Q()
    if consulate_id is not None:
        found = found.filter(consulate_id=consulate_id)
        counted = Q(cases__consulate_id=consulate_id)
    is_open = counted & ~Q(cases__status=Status.CLOSED)

    def count(condition: Q | None = None) -> Count:
        """Cases of the operation (in the consulate counted), meeting ``condition`` if given."""
        wanted = counted & (condition or Q())
        return Count("cases", filter=wanted) if wanted else Count("cases")

    grouped = (
        found.values("pk", "name", "date", "agency", "consulate__city")
        .annotate(
            n=count(),
            open=Count("cases", filter=is_open),
            in_custody=Count(
                "cases", filter=is_open & Q(cases__facility__isnull=False, cases__released_on__isnull=True)
            ),
            contacted=count(Q(cases__first_contact_at__isnull=False)),
            repatriated=count(Q(cases__outcome=Outcome.REPATRIATED)),
        )
        .order_by("-date", "name", "pk")
    )
    agencies = dict(ArrestingAgency.choices)
    rows = [
        {
            "operation": row["name"],
            "date": row["date"].isoformat(),
            "consulate": row["consulate__city"],
            "agency": str(agencies.get(row["agency"], row["agency"])),
            "cases": row["n"],
            "open": row["open"],
            "in_custody": row["in_custody"],
            "contacted": row["contacted"],
            "repatriated": row["repatriated"],
        }
        for row in grouped
    ]
    return Report(
        "operations",
        _("Enforcement operations and their cases"),
        [
            ("operation", _("Operation")),
            ("date", _("Date")),
            ("consulate", _("Consulate")),
            ("agency", _("Agency")),
            ("cases", _("Cases")),
            ("open", _("Still open")),
            ("in_custody", _("In custody now")),
            ("contacted", _("Consular contact made")),
            ("repatriated", _("Repatriated")),
        ],
        rows,
        chart={"type": "bar", "label": "operation", "values": ["cases", "open"]},
        note=_("Operations whose date falls in the period; their cases as they are now."),
    )
