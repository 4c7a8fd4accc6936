"""consulates/facilities.py: a facility staff add from the custody form (every kind; outside the network
with its zone and no county), and who may."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from consulates.facilities import facility_add
from consulates.models import County, DetentionFacility
from consulates.selectors import consulate_for_facility
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_facility_in_another_state_has_its_zone_and_no_district():
    officer = f.officer("dallas")
    facility = facility_add(
        actor=officer, name="Jail in Louisiana", city="Jena", state="LA", kind="county_jail",
        timezone="America/Chicago",
    )  # fmt: skip
    assert (facility.county, facility.zone_name, facility.kind, facility.added_by) == (
        None,
        "America/Chicago",
        "county_jail",
        officer,
    )
    assert consulate_for_facility(facility) is None


def test_a_facility_in_texas_needs_its_county_and_takes_its_district():
    officer = f.officer("dallas")
    with pytest.raises(ValidationError) as error:
        facility_add(actor=officer, name="Cárcel", city="Cleburne", state="TX", kind="county_jail")
    assert error_fields(error.value) == {"county"}
    county = County.objects.filter(state="TX", consulate__slug="dallas").first()
    facility = facility_add(
        actor=officer,
        name="Cárcel del condado",
        city="Cleburne",
        state="TX",
        kind="county_jail",
        county=county,
    )
    assert consulate_for_facility(facility).slug == "dallas"


@pytest.mark.parametrize(
    ("values", "fields"),
    [
        ({"name": "", "city": "", "state": "ZZ", "kind": "spa"}, {"name", "city", "state", "kind"}),
        ({"name": "Sin zona", "city": "Jena", "state": "LA", "kind": "ice"}, {"timezone"}),
        ({"name": "Prairieland Detention Center", "city": "x", "state": "LA", "kind": "ice",
          "timezone": "America/Chicago"}, {"name"}),
    ],
)  # fmt: skip
def test_what_does_not_fit_is_a_field_error(values, fields):
    with pytest.raises(ValidationError) as error:
        facility_add(actor=f.officer("dallas"), **values)
    assert error_fields(error.value) == fields


def test_a_manager_may_not_add_facilities():
    with pytest.raises(PermissionDenied):
        facility_add(
            actor=f.manager(), name="X", city="Jena", state="LA", kind="ice", timezone="America/Chicago"
        )


def test_the_database_refuses_a_facility_outside_the_network_without_its_zone():
    with pytest.raises(IntegrityError), transaction.atomic():
        DetentionFacility.objects.create(name="Sin zona", city="Jena", state="LA")


def test_the_loaded_facilities_are_ice_facilities():
    assert set(DetentionFacility.objects.filter(added_by__isnull=True).values_list("kind", flat=True)) == {
        "ice"
    }
