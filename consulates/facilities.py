"""Facilities staff add when the person is held somewhere the list does not have (a county jail, a
hospital, a facility in another state). The one writer of staff-added facilities."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consulates.choices import NETWORK_STATES, FacilityKind, UsState
from consulates.models import County, DetentionFacility
from consulates.policy import authorize
from consulates.zones import validate_zone


@transaction.atomic
def facility_add(
    *,
    actor,
    name: str,
    city: str,
    state: str,
    kind: str,
    timezone: str = "",
    county: County | None = None,
) -> DetentionFacility:
    """A facility that was not in the list. In Texas, Oklahoma or New Mexico it needs its county (which
    gives its district and zone); in any other state it has no county and needs its zone."""
    authorize(actor, "facility.add")
    name, city, timezone = " ".join((name or "").split()), " ".join((city or "").split()), timezone or ""
    errors: dict[str, list] = {}
    if not name:
        errors["name"] = [_("Write the facility's name.")]
    elif DetentionFacility.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("This facility is already in the list: choose it there.")]
    if not city:
        errors["city"] = [_("Write the city.")]
    if state not in UsState.values:
        errors["state"] = [_("Choose the state.")]
    if kind not in FacilityKind.values:
        errors["kind"] = [_("Choose the kind of facility.")]
    if state in NETWORK_STATES:
        if county is None or county.state != state:
            errors["county"] = [_("Choose the county of the facility (it decides the consulate in charge).")]
    elif state in UsState.values:
        county = None
        if not timezone:
            errors["timezone"] = [_("Choose the facility's time zone.")]
    if timezone:
        try:
            validate_zone(timezone)
        except ValidationError:
            errors["timezone"] = [_("Choose the facility's time zone.")]
    if errors:
        raise ValidationError(errors)
    return DetentionFacility.objects.create(
        name=name,
        city=city,
        state=state,
        kind=kind,
        county=county,
        timezone=timezone if county is None or timezone != county.zone_name else "",
        added_by=actor,
        curated=True,
        source="Added by consular staff from the custody form.",
    )
