"""The staff API of the removal plan (decision 0025): the time, mode, carrier and flight number on the
case, field errors in the caller's language, and the warnings about a vulnerable person's removal with
their acknowledgement."""

from __future__ import annotations

import pytest

from cases.models import RemovalWarningAck
from consulates.models import ReceptionPoint
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def _etag(client, case) -> str:
    return client.get(url(f"cases/{case.pk}/"))["ETag"]


def point(name_start: str) -> ReceptionPoint:
    return ReceptionPoint.objects.get(name__startswith=name_start)


def test_patch_records_a_flight_and_the_case_shows_it(api_officer_client, api_case):
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {
            "expected_removal_date": "2031-03-12",
            "expected_removal_time": "22:30",
            "reception_point": point("Tapachula").pk,
            "removal_mode": "flight",
            "removal_flight_number": "am 1234",
        },
        format="json",
        HTTP_IF_MATCH=_etag(api_officer_client, api_case),
    )
    assert response.status_code == 200, response.content
    shown = response.json()
    assert (shown["expected_removal_time"], shown["removal_mode"], shown["removal_flight_number"]) == (
        "22:30:00",
        "flight",
        "AM 1234",
    )
    assert shown["removal_carrier"] == ""


def test_patch_refuses_a_bus_to_an_airport_in_spanish_and_writes_nothing(api_officer_client, api_case):
    tag = _etag(api_officer_client, api_case)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"expected_removal_date": "2031-03-12", "reception_point": point("AIFA").pk, "removal_mode": "bus"},
        format="json",
        HTTP_IF_MATCH=tag,
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "removal_mode": [
            "Una remoción en autobús o a pie llega a un puerto fronterizo terrestre: elija un puerto "
            "terrestre como punto de recepción, u otro medio."
        ]
    }
    assert _etag(api_officer_client, api_case) == tag


def test_warnings_are_listed_and_acknowledged(api_officer, api_officer_client):
    person = f.make_person(api_officer, is_unaccompanied_minor=True, is_minor=True)
    case = f.make_case(api_officer, person=person)
    api_officer_client.patch(
        url(f"cases/{case.pk}/"),
        {"expected_removal_date": "2031-03-12", "reception_point": point("Ojinaga").pk},
        format="json",
        HTTP_IF_MATCH=_etag(api_officer_client, case),
    )
    listed = api_officer_client.get(url(f"cases/{case.pk}/removal-warnings/"), HTTP_ACCEPT_LANGUAGE="es")
    assert listed.status_code == 200
    [warning] = listed.json()
    assert warning["key"] == f"dif:{point('Ojinaga').pk}"
    assert "menor no acompañado" in warning["text"]
    assert (warning["seen"], warning["seen_by"], warning["reason"]) == (False, None, "")

    empty = api_officer_client.post(url(f"cases/{case.pk}/removal-warnings/"), {"reason": " "}, format="json")
    assert empty.status_code == 400
    seen = api_officer_client.post(
        url(f"cases/{case.pk}/removal-warnings/"), {"reason": "La tía lo recibe en Ojinaga."}, format="json"
    )
    assert seen.status_code == 200, seen.content
    [warning] = api_officer_client.get(url(f"cases/{case.pk}/removal-warnings/")).json()
    assert warning["seen"] is True
    assert warning["seen_by"]["id"] == api_officer.pk
    assert warning["reason"] == "La tía lo recibe en Ojinaga."
    assert RemovalWarningAck.objects.filter(case=case).count() == 1


def test_another_consulate_gets_404(api_case):
    from tests.api.conftest import csrf_client

    houston = csrf_client(f.officer("houston"))
    assert houston.get(url(f"cases/{api_case.pk}/removal-warnings/")).status_code == 404
    assert (
        houston.post(
            url(f"cases/{api_case.pk}/removal-warnings/"), {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
