"""Time zones of places: how a zone is named to people, and the check that a typed zone exists.

A place carries its own IANA zone (a county, a detention facility, a court); the consulate's zone is
only the fallback where the place's is unknown. ``consulates`` is below ``cases``: these helpers know
nothing of cases or hearings."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ZONE_LABELS = {
    "America/Chicago": _("Central time"),
    "America/Denver": _("Mountain time"),
}


# After a time, in brackets: "10:00 (hora del Centro)".
ZONES_AFTER_TIME = {
    "America/Chicago": pgettext_lazy("after a time, in brackets", "Central time"),
    "America/Denver": pgettext_lazy("after a time, in brackets", "Mountain time"),
}


def zone_after_time(name: str) -> str:
    """The zone's name as written after a time ("hora del Centro"); empty for a zone not named here."""
    label = ZONES_AFTER_TIME.get(name)
    return str(label) if label is not None else ""


def time_in_zone(value: dt.datetime, zone: str, *, style: str = "DATETIME_FORMAT", name: bool = False) -> str:
    """``value`` on the wall clock of ``zone``, in words; the zone named after it ("10:00 (hora del
    Centro)") when it is not the active zone's time, or always with ``name``."""
    target = zoneinfo.ZoneInfo(zone)
    local = timezone.localtime(value, target)
    text = formats.date_format(local, style)
    if name or local.utcoffset() != timezone.localtime(value).utcoffset():
        text = f"{text} ({zone_after_time(zone) or local.tzname()})"
    return text


def zone_label(name: str) -> str:
    """A zone as people say it ("Central time"), else its IANA name."""
    return str(ZONE_LABELS.get(name, name))


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_zone(value: str) -> None:
    """An IANA zone name such as America/Chicago (an empty value is left to ``blank``)."""
    if value and value not in _known_zones():
        raise ValidationError(
            _("Not a known time zone. Write it as America/Chicago (Central) or America/Denver (Mountain)."),
            code="unknown_zone",
        )
