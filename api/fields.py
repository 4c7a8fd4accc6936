"""Times at the API boundary: ISO 8601, read in UTC, within the years a case can concern.

PostgreSQL refuses UTC offsets beyond 15:59 that Python parses (``+17:17``), and times before the
time-zone era render with local-mean-time offsets (``-05:50:36``) that are not RFC 3339: both are
refused with a 400 here instead of failing in the database or in the response.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

MIN_YEAR, MAX_YEAR = 1900, 2199


def _in_range(value: dt.datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


class DateTimeField(serializers.DateTimeField):
    # Formatted when it fails, not here: a message formatted at import time is frozen in the language
    # active then (Spanish), whatever the caller's.
    default_error_messages = {"out_of_range": _("Enter a time between the years {min} and {max}.")}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not _in_range(result):
            self.fail("out_of_range", min=MIN_YEAR, max=MAX_YEAR)
        return result.astimezone(dt.UTC) if result.tzinfo else result


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        from django.core.exceptions import ValidationError

        try:
            result = super().to_python(value)
            if result is not None and result.tzinfo:
                result = result.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            result = False
        if result is False or (result is not None and not _in_range(result)):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return result


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
