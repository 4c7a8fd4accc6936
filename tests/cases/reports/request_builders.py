"""The formal requests of the reports' hand-built network (``builders.build``) and what the unanswered
requests report must say about them, computed from this list alone (decision 0026)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from cases.models import FormalRequest
from cases.models.formal_request import AuthorityKind

# (case key, consulate, authority kind, authority, status, days sent ago, days until due). Written as test
# data (the services' own tests cover how they are recorded).
REQUESTS = [
    ("o1", "dallas", "facility", "Prairieland Detention Center", "sent", 20, -5),  # overdue
    ("o2", "dallas", "facility", "Prairieland Detention Center", "sent", 3, 10),
    ("o5", "dallas", "ice_field_office", "ICE Dallas Field Office", "sent", 30, 0),  # due today: not overdue
    ("o2", "dallas", "court", "Dallas County Court", "answered", 10, 5),  # answered: not counted
    ("o1", "dallas", "sheriff", "Johnson County Sheriff", "draft", None, None),  # a draft: not counted
    ("o6", "el_paso", "ice_field_office", "ICE El Paso Field Office", "sent", 15, -1),
]
CITY = {"dallas": "Dallas", "el_paso": "El Paso"}


def build(w) -> None:
    today = timezone.localdate()
    owner = {"dallas": w.users["officer_a"], "el_paso": w.users["officer_c"]}
    for key, consulate, authority_kind, name, status, sent_ago, due_in in REQUESTS:
        case = w.specs[key].case
        FormalRequest.objects.create(
            consulate=case.consulate,
            case=case,
            authority_kind=authority_kind,
            authority_name=name,
            kind="custody_records",
            status=status,
            sent_on=today - dt.timedelta(days=sent_ago) if sent_ago is not None else None,
            due_on=today + dt.timedelta(days=due_in) if due_in is not None else None,
            answered_on=today if status == "answered" else None,
            response="Respuesta" if status == "answered" else "",
            owner=owner[consulate],
            created_by=owner[consulate],
        )


def expected(w, keys: set[str], consulate: str | None):
    today = timezone.localdate()
    groups: dict[tuple, list] = defaultdict(list)
    for key, where, authority_kind, name, status, sent_ago, due_in in REQUESTS:
        if status != "sent" or key not in keys or (consulate and where != consulate):
            continue
        groups[(authority_kind, name)].append((today - dt.timedelta(days=sent_ago), due_in < 0))
    rows = [
        {
            "authority": name,
            "kind": str(dict(AuthorityKind.choices)[kind]),
            "unanswered": len(items),
            "overdue": sum(1 for _, late in items if late),
            "on_time": sum(1 for _, late in items if not late),
            "oldest": min(sent for sent, _ in items).isoformat(),
        }
        for (kind, name), items in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r["unanswered"], r["authority"]))
