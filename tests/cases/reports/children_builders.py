"""The children of the reports' hand-built network (``builders.build``) and what the three children's
reports must say about them, computed from these lists alone. The persons' dates of birth are set after the
services ran (the specs' closures stay as the builder made them); no other report reads a date of birth or a
hand-off. The range is 2025-01-06 .. 2025-02-23."""

from __future__ import annotations

import datetime as dt
import statistics
from zoneinfo import ZoneInfo

from cases.models import ChildAssessment, Person, RepatriationHandoff

D = dt.date
CITY = {"dallas": "Dallas", "el_paso": "El Paso"}
# case -> the person's date of birth. c2's person turned 18 on its case's (UTC) day: not a child; c4's
# turns 18 the day after: a child.
BORN = {
    "c1": D(2013, 4, 2),
    "c4": D(2007, 1, 14),
    "c3": D(2010, 10, 10),
    "o2": D(2009, 9, 9),
    "o6": D(2011, 11, 11),
    "o8": D(2012, 1, 1),
    "c2": D(2007, 1, 8),
}
# No person gets the "unaccompanied minor" flag here: it would change the vulnerable persons' report
# (the flag's fallback is tested in tests/cases/reports/test_children_reports.py).
UNACCOMPANIED_FLAG: set[str] = set()
# case -> (situation, complete, assessed this many hours before (+) or after (-) the hand-off was prepared)
ASSESSMENTS = {
    "c1": ("unaccompanied", True, 20),
    "c4": ("separated", False, 5),
    "c3": ("unaccompanied", True, -3),
    "o2": ("separated", True, 1),
}
# case -> (removal day, removal time at the point, hours from the removal to the DIF's confirmation or None)
HANDOFFS = {
    "c1": (D(2025, 1, 9), dt.time(9), 6),
    "c4": (D(2025, 1, 31), dt.time(8), 30),
    "c3": (D(2025, 1, 19), dt.time(10), 12),
    "o2": (D(2025, 2, 20), None, None),
}


def _zone(w, spec):
    point = w.reception[spec.reception] if spec.reception else w.reception["rp1"]
    return point, ZoneInfo(point.timezone or str(spec.tz))


def build(w) -> None:
    actor = w.users["officer_a"]
    for key, born in BORN.items():
        person_id = w.specs[key].case.person_id
        Person.objects.filter(pk=person_id).update(
            date_of_birth=born, is_unaccompanied_minor=key in UNACCOMPANIED_FLAG
        )
    for key, (removal_day, removal_time, hours) in HANDOFFS.items():
        spec = w.specs[key]
        point, zone = _zone(w, spec)
        removed = dt.datetime.combine(removal_day, removal_time or dt.time(0), tzinfo=zone)
        prepared = removed - dt.timedelta(days=2)
        handoff = RepatriationHandoff.objects.create(
            case=spec.case,
            removal_date=removal_day,
            removal_time=removal_time,
            reception_point=point,
            prepared_by=actor,
            confirmed_at=removed + dt.timedelta(hours=hours) if hours is not None else None,
            received_by_name="DIF" if hours is not None else "",
        )
        RepatriationHandoff.objects.filter(pk=handoff.pk).update(prepared_at=prepared)
        if key in ASSESSMENTS:
            situation, complete, before = ASSESSMENTS[key]
            ChildAssessment.objects.create(
                case=spec.case,
                form_version="2026-1",
                situation=situation,
                age_basis="document",
                complete=complete,
                assessed_at=prepared - dt.timedelta(hours=before),
                assessed_by=actor,
            )


def _children(scoped):
    return [s for s in scoped if s.key in BORN and s.key != "c2"]


def expected_children_by_status(w, scoped, params):
    rows = []
    for slug in ("dallas", "el_paso"):
        children = [s for s in _children(scoped) if s.consulate == slug]
        open_ = [s for s in children if s.is_open]
        situation = {s.key: ASSESSMENTS.get(s.key, ("",))[0] for s in open_}
        unaccompanied = sum(
            situation[s.key] == "unaccompanied" or (not situation[s.key] and s.key in UNACCOMPANIED_FLAG)
            for s in open_
        )
        separated = sum(situation[s.key] == "separated" for s in open_)
        closed = sum(
            1
            for s in children
            if not s.is_open and params.start <= s.closed.astimezone(s.tz).date() <= params.end
        )
        if open_ or closed:
            rows.append(
                {
                    "consulate": CITY[slug],
                    "open": len(open_),
                    "unaccompanied": unaccompanied,
                    "separated": separated,
                    "accompanied": len(open_) - unaccompanied - separated,
                    "closed": closed,
                }
            )
    return rows


def _handed_over(scoped, params):
    return [
        s for s in _children(scoped) if s.key in HANDOFFS and params.start <= HANDOFFS[s.key][0] <= params.end
    ]


def expected_children_screened_before_return(w, scoped, params):
    rows = []
    for slug in ("dallas", "el_paso"):
        returned = [s for s in _handed_over(scoped, params) if s.consulate == slug]
        if not returned:
            continue
        screened = sum(
            s.key in ASSESSMENTS and ASSESSMENTS[s.key][1] and ASSESSMENTS[s.key][2] >= 0 for s in returned
        )
        rows.append(
            {
                "consulate": CITY[slug],
                "returned": len(returned),
                "screened": screened,
                "not_screened": len(returned) - screened,
                "share": round(100 * screened / len(returned), 1),
            }
        )
    return rows


def expected_children_dif_confirmation(w, scoped, params):
    by_point: dict[str, list] = {}
    for s in _handed_over(scoped, params):
        point, _zone_ = _zone(w, s)
        by_point.setdefault(point.name, []).append(HANDOFFS[s.key][2])
    rows = []
    for name in sorted(by_point):
        hours = [h for h in by_point[name] if h is not None]
        rows.append(
            {
                "reception_point": name,
                "handed_over": len(by_point[name]),
                "confirmed": len(hours),
                "median_hours": round(statistics.median(hours), 1) if hours else None,
                "slowest_hours": round(max(hours), 1) if hours else None,
            }
        )
    return rows
