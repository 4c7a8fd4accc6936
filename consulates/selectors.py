"""Reads of the consular network."""

from __future__ import annotations

from django.db.models import QuerySet

from consulates.models import Consulate, County, DetentionFacility, Partner
from consulates.policy import home_timezone, reach


def user_timezone_name(user) -> str | None:
    """The IANA timezone of the user's consulate, or ``None`` for network-wide roles."""
    return home_timezone(user)


def consulates_selectable_by(user) -> QuerySet[Consulate]:
    """Consulates a user may put work under: their own, or all for network-wide roles."""
    return Consulate.objects.filter(reach(user).q("pk"))


def consulate_for_facility(facility: DetentionFacility | int) -> Consulate | None:
    """Resolve facility -> county -> district consulate. The one place this rule lives. ``None`` for a
    facility outside the network (no county, no district)."""
    facility_id = facility if isinstance(facility, int) else facility.pk
    return Consulate.objects.filter(counties__facilities__pk=facility_id).first()


def district_consulate_ids(facility_ids) -> dict[int, int]:
    """``consulate_for_facility`` for many facilities at once: {facility id: consulate id}."""
    rows = DetentionFacility.objects.filter(pk__in=list(facility_ids)).values_list(
        "pk", "county__consulate_id"
    )
    return dict(rows)


def facilities_with_district() -> QuerySet[DetentionFacility]:
    return DetentionFacility.objects.select_related("county__consulate")


def county_for_fips(fips: str) -> County | None:
    return County.objects.select_related("consulate").filter(fips=fips).first()


def partners_covering(consulate_id: int) -> QuerySet[Partner]:
    return Partner.objects.filter(active=True, consulates__pk=consulate_id).distinct()
