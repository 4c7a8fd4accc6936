"""A list refuses a query parameter it does not know (400, a field error per parameter, in the
caller's language), instead of ignoring it and answering every row as if unfiltered."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_api():
    client = APIClient()
    login_verified(client, f.officer("dallas"))
    return client


def test_a_typo_in_a_filter_is_refused_not_ignored(officer_api):
    f.make_case(f.officer("dallas"))
    response = officer_api.get("/api/v1/cases/?stauts=open")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"stauts"}
    message = body["errors"]["stauts"][0]
    assert message.startswith("Parámetro desconocido.")
    assert "status" in message  # the parameters the list does take
    assert officer_api.get("/api/v1/cases/?status=open&limit=5&offset=0").status_code == 200


def test_the_message_follows_the_language_asked_for(officer_api):
    response = officer_api.get("/api/v1/persons/?colour=red", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"]["colour"][0].startswith("Unknown parameter.")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/",
        "/api/v1/persons/",
        "/api/v1/transfers/",
        "/api/v1/referrals/",
        "/api/v1/tasks/",
        "/api/v1/consents/",
    ],
)
def test_every_staff_list_refuses_an_unknown_parameter_and_takes_its_paging(officer_api, path):
    assert officer_api.get(f"{path}?unknown=1").status_code == 400
    assert officer_api.get(f"{path}?limit=2&offset=0").status_code == 200


def test_a_partner_search_by_name_is_refused():
    _token, raw = ApiToken.objects.create(user=f.partner_user(), expiry=dt.timedelta(days=1), name="sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    response = client.get("/api/v1/partner/referrals/?search=Ruiz")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"search"}
    assert client.get("/api/v1/partner/referrals/?status=pending").status_code == 200


def test_a_timeline_keeps_its_own_parameters(officer_api):
    case = f.make_case(f.officer("dallas"))
    assert officer_api.get(f"/api/v1/cases/{case.pk}/timeline/?kind=note&limit=10").status_code == 200
