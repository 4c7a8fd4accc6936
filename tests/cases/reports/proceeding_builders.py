"""The legal proceedings of the reports' hand-built network (``builders.build``) and what the two
proceedings reports must say about them, computed from this list alone (the removal proceedings the
hearings of ``builders.HEARINGS`` opened are pending and without an attorney, so they change no figure)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from cases.models import Proceeding
from cases.models.proceeding import ProceedingKind, ProceedingOutcome

D = dt.date
# (case, kind, status, attorney of record, decision, decision date). Written as test data (the services'
# own tests cover how they are recorded); the range is 2025-01-06 .. 2025-02-23.
PROCEEDINGS = [
    ("o1", "habeas", "pending", "partner", "", None),  # detained, with an attorney
    (
        "o3",
        "habeas",
        "decided",
        "private",
        "petition_granted",
        D(2025, 1, 20),
    ),  # detained (El Paso), with one
    ("o6", "criminal", "closed", "pale", "convicted", D(2024, 11, 3)),  # closed: o6 is still without
    ("o2", "removal", "decided", "none", "removal_ordered", D(2025, 2, 1)),
    ("o5", "voluntary_departure", "decided", "none", "departed", D(2025, 2, 23)),  # the range's last day
    ("o7", "removal", "decided", "private", "ordered_in_absence", D(2025, 1, 5)),  # the day before it
    ("tD3", "removal", "on_appeal", "none", "removal_ordered", D(2025, 1, 6)),  # its first day
    ("o8", "removal", "closed", "partner", "terminated", D(2025, 2, 10)),  # closed: o8 is still without
]
CITY = {"dallas": "Dallas", "el_paso": "El Paso"}


def build(w) -> None:
    for key, kind, status, counsel, outcome, decided in PROCEEDINGS:
        Proceeding.objects.create(
            case=w.specs[key].case,
            kind=kind,
            status=status,
            counsel_kind=counsel,
            counsel_partner=w.partners["p1"] if counsel == "partner" else None,
            counsel_name="Lic. Informe" if counsel in ("private", "pale") else "",
            outcome=outcome,
            decided_on=decided,
        )


def expected_detained_without_counsel(w, scoped):
    counselled = {
        key for key, _k, status, counsel, _o, _d in PROCEEDINGS if status != "closed" and counsel != "none"
    }
    rows = []
    for slug in ("dallas", "el_paso"):
        detained = [s for s in scoped if s.consulate == slug and s.is_open and s.facility and not s.released]
        if not detained:
            continue
        without = sum(s.key not in counselled for s in detained)
        rows.append(
            {
                "consulate": CITY[slug],
                "detained": len(detained),
                "without_counsel": without,
                "with_counsel": len(detained) - without,
            }
        )
    return rows


def expected_proceeding_outcomes(w, scoped, params):
    keys = {s.key for s in scoped}
    counts = Counter(
        (kind, outcome)
        for key, kind, _s, _c, outcome, decided in PROCEEDINGS
        if key in keys and outcome and params.start <= decided <= params.end
    )
    kinds, outcomes = dict(ProceedingKind.choices), dict(ProceedingOutcome.choices)
    return [
        {"kind": str(kinds[kind]), "outcome": str(outcomes[outcome]), "proceedings": n}
        for (kind, outcome), n in sorted(counts.items())
    ]
