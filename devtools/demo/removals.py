"""The demo's removal plans (decision 0025): each hand-off's removal with a time on the reception point's
clock and a mode (a flight with its number to Tapachula, a bus or on foot across a land port), and one
older adult scheduled outside a bridge's agreed hours, with the warning seen and the reason recorded."""

from __future__ import annotations

import datetime as dt
import random

from cases import services
from cases.models import Case
from consulates.models import ReceptionPoint

WARNING_REASON = (
    "ICE confirmó la entrega a las 23:00 y no la adelanta; la hija lo espera en el puente y el módulo del "
    "INM está avisado."
)


def removal_plan(rng: random.Random, point: ReceptionPoint, *, flight: bool, walk: bool) -> dict:
    """The time and mode of a removal to ``point``, inside the point's agreed hours where it has them."""
    if flight:
        return {
            "expected_removal_time": dt.time(11, 30),
            "removal_mode": "flight",
            "removal_flight_number": f"GXA {rng.randint(1000, 9999)}",
        }
    time = dt.time(rng.randint(9, 16), rng.choice([0, 30]))
    return {"expected_removal_time": time, "removal_mode": "on_foot" if walk else "bus"}


def point_with_hours() -> ReceptionPoint | None:
    """A land port offered for new hand-offs whose agreed hours the sources give (the Tamaulipas bridges)."""
    return (
        ReceptionPoint.objects.offered()
        .filter(kind="land_port", hours_from__isnull=False, hours_to__isnull=False)
        .order_by("pk")
        .first()
    )


def outside_hours_for_an_older_adult(case: Case, actor, point: ReceptionPoint) -> dict:
    """Flag the case's person an older adult and plan the removal an hour after the point's agreed hours
    end: the hand-off form then warns, and the demo records the warning as seen (``WARNING_REASON``)."""
    services.person_update(actor=actor, person=case.person, is_older_adult=True)
    late = (dt.datetime.combine(dt.date(2000, 1, 1), point.hours_to) + dt.timedelta(hours=1)).time()
    return {"reception_point": point, "expected_removal_time": late, "removal_mode": "on_foot"}
