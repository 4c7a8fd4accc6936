"""The critical incidents of the reports' hand-built network (``builders.build``) and what the incidents
report must say about them, computed from this list alone. The range is 2025-01-06 .. 2025-02-23; the
month and the range are on the clock of the place where it happened."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter

from django.utils import timezone
from django.utils.formats import date_format

from cases.models import CriticalIncident
from cases.models.incident import IncidentKind
from consulates.models import DetentionFacility

UTC = dt.UTC
CITY = {"dallas": "Dallas", "el_paso": "El Paso"}
PRAIRIELAND, EL_PASO = "Prairieland Detention Center", "El Paso Service Processing Center"
ZONES = {PRAIRIELAND: "America/Chicago", EL_PASO: "America/Denver"}
# (case, kind, closed, when (UTC), facility or None: another place, on the consulate's clock)
INCIDENTS = [
    ("o1", "death", True, dt.datetime(2025, 1, 10, 21, 0, tzinfo=UTC), PRAIRIELAND),
    ("o2", "hunger_strike", False, dt.datetime(2025, 1, 20, 16, 0, tzinfo=UTC), None),
    ("o2", "hunger_strike", True, dt.datetime(2025, 2, 3, 16, 0, tzinfo=UTC), None),
    # 22:30 on January 31 in El Paso (Mountain time): January there, February in UTC.
    ("o3", "medical_emergency", False, dt.datetime(2025, 2, 1, 5, 30, tzinfo=UTC), EL_PASO),
    # 23:30 on January 5 in Dallas: the day before the range.
    ("o5", "serious_injury", True, dt.datetime(2025, 1, 6, 5, 30, tzinfo=UTC), PRAIRIELAND),
    ("tD3", "disappearance", False, dt.datetime(2025, 2, 24, 2, 0, tzinfo=UTC), None),  # Feb 23 in El Paso
]


def build(w) -> None:
    recorder = w.users["officer_a"]
    for key, kind, closed, when, facility in INCIDENTS:
        CriticalIncident.objects.create(
            case=w.specs[key].case,
            kind=kind,
            occurred_at=when,
            facility=DetentionFacility.objects.get(name=facility) if facility else None,
            place="" if facility else "Hospital del condado",
            source="facility",
            learned_at=when,
            description="Descripción de prueba",
            status="closed" if closed else "open",
            closing_note="Cerrado" if closed else "",
            closed_at=timezone.now() if closed else None,
            recorded_by=recorder,
        )


def expected(w, scoped, params):
    keys = {s.key: s for s in scoped}
    zones = {"dallas": "America/Chicago", "el_paso": "America/Denver"}
    counted: Counter = Counter()
    for key, kind, closed, when, facility in INCIDENTS:
        if key not in keys:
            continue
        consulate = keys[key].consulate
        day = when.astimezone(zoneinfo.ZoneInfo(ZONES.get(facility) or zones[consulate])).date()
        if params.start <= day <= params.end:
            counted[(day.replace(day=1), CITY[consulate], kind, closed)] += 1
    kinds = dict(IncidentKind.choices)
    rows = []
    for month, city, kind in sorted({key[:3] for key in counted}):
        opened, done = counted[(month, city, kind, False)], counted[(month, city, kind, True)]
        label = date_format(month, "YEAR_MONTH_FORMAT")
        rows.append(
            {
                "month": label,
                "consulate": city,
                "kind": str(kinds[kind]),
                "open": opened,
                "closed": done,
                "incidents": opened + done,
                "bar": f"{label} · {city} · {kinds[kind]}",
            }
        )
    return rows
