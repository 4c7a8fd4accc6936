"""The custody panel of the staff case page: the history in words, a move, a release, a search; field
errors in Spanish; a fixed number of queries whatever the history's length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CustodyEpisode
from consulates.models import DetentionFacility
from consulates.zones import zone_label
from tests.auth import login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]
JSON = {"HTTP_ACCEPT": "application/json"}
PRAIRIELAND = "Prairieland Detention Center"
EL_PASO = "El Paso Service Processing Center"


def facility(name):
    return DetentionFacility.objects.get(name=name)


def page(client, case):
    return client.get(reverse("workspace:case", args=[case.pk])).content.decode()


def test_a_move_is_recorded_from_the_page_and_shown_in_words(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    since = timezone.localdate() - dt.timedelta(days=1)
    response = client.post(
        reverse("workspace:case_custody_move", args=[case.pk]),
        {
            "move-facility": facility(EL_PASO).pk,
            "move-since": since.isoformat(),
            "move-source": "ice_locator",
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    assert "custody" in response.json()["parts"]
    html = page(client, case)
    assert EL_PASO in html
    with translation.override("es"):
        assert str(zone_label("America/Denver")) in html  # the facility's zone, not the page's
    assert 'id="custody-transfer-proposed"' in html  # El Paso's district: a transfer was proposed


def test_a_move_without_a_facility_is_a_field_error_in_spanish(client, world):
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("workspace:case_custody_move", args=[world.case_a.pk]),
        {"move-since": timezone.localdate().isoformat(), "move-source": "family"},
        **JSON,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert "centro" in response.json()["forms"]["move"]
    assert not CustodyEpisode.objects.filter(case=world.case_a, facility__name=EL_PASO).exists()


def test_a_facility_outside_the_network_is_added_with_the_move(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    response = client.post(
        reverse("workspace:case_custody_move", args=[case.pk]),
        {
            "move-since": timezone.localdate().isoformat(),
            "move-source": "ice_locator",
            "move-new_name": "Instalación de prueba en Luisiana",
            "move-new_city": "Jena",
            "move-new_state": "LA",
            "move-new_kind": "ice",
            "move-new_timezone": "America/Chicago",
        },
        **JSON,
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(pk=case.pk)
    assert (case.facility.name, case.facility.county, case.facility.added_by) == (
        "Instalación de prueba en Luisiana",
        None,
        world.officer_a,
    )
    assert not case.transfers.filter(status="pending").exists()  # no district outside the network


def test_a_facility_outside_the_network_needs_its_zone_and_nothing_is_kept(client, world):
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("workspace:case_custody_move", args=[world.case_a.pk]),
        {
            "move-since": timezone.localdate().isoformat(),
            "move-source": "ice_locator",
            "move-new_name": "Sin zona",
            "move-new_city": "Jena",
            "move-new_state": "LA",
            "move-new_kind": "ice",
        },
        **JSON,
    )
    assert response.status_code == 400
    assert not DetentionFacility.objects.filter(name="Sin zona").exists()


def test_the_panel_reads_a_fixed_number_of_queries(client, world):
    case = world.case_a
    login_verified(client, world.officer_a)

    def measure() -> int:
        page(client, case)
        with CaptureQueriesContext(connection) as captured:
            page(client, case)
        return len(captured)

    def work(i):
        services.custody_move(
            actor=world.officer_a, case=case, facility=facility((EL_PASO, PRAIRIELAND)[i % 2]),
            since=timezone.localdate() - dt.timedelta(days=20 - i),
        )  # fmt: skip
        services.locate_attempt_record(actor=world.officer_a, case=case, where="court", result="not_found")

    work(0)
    few = measure()
    for i in range(1, 6):
        work(i)
    assert measure() == few
