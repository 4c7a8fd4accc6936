"""The inquiries of the reports' hand-built network (``builders.build``) and what the inquiries' report
must say about them, computed here independently of the report's SQL (``percentile_cont`` in Python)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from intake.models import Channel, Inquiry, InquiryStatus

UTC = dt.UTC
# (city, channel, received at (UTC), hours to locate or None, hours to answer or None)
SPECS = [
    ("dallas", Channel.CIAM, dt.datetime(2025, 1, 10, 15, tzinfo=UTC), 3, 5),
    ("dallas", Channel.CIAM, dt.datetime(2025, 1, 20, 15, tzinfo=UTC), 10, 30),
    ("dallas", Channel.CIAM, dt.datetime(2025, 1, 22, 15, tzinfo=UTC), 4, None),  # open, past its deadline
    ("dallas", Channel.WHATSAPP, dt.datetime(2025, 2, 1, 15, tzinfo=UTC), None, None),
    ("el_paso", Channel.PHONE, dt.datetime(2025, 1, 15, 18, tzinfo=UTC), 2, 4),
    ("el_paso", Channel.CIAM, dt.datetime(2025, 2, 10, 18, tzinfo=UTC), None, 48),
    ("dallas", Channel.PHONE, dt.datetime(2024, 12, 1, 15, tzinfo=UTC), 1, 2),  # before the range
]


def build(w) -> None:
    consulates = {"dallas": w.dallas, "el_paso": w.el_paso}
    for city, channel, received, locate_h, answer_h in SPECS:
        Inquiry.objects.create(
            consulate=consulates[city],
            channel=channel,
            received_at=received,
            respond_by=received + dt.timedelta(hours=48),
            sought_paternal_surname="Informe",
            located_at=received + dt.timedelta(hours=locate_h) if locate_h is not None else None,
            status=InquiryStatus.ANSWERED if answer_h is not None else InquiryStatus.OPEN,
            answer="Respondida" if answer_h is not None else "",
            answered_at=received + dt.timedelta(hours=answer_h) if answer_h is not None else None,
        )


def _percentile(values, p):
    values = sorted(values)
    if not values:
        return None
    k = (len(values) - 1) * p
    low, high = int(k), min(int(k) + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (k - low), 1)


CITIES = {"dallas": "Dallas", "el_paso": "El Paso"}


def _grouped(city: str | None, key) -> dict:
    from tests.cases.reports.builders import END, START

    groups = defaultdict(list)
    for spec in SPECS:
        if (city is None or spec[0] == city) and START <= spec[2].date() <= END:
            groups[key(spec)].append(spec)
    return groups


def expected(world, city: str | None = None) -> list[dict]:
    """``inquiries_by_channel``: by channel (in code order)."""
    labels = dict(Channel.choices)
    groups = _grouped(city, lambda spec: spec[1])
    return [_figures("channel", str(labels[channel]), groups[channel]) for channel in sorted(groups)]


def expected_by_consulate(world, city: str | None = None) -> list[dict]:
    """``inquiries_by_consulate``: by consulate (by city)."""
    groups = _grouped(city, lambda spec: CITIES[spec[0]])
    return [_figures("consulate", name, groups[name]) for name in sorted(groups)]


def _figures(key: str, label: str, specs: list) -> dict:
    locate = [s[3] for s in specs if s[3] is not None]
    answer = [s[4] for s in specs if s[4] is not None]
    return {
        key: label,
        "received": len(specs),
        "located": len(locate),
        "locate_median": _percentile(locate, 0.5),
        "locate_p90": _percentile(locate, 0.9),
        "answered": len(answer),
        "answer_median": _percentile(answer, 0.5),
        "answer_p90": _percentile(answer, 0.9),
        "overdue": sum(1 for s in specs if s[4] is None),  # all deadlines lapsed long ago
    }
