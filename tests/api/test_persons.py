"""cases/api/persons.py: list, search, lookup, register, partial update with ETag/If-Match."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Person
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def garcia(api_officer):
    return f.make_person(
        api_officer, given_names="José Ángel", paternal_surname="García", maternal_surname="Núñez"
    )


@pytest.fixture
def perez(api_officer):
    return f.make_person(api_officer, given_names="Ana", paternal_surname="Pérez", maternal_surname="Ruiz")


# --- list and lookup ------------------------------------------------------------------------------


def test_list_shows_only_persons_of_my_consulate(api_officer_client, garcia, perez):
    f.make_person(f.officer("houston"), paternal_surname="García")
    assert sorted(ids(api_officer_client.get(url("persons/")))) == sorted([garcia.pk, perez.pk])


@pytest.mark.parametrize("term", ["garcia", "GARCÍA", "jose garcia", "angel nunez", "García Núñez"])
def test_search_ignores_accents_and_case(api_officer_client, garcia, perez, term):
    assert ids(api_officer_client.post(url("persons/search/"), {"search": term}, format="json")) == [
        garcia.pk
    ]


def test_search_needs_every_word(api_officer_client, garcia, perez):
    assert (
        ids(api_officer_client.post(url("persons/search/"), {"search": "garcia ruiz"}, format="json")) == []
    )


def test_search_finds_by_curp(api_officer_client, garcia, perez):
    assert ids(
        api_officer_client.post(url("persons/search/"), {"search": garcia.curp.lower()}, format="json")
    ) == [garcia.pk]


def test_lookup_by_curp(api_officer_client, garcia, perez):
    assert ids(api_officer_client.post(url("persons/search/"), {"curp": garcia.curp}, format="json")) == [
        garcia.pk
    ]
    assert ids(
        api_officer_client.post(url("persons/search/"), {"curp": garcia.curp.lower()}, format="json")
    ) == [garcia.pk]


@pytest.mark.parametrize("form", ["A-{a}-{b}-{c}", "A{a}{b}{c}", "{a}{b}{c}"])
def test_lookup_by_a_number_in_any_form(api_officer, api_officer_client, perez, form):
    person = f.make_person(api_officer, a_number="123456789")
    value = form.format(a="123", b="456", c="789")
    assert ids(api_officer_client.post(url("persons/search/"), {"a_number": value}, format="json")) == [
        person.pk
    ]


def test_lookup_by_a_malformed_a_number_finds_nothing(api_officer_client, perez):
    assert ids(api_officer_client.post(url("persons/search/"), {"a_number": "xyz"}, format="json")) == []


def test_lookup_of_a_foreign_persons_curp_finds_nothing(api_officer_client):
    foreign = f.make_person(f.officer("houston"))
    assert ids(api_officer_client.post(url("persons/search/"), {"curp": foreign.curp}, format="json")) == []


def test_updated_since(api_officer_client, garcia, perez):
    Person.objects.filter(pk=garcia.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(api_officer_client.get(url("persons/"), {"updated_since": since})) == [perez.pk]


def test_list_is_ordered_by_surname(api_officer_client, garcia, perez):
    assert ids(api_officer_client.get(url("persons/"))) == [garcia.pk, perez.pk]


def test_page_size_is_capped(api_officer, api_officer_client):
    for _ in range(3):
        f.make_person(api_officer)
    body = api_officer_client.get(url("persons/"), {"limit": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"]


# --- retrieve -----------------------------------------------------------------------------------------


def test_retrieve_has_etag(api_officer_client, garcia):
    response = api_officer_client.get(url(f"persons/{garcia.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == garcia.full_name
    assert body["curp"] == garcia.curp
    assert response["ETag"].startswith(f'"person-{garcia.pk}-')


def test_foreign_person_is_404(api_client, garcia):
    assert api_client(f.officer("houston")).get(url(f"persons/{garcia.pk}/")).status_code == 404


def test_partner_cannot_use_persons(api_partner_client, garcia):
    assert api_partner_client.get(url("persons/")).status_code == 403
    assert api_partner_client.get(url(f"persons/{garcia.pk}/")).status_code == 403


# --- create ---------------------------------------------------------------------------------------


def _new_person(**extra):
    data = {
        "given_names": "Lucía",
        "paternal_surname": "Martínez",
        "date_of_birth": "1991-04-05",
        "sex": "M",
        "curp": f.make_curp(date_of_birth=dt.date(1991, 4, 5), sex="M"),
        "a_number": "A-987-654-321",
        "languages": ["español"],
        "is_minor": False,
        "fears_return": True,
    }
    data.update(extra)
    return data


def test_create_registers_for_my_consulate_with_etag(api_officer_client):
    data = _new_person()
    response = api_officer_client.post(url("persons/"), data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert person.registered_by == f.consulate("dallas")
    assert person.curp == data["curp"]
    assert person.a_number == "987654321"
    assert person.fears_return is True
    assert body["vulnerability"]["fears_return"] is True
    assert response["ETag"] == f'"person-{person.pk}-{person.updated_at.isoformat()}"'


def test_create_records_the_street_addresses(api_officer_client):
    response = api_officer_client.post(
        url("persons/"),
        _new_person(
            us_address=" 3301  Sample Ave, Apt 9\nHouston, TX 77009 ",
            mexico_address="Calle Ficticia 40, Col. Ejemplo\nCelaya, Guanajuato",
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["us_address"] == "3301 Sample Ave, Apt 9\nHouston, TX 77009"
    assert body["mexico_address"] == "Calle Ficticia 40, Col. Ejemplo\nCelaya, Guanajuato"
    person = Person.objects.get(pk=body["id"])
    assert (person.us_address, person.mexico_address) == (body["us_address"], body["mexico_address"])
    assert api_officer_client.get(url(f"persons/{person.pk}/")).json()["us_address"] == person.us_address


def test_an_address_too_long_is_a_field_error_in_spanish_and_registers_no_one(api_officer_client):
    response = api_officer_client.post(
        url("persons/"), _new_person(mexico_address="Calle Ficticia " + "8" * 300), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"mexico_address": ["Este campo admite como máximo 300 caracteres."]}
    assert not Person.objects.filter(paternal_surname="Martínez").exists()


def test_create_refuses_a_duplicate_curp(api_officer_client, garcia):
    response = api_officer_client.post(
        url("persons/"),
        _new_person(curp=garcia.curp, date_of_birth=str(garcia.date_of_birth), sex=garcia.sex),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "curp": ["A person with this CURP is already registered in the network."]
    }
    assert Person.objects.with_curp(garcia.curp).count() == 1


def test_create_refuses_a_duplicate_a_number_typed_another_way(api_officer_client, api_officer):
    existing = f.make_person(api_officer, a_number="A-012-345-678")
    response = api_officer_client.post(
        url("persons/"), _new_person(a_number="12345678"), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "a_number": ["A person with this A-number is already registered in the network."]
    }
    assert list(Person.objects.with_a_number("012345678")) == [existing]


def test_create_refuses_a_curp_that_disagrees_with_the_birth_date(api_officer_client):
    response = api_officer_client.post(
        url("persons/"), _new_person(date_of_birth="1980-01-01"), format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"curp"}


def test_create_accepts_a_curp_with_x_for_a_non_binary_person(api_officer_client):
    curp = f.make_curp(date_of_birth=dt.date(1991, 4, 5), sex="X")
    response = api_officer_client.post(url("persons/"), _new_person(sex="X", curp=curp), format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["sex"], response.json()["curp"]) == ("X", curp)


def test_create_refuses_a_curp_with_x_for_a_person_recorded_as_female(api_officer_client):
    curp = f.make_curp(date_of_birth=dt.date(1991, 4, 5), sex="X")
    response = api_officer_client.post(
        url("persons/"), _new_person(curp=curp), format="json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"curp"}
    assert "sexo" in errors["curp"][0]
    assert not Person.objects.with_curp(curp).exists()


def test_create_refuses_a_malformed_a_number(api_officer_client):
    response = api_officer_client.post(url("persons/"), _new_person(a_number="12"), format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"a_number"}


def test_create_for_another_consulate_is_403(api_officer_client):
    response = api_officer_client.post(
        url("persons/"), _new_person(registered_by=f.consulate("houston").pk), format="json"
    )
    assert response.status_code == 403
    assert not Person.objects.filter(paternal_surname="Martínez").exists()


def test_manager_cannot_register(api_manager_client):
    response = api_manager_client.post(
        url("persons/"), _new_person(registered_by=f.consulate("dallas").pk), format="json"
    )
    assert response.status_code == 403


def test_network_wide_caller_must_choose_the_consulate(api_client):
    response = api_client(f.administrator()).post(url("persons/"), _new_person(), format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"registered_by"}


# --- partial update -------------------------------------------------------------------------------


def test_patch_without_if_match_is_428(api_officer_client, garcia):
    response = api_officer_client.patch(url(f"persons/{garcia.pk}/"), {"phone": "555"}, format="json")
    assert response.status_code == 428
    garcia.refresh_from_db()
    assert garcia.phone == ""


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(api_officer_client, garcia):
    stale = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    fresh = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"), {"phone": "111"}, format="json", HTTP_IF_MATCH=stale
    )
    assert fresh.status_code == 200
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"),
        {"phone": "222", "given_names": "Otro"},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    assert response.json()["type"] == "stale_version"
    garcia.refresh_from_db()
    assert (garcia.phone, garcia.given_names) == ("111", "José Ángel")


def test_patch_with_the_etag_of_another_person_is_412(api_officer_client, garcia, perez):
    other = api_officer_client.get(url(f"persons/{perez.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"), {"phone": "222"}, format="json", HTTP_IF_MATCH=other
    )
    assert response.status_code == 412


def test_patch_with_current_etag_changes_and_returns_a_new_etag(api_officer_client, garcia):
    etag = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"),
        {"phone": "+1 214 555 0100", "contact_consent": True},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["phone"] == "+1 214 555 0100"
    assert response["ETag"] != etag
    garcia.refresh_from_db()
    assert garcia.phone == "+1 214 555 0100"
    assert garcia.contact_consent_at is not None
    assert response["ETag"] == api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]


def test_patch_field_errors_change_nothing(api_officer_client, garcia):
    etag = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"), {"phone": "999", "curp": "NOTACURP"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"curp"}
    garcia.refresh_from_db()
    assert garcia.phone == ""


def test_patch_changes_and_clears_an_address(api_officer_client, garcia):
    etag = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"),
        {"us_address": "12 Demo Rd\nLaredo, TX 78040", "mexico_address": "Privada Muestra 3, Tepic"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200, response.json()
    garcia.refresh_from_db()
    assert (garcia.us_address, garcia.mexico_address) == (
        "12 Demo Rd\nLaredo, TX 78040",
        "Privada Muestra 3, Tepic",
    )
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"), {"us_address": ""}, format="json", HTTP_IF_MATCH=response["ETag"]
    )
    assert response.status_code == 200, response.json()
    garcia.refresh_from_db()
    assert (garcia.us_address, garcia.mexico_address) == ("", "Privada Muestra 3, Tepic")


def test_patch_ignores_the_registering_consulate(api_officer_client, garcia):
    etag = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"),
        {"registered_by": f.consulate("houston").pk},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 200
    garcia.refresh_from_db()
    assert garcia.registered_by == f.consulate("dallas")


def test_manager_cannot_patch(api_manager_client, garcia):
    etag = api_manager_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_manager_client.patch(
        url(f"persons/{garcia.pk}/"), {"phone": "1"}, format="json", HTTP_IF_MATCH=etag
    )
    assert response.status_code == 403
    garcia.refresh_from_db()
    assert garcia.phone == ""


def test_put_is_not_allowed(api_officer_client, garcia):
    assert api_officer_client.put(url(f"persons/{garcia.pk}/"), {}, format="json").status_code == 405


# --- issue 15: an identifier held by a person the caller cannot see is reviewed, never confirmed ---

REVIEW_NOTICE = "The CURP was not recorded: it needs review by an administrator. Everything else was saved."


def test_create_with_a_curp_held_by_a_hidden_person_saves_the_rest_and_opens_a_review(api_officer_client):
    from cases.models import AccessLog, IdentifierReview

    hidden = f.make_person(f.officer("el_paso"), date_of_birth=dt.date(1991, 4, 5), sex="M")
    response = api_officer_client.post(
        url("persons/"),
        _new_person(curp=hidden.curp, a_number="A-555-444-333"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 201, response.json()
    assert b"already registered" not in response.content
    body = response.json()
    assert (body["curp"], body["a_number"]) == (None, "555444333")
    assert body["notices"] == {"curp": [REVIEW_NOTICE]}
    review = IdentifierReview.objects.get(attempted_person_id=body["id"])
    assert (review.kind, review.existing_person) == ("curp", hidden)
    assert AccessLog.objects.filter(action="identifier_review", person_id=hidden.pk).exists()
    assert "notices" not in api_officer_client.get(url(f"persons/{body['id']}/")).json()


def test_patch_with_an_a_number_held_by_a_hidden_person_is_reviewed(api_officer_client, garcia):
    hidden = f.make_person(f.officer("houston"), a_number="A-444-333-222")
    etag = api_officer_client.get(url(f"persons/{garcia.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{garcia.pk}/"),
        {"a_number": "444333222", "phone": "+1 214 555 0199"},
        format="json",
        HTTP_IF_MATCH=etag,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["notices"] == {
        "a_number": [
            "The A-number was not recorded: it needs review by an administrator. Everything else was saved."
        ]
    }
    garcia.refresh_from_db()
    assert (garcia.a_number, garcia.phone) == (None, "+1 214 555 0199")
    assert hidden.identifier_reviews_as_existing.get().attempted_person == garcia


def test_too_many_reviews_answer_429(api_officer_client, settings):
    from django.core.cache import cache

    settings.IDENTIFIER_REVIEW_RATE_PER_USER = "1/h"
    cache.clear()
    el_paso = f.officer("el_paso")
    first, second = (f.make_person(el_paso, date_of_birth=dt.date(1991, 4, 5), sex="M") for _ in range(2))
    ok = api_officer_client.post(url("persons/"), _new_person(curp=first.curp, a_number=""), format="json")
    assert ok.status_code == 201
    # Another given name: the same one with the same date of birth would be a likely duplicate of the first (409)
    response = api_officer_client.post(
        url("persons/"),
        _new_person(curp=second.curp, a_number="", given_names="Rocío"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    cache.clear()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 429
    assert "review" in body["detail"]
    assert Person.objects.filter(paternal_surname="Martínez").count() == 1
