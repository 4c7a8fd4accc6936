"""consulates.services.network_load: what it loads, that a re-run changes nothing, and staff edits."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Count

from consulates.models import Basis, Consulate, County, DetentionFacility, ImmigrationCourt, ReceptionPoint
from consulates.published import published_phone
from consulates.selectors import consulate_for_facility, county_for_fips, facilities_with_district
from consulates.services import CONSULATE_CODES, mark_curated, network_load

pytestmark = pytest.mark.django_db

MOUNTAIN = {"el_paso", "albuquerque"}


def row_versions(model) -> dict[int, int]:
    """pk -> xmin: any UPDATE of a row (even to the same values) gives it a new xmin."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, xmin::text::bigint FROM "{model._meta.db_table}"')  # noqa: S608
        return dict(cursor.fetchall())


# --- what the session loaded (tests/conftest.py runs network_load once) ---------------------------


def test_thirteen_consulates_with_their_timezones():
    zones = dict(Consulate.objects.values_list("slug", "timezone"))
    assert set(zones) == set(CONSULATE_CODES)
    assert len(zones) == 13
    assert {slug for slug, tz in zones.items() if tz == "America/Denver"} == MOUNTAIN
    assert {tz for slug, tz in zones.items() if slug not in MOUNTAIN} == {"America/Chicago"}


def test_consulates_carry_a_dialable_number_and_a_plain_address_with_the_remarks_beside_the_sources():
    """Messages to persons and the hand-off sheet give these fields as they are: the sources' remarks
    ("(switchboard)", "(low confidence, ...)", "moved there 2021 ...") stay in ``source`` for staff."""
    rows = {c.slug: c for c in Consulate.objects.all()}
    assert rows["houston"].phone == "+1 713-271-6800"
    assert rows["houston"].address == "10555 Richmond Ave, Houston, TX 77042"
    assert "phone as published: +1 713-271-6800 (switchboard)" in rows["houston"].source
    assert "address as published: 10555 Richmond Ave" in rows["houston"].source
    assert rows["austin"].phone == "+1 512-478-2866"
    assert "protection emergencies +1 512-922-7906" in rows["austin"].source
    assert rows["albuquerque"].phone == "+1 505-247-2147"
    assert rows["dallas"].phone == "+1 214-932-8670"
    assert "phone as published" not in rows["dallas"].source  # nothing was removed
    assert "phone_confidence: low" in rows["dallas"].source
    # No number in the data: left empty for staff to enter, never invented.
    assert {slug for slug, c in rows.items() if not c.phone} == {
        "san_antonio",
        "laredo",
        "mcallen",
        "brownsville",
        "del_rio",
        "eagle_pass",
        "presidio",
    }
    for consulate in rows.values():
        assert not re.search(r"[()]|confidence|verified|switchboard", consulate.phone + consulate.address)
        consulate.full_clean()  # an administrator can save every loaded consulate's page as it is


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("+1 214-932-8670", "+1 214-932-8670"),
        ("+1 713-271-6800 (switchboard)", "+1 713-271-6800"),
        ("(405) 753-5622 ext. 12", "(405) 753-5622"),
        ("1-877-639-4835 (older line)", "1-877-639-4835"),
        ("see the website", ""),
        ("", ""),
    ],
)
def test_published_phone(text, phone):
    assert published_phone(text) == phone


def test_consulate_codes_prefix_references():
    codes = dict(Consulate.objects.values_list("slug", "code"))
    assert codes == CONSULATE_CODES
    assert Consulate.objects.get(slug="dallas").official_name.endswith("de México en Dallas")


def test_counties_per_state_each_with_a_district_consulate():
    assert County.objects.count() == 364
    per_state = dict(County.objects.values_list("state").annotate(n=Count("pk")))
    assert per_state == {"TX": 254, "NM": 33, "OK": 77}
    assert not County.objects.filter(consulate__isnull=True).exists()
    # Every consulate's district has at least its own county.
    assert Consulate.objects.annotate(n=Count("counties")).filter(n=0).count() == 0
    assert county_for_fips("35001").consulate.slug == "albuquerque"  # Bernalillo, NM
    assert County.objects.filter(state="OK").values("consulate").distinct().count() == 1
    assert County.objects.filter(state="OK").first().consulate.slug == "oklahoma_city"


def test_facilities_resolve_to_their_district_consulate():
    facilities = list(facilities_with_district())
    assert len(facilities) == 30
    for facility in facilities:
        assert consulate_for_facility(facility) == facility.county.consulate
        assert consulate_for_facility(facility.pk) == facility.county.consulate
    assert consulate_for_facility(
        DetentionFacility.objects.get(name="Prairieland Detention Center")
    ).slug == ("dallas")
    assert consulate_for_facility(
        DetentionFacility.objects.get(name="Torrance County Detention Facility")
    ).slug == ("albuquerque")


def test_reception_points_are_loaded():
    """Details: tests/consulates/test_reception_points.py."""
    assert ReceptionPoint.objects.count() == 19
    assert ReceptionPoint.objects.filter(kind=ReceptionPoint.Kind.INLAND_CENTRE).exists()
    assert ReceptionPoint.objects.filter(receivers__contains=["mta"]).exists()


# --- idempotence and staff edits ------------------------------------------------------------------


MODELS = (Consulate, County, DetentionFacility, ReceptionPoint, ImmigrationCourt)


def test_second_run_creates_and_updates_nothing():
    before = {model: row_versions(model) for model in MODELS}
    report = network_load()
    assert sum(report.created.values()) == 0
    assert sum(report.updated.values()) == 0
    assert report.lines() == []
    for model in MODELS:
        assert row_versions(model) == before[model], model.__name__


def test_uncurated_edit_is_restored_from_the_data():
    county = County.objects.get(fips="48113")  # Dallas County
    county.consulate = Consulate.objects.get(slug="houston")
    county.name = "Renamed"
    county.save()
    facility = DetentionFacility.objects.get(name="Prairieland Detention Center")
    facility.city = "Elsewhere"
    facility.save()

    report = network_load()

    county.refresh_from_db()
    facility.refresh_from_db()
    assert (county.name, county.consulate.slug, county.curated) == ("Dallas", "dallas", False)
    assert facility.city != "Elsewhere"
    assert report.updated["county"] == 1
    assert report.updated["detentionfacility"] == 1
    assert sum(report.created.values()) == 0


def test_curated_edit_survives_a_re_run():
    county = County.objects.get(fips="48201")  # Harris County, Houston district in the data
    assert county.consulate.slug == "houston"
    county.consulate = Consulate.objects.get(slug="austin")
    mark_curated(county)
    county.save()
    consulate = Consulate.objects.get(slug="presidio")
    consulate.phone = "+1 432 000 0000"
    mark_curated(consulate)
    consulate.save()
    before = row_versions(County)

    report = network_load()

    county.refresh_from_db()
    consulate.refresh_from_db()
    assert (county.consulate.slug, county.basis, county.curated) == ("austin", Basis.STAFF, True)
    assert consulate.phone == "+1 432 000 0000"
    assert report.kept_staff_edits["county"] == 1
    assert report.kept_staff_edits["consulate"] == 1
    assert sum(report.updated.values()) == 0
    assert row_versions(County) == before
