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


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("limit=abc", "limit"),
        ("limit=-1", "limit"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=1e2", "limit"),
        ("limit=%EF%BC%95", "limit"),  # a full-width digit: a digit to Python, not to the rule
        ("offset=x", "offset"),
        ("offset=-5", "offset"),
        ("offset=99999999999999999999999", "offset"),
    ],
)
def test_an_invalid_page_is_refused_naming_the_rule(officer_api, query, name):
    response = officer_api.get(f"/api/v1/cases/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], set(body["errors"])) == ("validation_error", {name})
    assert body["errors"][name][0].startswith("Enter a whole number from ")


def test_the_bounds_of_a_page_are_accepted(officer_api):
    for query in ("limit=1", "limit=100", "offset=0", "offset=1000000000", "limit=100&offset=3"):
        assert officer_api.get(f"/api/v1/cases/?{query}").status_code == 200, query


def test_a_search_body_bounds_its_offset(officer_api):
    response = officer_api.post("/api/v1/cases/search/", {"offset": 10**20}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"offset"}


def test_a_timeline_refuses_an_invalid_limit(officer_api):
    case = f.make_case(f.officer("dallas"))
    for limit in ("abc", "0", "101", "-3"):
        response = officer_api.get(f"/api/v1/cases/{case.pk}/timeline/?limit={limit}")
        assert response.status_code == 400, limit
        assert set(response.json()["errors"]) == {"limit"}


def test_a_partner_referral_detail_and_timeline_take_only_their_declared_parameters(
    api_partner_client, api_referral
):
    base = f"/api/v1/partner/referrals/{api_referral.pk}/"
    assert api_partner_client.get(base).status_code == 200
    for path, query in ((base, "fields=case"), (base, "limit=5"), (base + "timeline/", "search=Ruiz")):
        response = api_partner_client.get(f"{path}?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 400, (path, query)
        (name,) = response.json()["errors"]
        assert query.startswith(name)
        assert response.json()["errors"][name][0].startswith("Unknown parameter. This address takes:")
    timeline = api_partner_client.get(f"{base}timeline/?kind=partner_note&limit=10&since=2020-01-01T00:00Z")
    assert timeline.status_code == 200, timeline.content
    assert api_partner_client.get(f"{base}timeline/?limit=500").status_code == 400
