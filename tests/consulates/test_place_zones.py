"""Every county, facility and court carries its own zone (issue 20, error 2): loaded from
``consulates/data`` with their sources, idempotently, keeping staff edits."""

from __future__ import annotations

import pytest

from consulates.courts import CourtKind
from consulates.models import Basis, County, DetentionFacility, ImmigrationCourt
from consulates.services import mark_curated, network_load

pytestmark = pytest.mark.django_db

CENTRAL, MOUNTAIN = "America/Chicago", "America/Denver"


def test_albuquerque_serves_38_panhandle_counties_on_central_time():
    panhandle = County.objects.filter(consulate__slug="albuquerque", state="TX")
    assert panhandle.count() == 38
    assert set(panhandle.values_list("timezone", flat=True)) == {CENTRAL}
    lubbock = County.objects.get(state="TX", name="Lubbock")
    assert (lubbock.consulate.timezone, lubbock.zone_name) == (MOUNTAIN, CENTRAL)
    assert lubbock.timezone_basis == Basis.OFFICIAL
    assert "49 CFR 71.7" in lubbock.timezone_source


def test_only_el_paso_hudspeth_and_new_mexico_are_mountain():
    mountain = County.objects.filter(timezone=MOUNTAIN)
    assert set(mountain.filter(state="TX").values_list("name", flat=True)) == {"El Paso", "Hudspeth"}
    assert mountain.filter(state="NM").count() == County.objects.filter(state="NM").count() == 33
    assert not mountain.filter(state="OK").exists()
    assert not County.objects.filter(timezone="").exists()
    culberson = County.objects.get(state="TX", name="Culberson")
    assert culberson.timezone == CENTRAL
    assert "Guadalupe Mountains" in culberson.timezone_notes


def test_a_facility_keeps_its_countys_time_unless_staff_set_its_own():
    otero = DetentionFacility.objects.select_related("county").get(county__state="NM", county__name="Otero")
    assert (otero.timezone, otero.zone_name) == ("", MOUNTAIN)
    prairieland = DetentionFacility.objects.get(name="Prairieland Detention Center")
    assert prairieland.zone_name == CENTRAL
    prairieland.timezone = MOUNTAIN
    assert prairieland.zone_name == MOUNTAIN


def test_courts_and_federal_divisions_are_loaded_in_their_zones():
    courts = ImmigrationCourt.objects.all()
    assert courts.exclude(kind=CourtKind.FEDERAL_DISTRICT).count() == 22
    assert courts.filter(kind=CourtKind.FEDERAL_DISTRICT).count() == 31
    assert courts.get(name="El Paso SPC Immigration Court").timezone == MOUNTAIN
    assert courts.get(name="Dallas Immigration Court").timezone == CENTRAL
    cibola = courts.get(name="Cibola County Detention Center hearing location")
    assert cibola.control_court.name == "El Paso SPC Immigration Court"
    assert cibola.kind == CourtKind.HEARING_LOCATION
    karnes = courts.get(name="Karnes County Residential Center hearing location")
    assert karnes.control_court.name == "San Antonio Immigration Court"
    polk = courts.get(name="Polk County Detention Center hearing location")
    # The data names a court that is not among the loaded ones: its words are kept, no link is guessed.
    assert polk.control_court is None
    assert polk.control_court_note.startswith("Houston Service Processing Center")
    lubbock = courts.get(name="Northern District of Texas, Lubbock Division")
    assert (lubbock.abbreviation, lubbock.timezone, lubbock.basis) == ("N.D. Tex.", CENTRAL, "secondary")
    assert courts.get(name="Western District of Texas, El Paso Division").timezone == MOUNTAIN
    assert courts.get(name="District of New Mexico").timezone == MOUNTAIN
    assert all(court.source for court in courts)


def test_a_curated_county_gets_its_zone_filled_but_a_zone_staff_set_is_kept():
    potter = County.objects.get(state="TX", name="Potter")
    potter.consulate = potter.consulate.__class__.objects.get(slug="dallas")
    mark_curated(potter)
    potter.save()
    County.objects.filter(pk=potter.pk).update(timezone="", timezone_source="")  # as before zones existed
    randall = County.objects.get(state="TX", name="Randall")
    randall.timezone = MOUNTAIN
    mark_curated(randall)
    randall.save()

    report = network_load()

    potter.refresh_from_db()
    randall.refresh_from_db()
    assert (potter.consulate.slug, potter.timezone, potter.curated) == ("dallas", CENTRAL, True)
    assert "49 CFR" in potter.timezone_source
    assert randall.timezone == MOUNTAIN
    assert report.updated["county zone"] == 1
    assert network_load().updated["county zone"] == 0


def test_an_uncurated_court_is_restored_and_a_curated_one_kept():
    dallas = ImmigrationCourt.objects.get(name="Dallas Immigration Court")
    dallas.timezone = MOUNTAIN
    dallas.save()
    el_paso = ImmigrationCourt.objects.get(name="El Paso Immigration Court")
    el_paso.phone = "+1 915-000-0000"
    mark_curated(el_paso)
    el_paso.save()

    report = network_load()

    dallas.refresh_from_db()
    el_paso.refresh_from_db()
    assert dallas.timezone == CENTRAL
    assert el_paso.phone == "+1 915-000-0000"
    assert report.updated["immigrationcourt"] == 1
    assert report.kept_staff_edits["immigrationcourt"] == 1
