"""Critical incidents in the reports (decision 0028): the incidents of the network by month, consulate and
kind, open and closed. Counted over the cases ``scoped_cases`` gives (the consulate chosen, the operation
chosen: the report rules of every other report); the month is the one on the place's clock (the
facility's zone, else the consulate's), and the date range too. Incidents are rare: one query reads the
range's rows and they are grouped here."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cases.models import CriticalIncident
from cases.models.incident import IncidentKind, IncidentStatus
from cases.reports.common import Report, ReportParams, scoped_cases


def critical_incidents(user, params: ReportParams) -> Report:
    kinds = dict(IncidentKind.choices)
    # A day either side: the range is in each place's local days, checked exactly below.
    start = dt.datetime.combine(params.start - dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(params.end + dt.timedelta(days=2), dt.time.min, tzinfo=dt.UTC)
    rows = CriticalIncident.objects.filter(
        case__in=scoped_cases(user, params).values("pk"), occurred_at__gte=start, occurred_at__lt=end
    ).values_list(
        "kind",
        "status",
        "occurred_at",
        "case__consulate__city",
        "case__consulate__timezone",
        "facility__timezone",
        "facility__county__timezone",
    )
    counted: Counter = Counter()
    for kind, status, occurred_at, city, consulate_zone, facility_zone, county_zone in rows:
        zone = facility_zone or county_zone or consulate_zone
        day = occurred_at.astimezone(zoneinfo.ZoneInfo(zone)).date()
        if params.start <= day <= params.end:
            counted[(day.replace(day=1), city, kind, status)] += 1
    groups = sorted({key[:3] for key in counted})
    table = []
    for month, city, kind in groups:
        opened = counted[(month, city, kind, IncidentStatus.OPEN)]
        closed = counted[(month, city, kind, IncidentStatus.CLOSED)]
        label = date_format(month, "YEAR_MONTH_FORMAT")
        table.append(
            {
                "month": label,
                "consulate": city,
                "kind": str(kinds[kind]),
                "open": opened,
                "closed": closed,
                "incidents": opened + closed,
                "bar": f"{label} · {city} · {kinds[kind]}",
            }
        )
    return Report(
        "critical_incidents",
        _("Critical incidents by month, consulate and kind"),
        [
            ("month", _("Month")),
            ("consulate", _("Consulate")),
            ("kind", _("Kind of incident")),
            ("open", _("Open")),
            ("closed", _("Closed")),
            ("incidents", _("Incidents")),
        ],
        table,
        chart={"type": "bar", "label": "bar", "values": ["open", "closed"], "horizontal": True},
        note=_(
            "Deaths and serious injuries in custody, medical emergencies, hunger strikes and disappearances "
            "that happened in the date range (on the clock of the place where they happened), open or "
            "closed today."
        ),
    )
