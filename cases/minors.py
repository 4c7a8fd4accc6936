"""Who is a child for the consulate's protection of children: a person under 18 on the day their case was
opened (SRE-UNICEF protocol; the Texas bench book's "Mexican minor" is the same age). The date of birth
decides when it is known; without it, the person's minor flags. The day is the case's opening day in UTC,
as the reports' SQL reads it (``child_case_q``), so both always agree."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateField, F, Func, Q

ADULT_AGE = 18


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def minor_on(*, born: dt.date | None, day: dt.date, flagged: bool) -> bool:
    if born is None:
        return flagged
    return age_on(born, day) < ADULT_AGE


def case_day(opened_at: dt.datetime) -> dt.date:
    return opened_at.astimezone(dt.UTC).date()


class _AdultCutoff(Func):
    """The birth date 18 years before the case's UTC day: a person born after it was a child that day."""

    template = "((%(expressions)s AT TIME ZONE 'UTC')::date - interval '18 years')::date"
    output_field = DateField()


def child_case_q(prefix: str = "") -> Q:
    """``Case.is_child_case`` as a filter on cases (``prefix``: the path to the case, e.g. ``"case__"``)."""
    born = f"{prefix}person__date_of_birth"
    flagged = Q(**{f"{prefix}person__is_minor": True}) | Q(
        **{f"{prefix}person__is_unaccompanied_minor": True}
    )
    return Q(**{f"{born}__gt": _AdultCutoff(F(f"{prefix}opened_at"))}) | (
        Q(**{f"{born}__isnull": True}) & flagged
    )
