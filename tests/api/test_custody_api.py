"""The staff API's custody and locate history of a case: list and record, field errors in the caller's
language, and a fixed number of queries whatever the history's length."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case
from consulates.models import DetentionFacility
from tests import factories as f

pytestmark = pytest.mark.django_db

PRAIRIELAND = "Prairieland Detention Center"
MONTGOMERY = "Montgomery ICE Processing Center"
EL_PASO = "El Paso Service Processing Center"


def facility(name):
    return DetentionFacility.objects.get(name=name)


def url(name, case):
    return reverse(f"v1:case-{name}", kwargs={"version": "v1", "pk": case.pk})


@pytest.fixture
def detained(api_officer):
    return f.make_case(
        api_officer,
        facility=facility(PRAIRIELAND),
        detained_since=timezone.localdate() - dt.timedelta(days=30),
    )


def test_a_move_is_recorded_and_listed_with_the_facility_zone(api_officer_client, detained):
    since = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = api_officer_client.post(
        url("custody", detained),
        {"facility": facility(EL_PASO).pk, "since": since, "source": "ice_locator", "agency": "ice_ero"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["timezone"] == "America/Denver"
    listed = api_officer_client.get(url("custody", detained)).json()
    assert [row["facility_name"] for row in listed] == [PRAIRIELAND, EL_PASO]
    assert [row["ended_by"] for row in listed] == ["moved", ""]
    assert Case.objects.get(pk=detained.pk).facility.name == EL_PASO


def test_a_refused_move_names_the_field_in_spanish(api_officer_client, detained):
    response = api_officer_client.post(
        url("custody", detained),
        {"facility": facility(PRAIRIELAND).pk, "since": timezone.localdate().isoformat(), "source": "family"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert "centro" in response.json()["errors"]["facility"][0]


def test_release_and_verify(api_officer_client, detained):
    verified = api_officer_client.post(url("custody-verified", detained), format="json")
    assert verified.status_code == 200, verified.content
    released = api_officer_client.post(
        url("custody-release", detained),
        {"on": timezone.localdate().isoformat(), "source": "court"},
        format="json",
    )
    assert released.status_code == 201, released.content
    assert released.json()["ended_by"] == "released"
    again = api_officer_client.post(url("custody-verified", detained), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "not_in_custody"


def test_a_search_that_found_the_person_records_the_custody(api_officer_client, detained):
    response = api_officer_client.post(
        url("locate-attempts", detained),
        {
            "where": "ice_locator",
            "result": "found",
            "facility": facility(MONTGOMERY).pk,
            "record_custody": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get(pk=detained.pk).facility.name == MONTGOMERY
    listed = api_officer_client.get(url("locate-attempts", detained)).json()
    assert [row["result"] for row in listed] == ["found"]


def test_the_lists_read_a_fixed_number_of_queries(api_officer, api_officer_client, detained):
    def measure(name) -> int:
        api_officer_client.get(url(name, detained))
        with CaptureQueriesContext(connection) as captured:
            assert api_officer_client.get(url(name, detained)).status_code == 200
        return len(captured)

    def work(i):
        target = (EL_PASO, PRAIRIELAND)[i % 2]
        services.custody_move(
            actor=api_officer, case=detained, facility=facility(target),
            since=timezone.localdate() - dt.timedelta(days=20 - i),
        )  # fmt: skip
        services.locate_attempt_record(actor=api_officer, case=detained, where="court", result="not_found")

    work(0)
    few = {name: measure(name) for name in ("custody", "locate-attempts")}
    for i in range(1, 8):
        work(i)
    assert {name: measure(name) for name in ("custody", "locate-attempts")} == few
