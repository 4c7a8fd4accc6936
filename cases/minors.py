"""Who is a child for the consulate's protection of children: a person under 18 on the day their case was
opened (SRE-UNICEF protocol; the Texas bench book's "Mexican minor" is the same age). The date of birth
decides when it is known; without it, the person's minor flags. The day is the case's opening day in UTC,
as the reports' SQL reads it (``cases.selectors_children.child_cases``), so both always agree."""

from __future__ import annotations

import datetime as dt

ADULT_AGE = 18


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def minor_on(*, born: dt.date | None, day: dt.date, flagged: bool) -> bool:
    if born is None:
        return flagged
    return age_on(born, day) < ADULT_AGE


def case_day(opened_at: dt.datetime) -> dt.date:
    return opened_at.astimezone(dt.UTC).date()
