"""Time zones of places: how a zone is named to people, and the check that a typed zone exists.

A place carries its own IANA zone (a county, a detention facility, a court); the consulate's zone is
only the fallback where the place's is unknown. ``consulates`` is below ``cases``: these helpers know
nothing of cases or hearings."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ZONE_LABELS = {
    "America/Chicago": _("Central time"),
    "America/Denver": _("Mountain time"),
}


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
