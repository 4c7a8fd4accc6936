"""consulates/api: read-only reference data for every authenticated caller (staff and partners)."""

from __future__ import annotations

import pytest

from consulates.models import Consulate, County, DetentionFacility, ImmigrationCourt, Partner, ReceptionPoint
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db

ROUTES = {
    "consulates": Consulate,
    "counties": County,
    "facilities": DetentionFacility,
    "reception-points": ReceptionPoint,
    "courts": ImmigrationCourt,
    "partners": Partner,
}


@pytest.mark.parametrize("route", ROUTES)
def test_staff_list_and_retrieve(api_officer_client, route):
    model = ROUTES[route]
    if model is Partner:
        f.PartnerFactory()
    response = api_officer_client.get(url(f"{route}/"))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == model.objects.count()
    first = body["results"][0]
    detail = api_officer_client.get(url(f"{route}/{first['id']}/"))
    assert detail.status_code == 200
    assert detail.json() == first
    assert detail["ETag"]


@pytest.mark.parametrize("route", ROUTES)
def test_partner_reads_reference_data(api_partner_client, route):
    response = api_partner_client.get(url(f"{route}/"))
    assert response.status_code == 200
    assert response.json()["count"] >= 1


@pytest.mark.parametrize("route", ROUTES)
def test_reference_data_is_read_only(api_client, route):
    client = api_client(f.administrator())
    response = client.post(url(f"{route}/"), {"name": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["status"] == 405


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_gets_401(route):
    from rest_framework.test import APIClient

    response = APIClient().get(url(f"{route}/"))
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"


def test_counties_filter_by_district_consulate(api_officer_client):
    dallas = f.consulate("dallas")
    response = api_officer_client.get(url("counties/"), {"consulate": dallas.pk, "limit": 100})
    body = response.json()
    assert body["count"] == County.objects.filter(consulate=dallas).count() > 0
    assert {row["consulate"] for row in body["results"]} == {dallas.pk}
    assert {row["consulate_code"] for row in body["results"]} == {dallas.code}


def test_facilities_filter_by_district_consulate(api_officer_client):
    dallas = f.consulate("dallas")
    response = api_officer_client.get(url("facilities/"), {"district_consulate": dallas.pk, "limit": 100})
    body = response.json()
    assert body["count"] == DetentionFacility.objects.filter(county__consulate=dallas).count() > 0
    assert {row["district_consulate"] for row in body["results"]} == {dallas.pk}


def test_partners_filter_by_service_and_consulate(api_officer_client):
    shelter = f.PartnerFactory(covers=["dallas"], services=["shelter"])
    f.PartnerFactory(covers=["houston"], services=["shelter"])
    f.PartnerFactory(covers=["dallas"], services=["medical"])
    response = api_officer_client.get(
        url("partners/"), {"service": "shelter", "consulate": f.consulate("dallas").pk}
    )
    assert [row["id"] for row in response.json()["results"]] == [shelter.pk]


def test_partner_contact_is_for_staff_only(api_officer_client, api_partner_client, api_partner):
    api_partner.contact_name = "Ana Ruiz"
    api_partner.save()
    staff = api_officer_client.get(url(f"partners/{api_partner.pk}/")).json()
    assert staff["contact"]["name"] == "Ana Ruiz"
    partner = api_partner_client.get(url(f"partners/{api_partner.pk}/")).json()
    assert partner["contact"] is None


def test_unknown_reference_record_is_404(api_officer_client):
    response = api_officer_client.get(url("consulates/999999/"))
    assert response.status_code == 404
    assert response.json()["type"] == "not_found"
