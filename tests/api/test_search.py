"""Searches by name or identifier go in a POST body, never in the address: ``POST persons/search/`` and
``POST cases/search/`` take every filter of their list plus ``limit``/``offset``; the lists' GET refuses
``search``, ``curp`` and ``a_number`` with a field error naming the POST route."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from api import throttling
from api.models import IdempotencyRecord
from cases.api.case_filters import CaseFilter, CaseSearchFilter, CaseSearchSerializer
from cases.api.persons import PersonFilter, PersonSearchFilter, PersonSearchSerializer
from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def search(client, what: str, body, **extra):
    return client.post(url(f"{what}/search/"), body, format="json", **extra)


@pytest.fixture
def gomez(api_officer):
    return f.make_person(
        api_officer,
        given_names="María José",
        paternal_surname="Gómez",
        maternal_surname="Ávila",
        a_number="A-204-613-579",
    )


def test_the_body_takes_every_filter_of_the_list_and_the_personal_ones():
    for list_filter, search_filter, body in (
        (PersonFilter, PersonSearchFilter, PersonSearchSerializer),
        (CaseFilter, CaseSearchFilter, CaseSearchSerializer),
    ):
        expected = {*list_filter.base_filters, "search", "curp", "a_number"}
        assert set(search_filter.base_filters) == expected
        assert set(body().fields) == expected | {"limit", "offset"}


@pytest.mark.parametrize("value", ["A-204-613-579", "A204613579", "204613579", "a 204 613 579"])
def test_person_search_by_a_number_with_or_without_dashes(api_officer_client, gomez, value):
    f.make_person(f.officer("dallas"))
    assert ids(search(api_officer_client, "persons", {"a_number": value})) == [gomez.pk]


def test_person_search_by_curp_and_by_name_words(api_officer_client, gomez):
    other = f.make_person(f.officer("dallas"), paternal_surname="Ramírez")
    assert ids(search(api_officer_client, "persons", {"curp": gomez.curp.lower()})) == [gomez.pk]
    assert ids(search(api_officer_client, "persons", {"search": "gomez avila"})) == [gomez.pk]
    assert ids(search(api_officer_client, "persons", {"search": "MARIA gómez"})) == [gomez.pk]
    assert ids(search(api_officer_client, "persons", {"search": gomez.curp})) == [gomez.pk]
    assert ids(search(api_officer_client, "persons", {"search": "ramirez"})) == [other.pk]


def test_the_answer_has_the_lists_items_and_its_page(api_officer_client, gomez):
    listed = api_officer_client.get(url("persons/"), {"limit": 5}).json()["results"]
    body = search(api_officer_client, "persons", {"search": "gomez"}).json()
    assert set(body) == {"count", "limit", "offset", "results"}
    assert (body["count"], body["limit"], body["offset"]) == (1, 25, 0)
    assert body["results"] == [item for item in listed if item["id"] == gomez.pk]


def test_limit_and_offset_page_through_the_results(api_officer, api_officer_client):
    people = [f.make_person(api_officer, paternal_surname="Ortega") for _ in range(5)]
    everyone = ids(search(api_officer_client, "persons", {"search": "ortega", "limit": 100}))
    assert sorted(everyone) == sorted(p.pk for p in people)
    page = search(api_officer_client, "persons", {"search": "ortega", "limit": 2, "offset": 2}).json()
    assert (page["count"], page["limit"], page["offset"]) == (5, 2, 2)
    assert [item["id"] for item in page["results"]] == everyone[2:4]
    beyond = search(api_officer_client, "persons", {"search": "ortega", "offset": 10}).json()
    assert (beyond["count"], beyond["results"]) == (5, [])


def test_case_search_combines_identifiers_and_other_filters(api_officer, api_officer_client, gomez):
    open_case = f.make_case(api_officer, person=gomez)
    urgent = f.make_case(api_officer, person=gomez, priority="urgent")
    f.make_case(api_officer)  # someone else's case
    assert sorted(ids(search(api_officer_client, "cases", {"curp": gomez.curp}))) == sorted(
        [open_case.pk, urgent.pk]
    )
    body = {"a_number": "204613579", "priority": ["urgent"]}
    assert ids(search(api_officer_client, "cases", body)) == [urgent.pk]
    body = {"search": "gomez", "priority": ["normal"], "ordering": ["-opened_at"]}
    assert urgent.pk not in ids(search(api_officer_client, "cases", body))
    assert ids(search(api_officer_client, "cases", {"search": urgent.reference})) == [urgent.pk]


@pytest.mark.parametrize(
    ("role", "sees"),
    [("officer_dallas", True), ("supervisor_dallas", True), ("officer_houston", False), ("manager", True)],
)
def test_a_search_shows_only_what_the_role_may_see(gomez, api_officer, role, sees):
    case = f.make_case(api_officer, person=gomez)
    users = {
        "officer_dallas": lambda: f.officer("dallas"),
        "supervisor_dallas": lambda: f.supervisor("dallas"),
        "officer_houston": lambda: f.officer("houston"),
        "manager": f.manager,
    }
    client = csrf_client(users[role]())
    assert ids(search(client, "persons", {"curp": gomez.curp})) == ([gomez.pk] if sees else [])
    assert ids(search(client, "cases", {"curp": gomez.curp})) == ([case.pk] if sees else [])


def test_partners_and_anonymous_callers_are_refused(api_partner_user, api_token_client, client):
    partner, _token = api_token_client(api_partner_user)
    assert search(partner, "persons", {"search": "x"}).status_code == 403
    assert search(partner, "cases", {"search": "x"}).status_code == 403
    assert client.post(url("persons/search/"), {}, content_type="application/json").status_code == 401


@pytest.mark.parametrize("what", ["persons", "cases"])
@pytest.mark.parametrize("name", ["curp", "a_number", "search"])
def test_the_list_refuses_personal_filters_in_the_address(api_officer_client, what, name):
    response = api_officer_client.get(url(f"{what}/"), {name: "GOAM900101MDFMVR05"})
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["errors"] == {
        name: [
            f"Los identificadores y los nombres se buscan con POST /api/v1/{what}/search/, para que "
            "nunca aparezcan en las direcciones."
        ]
    }
    english = api_officer_client.get(url(f"{what}/"), {name: "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["errors"][name] == [
        f"Identifiers and names are searched with POST /api/v1/{what}/search/, so that they never "
        "appear in addresses."
    ]


def test_field_errors_in_the_users_language(api_officer_client):
    body = {"limit": 0, "status": ["nope"], "consulate": 999999, "assigned_to": "someone"}
    response = search(api_officer_client, "cases", body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"limit", "status.0", "consulate", "assigned_to"}
    assert errors["limit"] == ["El valor debe ser mayor o igual que 1."]
    english = search(api_officer_client, "persons", {"updated_since": "ayer"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert list(english.json()["errors"]) == ["updated_since"]
    assert english.json()["errors"]["updated_since"][0].startswith("Datetime has wrong format.")
    not_an_object = search(api_officer_client, "persons", ["gomez"])
    assert not_an_object.status_code == 400


def test_a_search_is_not_idempotency_recorded(api_officer_client, gomez):
    """It creates nothing: the header is ignored, nothing (no copy of the answer) is stored, and a
    second search with the same key and another body is simply answered."""
    first = search(api_officer_client, "persons", {"curp": gomez.curp}, HTTP_IDEMPOTENCY_KEY="k-1")
    again = search(api_officer_client, "persons", {"search": "nadie"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert ids(again) == []
    assert "Idempotent-Replayed" not in again
    assert IdempotencyRecord.objects.count() == 0


def test_a_search_counts_against_the_users_rate_limit(monkeypatch, api_officer_client, gomez):
    """Like every call: the list and the search share the user's budget."""
    cache.clear()
    table = {"token": "100/min", "user": "3/min"}
    for throttle in (throttling.TokenRateThrottle, throttling.UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", table)
    try:
        codes = [api_officer_client.get(url("persons/")).status_code]
        codes += [search(api_officer_client, "persons", {"search": "x"}).status_code for _ in range(3)]
    finally:
        cache.clear()
    assert codes == [200, 200, 200, 429]
