"""Which zone a time of a case is in: the place's, never assumed from the consulate.

- A hearing: its court's zone; without a court, the case's detention facility's (its own, else its
  county's); else the consulate's.
- A person (quiet hours of the messages they get): the zone of the county of their US address when
  staff recorded it, else their case's facility's, else the consulate's.

Callers load ``court``, ``case__facility__county`` and ``case__consulate`` (and ``person__us_county``)
with the rows; these functions only read attributes."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone


def case_place_zone(case) -> str:
    """The zone of where the case's person is held, else the consulate's."""
    if case.facility_id:
        return case.facility.zone_name
    return case.consulate.timezone


def hearing_zone_name(hearing, *, court=None, case=None) -> str:
    """The hearing's zone (``court``/``case`` override the hearing's own, for a form being filled in)."""
    court = (
        court if court is not None else (hearing.court if hearing is not None and hearing.court_id else None)
    )
    if court is not None:
        return court.timezone
    return case_place_zone(case if case is not None else hearing.case)


def person_zone_name(person, case) -> str:
    county = getattr(person, "us_county", None) if getattr(person, "us_county_id", None) else None
    if county is not None:
        return county.zone_name
    return case_place_zone(case)


def wall_clock_shown(value: dt.datetime, zone: str) -> dt.datetime:
    """``value`` as a form shows it: the wall clock of ``zone``, carried by a datetime of the active
    zone (the form field renders and compares in the active zone)."""
    naive = timezone.localtime(value, zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def wall_clock_entered(value: dt.datetime, zone: str) -> dt.datetime:
    """A time a form read in the active zone, taken as the wall clock of ``zone`` (the hearing's)."""
    naive = timezone.localtime(value).replace(tzinfo=None)
    return timezone.make_aware(naive, zoneinfo.ZoneInfo(zone))


def hearing_zone_sql(prefix: str = ""):
    """``hearing_zone_name`` as a database expression over a hearing queryset (``prefix``: the path to
    the hearing, e.g. ``"hearing__"``), for grouping by the day a hearing is held."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce, NullIf

    return Coalesce(
        F(f"{prefix}court__timezone"),
        NullIf(F(f"{prefix}case__facility__timezone"), Value("")),
        NullIf(F(f"{prefix}case__facility__county__timezone"), Value("")),
        F(f"{prefix}case__consulate__timezone"),
    )
