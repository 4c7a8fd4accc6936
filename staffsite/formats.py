"""Dates and numbers as the staff UI shows them: in the reader's language (``es``: "6 de diciembre de
2026 a las 08:45", "3,6"), and a moment in the current time zone (the consulate's, set per request by
``ConsulateTimezoneMiddleware``). Never ``strftime``, which writes ISO dates and decimal points whatever
the language."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format, number_format


def in_words(value, *, with_time: bool = True) -> str:
    """A datetime (in the current zone) or a date, in words; "—" for none."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return date_format(local, "DATETIME_FORMAT" if with_time else "DATE_FORMAT")
    return date_format(value, "DATE_FORMAT")


def decimal(value: float, places: int = 1) -> str:
    """A number with ``places`` decimals and the language's decimal separator."""
    return number_format(value, places)
