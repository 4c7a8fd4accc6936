"""Registering a person who may already be on record (``cases.services.registration``): likely duplicates the
user may see are shown before anything is saved (the staff person page, the API's 409
``possible_duplicates``), and a new person is registered only once confirmed with a reason (kept as a review
resolved "different persons"); a duplicate of a person the user may not see is never shown nor hinted: the
person is saved and a review is opened for the consulate that owns the other record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import AccessLog, DuplicateReview, Person
from cases.models.identity import DuplicateResolution, DuplicateStatus
from cases.services.registration import PossibleDuplicates, person_register_screened
from tests.auth import login_verified
from tests.cases.admin.helpers import person_post
from tests.factories import (
    administrator,
    auditor,
    consulate,
    make_person,
    manager,
    officer,
    partner_user,
    supervisor,
)
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

# As a detainee list writes Dallas's Ramón Núñez Herrera: upper case, no accents, no maternal surname.
RAMON_AGAIN = {
    "given_names": "RAMON",
    "paternal_surname": "NUNEZ",
    "maternal_surname": "",
    "date_of_birth": dt.date(1987, 3, 14),
    "sex": "H",
}
# Houston's Ximena Quiñones Trejo, as a Dallas officer would type her.
XIMENA_AGAIN = {
    "given_names": "Ximena",
    "paternal_surname": "Quiñones",
    "maternal_surname": "Trejo",
    "date_of_birth": dt.date(1992, 8, 1),
    "sex": "M",
}
NOBODY = {
    "given_names": "Cuauhtémoc",
    "paternal_surname": "Xicoténcatl",
    "date_of_birth": dt.date(1999, 9, 9),
}


@dataclass
class World:
    officer_dallas: object
    officer_houston: object
    supervisor_dallas: object
    manager: object
    administrator: object
    auditor: object
    partner: object
    ramon: Person
    ximena: Person


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        officer_dallas = officer("dallas", first_name="Alicia", last_name="Dávila")
        officer_houston = officer("houston", first_name="Bruno", last_name="Beltrán")
        ramon = make_person(
            officer_dallas,
            given_names="Ramón",
            paternal_surname="Núñez",
            maternal_surname="Herrera",
            date_of_birth=dt.date(1987, 3, 14),
            sex="H",
        )
        ximena = make_person(officer_houston, **XIMENA_AGAIN)
        yield World(
            officer_dallas=officer_dallas,
            officer_houston=officer_houston,
            supervisor_dallas=supervisor("dallas"),
            manager=manager(),
            administrator=administrator(),
            auditor=auditor(),
            partner=partner_user(),
            ramon=ramon,
            ximena=ximena,
        )


@pytest.fixture
def world(module_world):
    return module_world


# --- the service -----------------------------------------------------------------------------------


def test_a_visible_likely_duplicate_stops_the_registration(world):
    before = Person.objects.count()
    with pytest.raises(PossibleDuplicates) as stopped:
        person_register_screened(actor=world.officer_dallas, **RAMON_AGAIN)
    assert [c.person for c in stopped.value.candidates] == [world.ramon]
    assert stopped.value.candidates[0].reasons_text
    assert Person.objects.count() == before


def test_a_new_person_is_registered_once_confirmed_with_a_reason_kept(world):
    person = person_register_screened(
        actor=world.officer_dallas,
        confirm_new_person=True,
        new_person_reason="  Su madre confirma que es su primo  ",
        **RAMON_AGAIN,
    )
    review = DuplicateReview.objects.get(person=person)
    assert review.candidate == world.ramon
    assert (review.status, review.resolution) == (DuplicateStatus.RESOLVED, DuplicateResolution.DISTINCT)
    assert review.resolution_note == "Su madre confirma que es su primo"
    assert (review.resolved_by, review.requested_by, review.source) == (
        world.officer_dallas,
        world.officer_dallas,
        "registration",
    )


def test_confirming_without_a_reason_is_a_field_error_and_saves_nothing(world):
    before = Person.objects.count()
    with pytest.raises(PossibleDuplicates) as stopped:
        person_register_screened(actor=world.officer_dallas, confirm_new_person=True, **RAMON_AGAIN)
    assert "new_person_reason" in stopped.value.message_dict
    assert Person.objects.count() == before


def test_nobody_alike_is_registered_without_a_question(world):
    person = person_register_screened(actor=world.officer_dallas, **NOBODY)
    assert person.pk
    assert not DuplicateReview.objects.filter(person=person).exists()


def test_a_duplicate_of_another_consulates_person_is_saved_and_reviewed_there(world):
    """Dallas registers Houston's Ximena: Dallas sees exactly what a new person gives; Houston gets the
    review, which Dallas cannot see."""
    person = person_register_screened(actor=world.officer_dallas, **XIMENA_AGAIN)
    review = DuplicateReview.objects.get(person=person)
    assert (review.candidate, review.status, review.source) == (
        world.ximena,
        DuplicateStatus.OPEN,
        "registration",
    )
    assert review.requesting_consulate == consulate("dallas")
    assert DuplicateReview.objects.visible_to(world.officer_houston).filter(pk=review.pk).exists()
    assert not DuplicateReview.objects.visible_to(world.officer_dallas).filter(pk=review.pk).exists()


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("officer_dallas", "shown"),
        ("supervisor_dallas", "shown"),
        ("administrator", "shown"),
        ("officer_houston", "refused"),  # registering for Dallas
        ("manager", "refused"),
        ("auditor", "refused"),
        ("partner", "refused"),
        ("anonymous", "refused"),
    ],
)
def test_who_is_shown_the_likely_duplicates_of_a_dallas_registration(world, role, outcome):
    actor = AnonymousUser() if role == "anonymous" else getattr(world, role)
    if outcome == "refused":
        with pytest.raises((PermissionDenied, ValidationError)) as refused:
            person_register_screened(actor=actor, consulate=consulate("dallas"), **RAMON_AGAIN)
        assert not isinstance(refused.value, PossibleDuplicates)
        return
    with pytest.raises(PossibleDuplicates):
        person_register_screened(actor=actor, consulate=consulate("dallas"), **RAMON_AGAIN)


def test_a_houston_officer_registering_ramon_for_houston_sees_nothing_and_dallas_reviews(world):
    person = person_register_screened(actor=world.officer_houston, **RAMON_AGAIN)
    review = DuplicateReview.objects.get(person=person, candidate=world.ramon)
    assert DuplicateReview.objects.visible_to(world.officer_dallas).filter(pk=review.pk).exists()


# --- the staff person page --------------------------------------------------------------------------


def _page_post(fields: dict, **extra) -> dict:
    data = person_post(
        given_names=fields["given_names"],
        paternal_surname=fields["paternal_surname"],
        maternal_surname=fields.get("maternal_surname", ""),
        date_of_birth=fields["date_of_birth"].isoformat(),
        sex=fields.get("sex", ""),
        curp="",
        registered_by=consulate("dallas").pk,
    )
    data.update(extra)
    return data


def test_the_page_shows_the_likely_duplicates_and_saves_nothing(client, world):
    login_verified(client, world.officer_dallas)
    before = Person.objects.count()
    response = client.post(reverse("admin:cases_person_add"), _page_post(RAMON_AGAIN))
    assert response.status_code == 200
    html = response.content.decode()
    assert "possible-duplicates" in html
    assert "Ramón Núñez Herrera" in html
    assert reverse("admin:cases_person_change", args=[world.ramon.pk]) in html
    assert "misma fecha de nacimiento" in html  # the reasons in words, in Spanish
    assert 'name="confirm_new_person"' in html
    assert Person.objects.count() == before
    # Showing the candidate was a read of that person's record: logged, and kept although the page was not.
    assert AccessLog.objects.filter(user=world.officer_dallas, person_id=world.ramon.pk).exists()


def test_the_page_registers_after_confirmation_with_a_reason(client, world):
    login_verified(client, world.officer_dallas)
    missing = client.post(reverse("admin:cases_person_add"), _page_post(RAMON_AGAIN, confirm_new_person="on"))
    assert missing.status_code == 200
    assert "new_person_reason" in missing.context["adminform"].form.errors
    saved = client.post(
        reverse("admin:cases_person_add"),
        _page_post(RAMON_AGAIN, confirm_new_person="on", new_person_reason="Otra madre, otro pueblo"),
    )
    assert saved.status_code == 302
    person = Person.objects.filter(given_names="RAMON").latest("pk")
    assert DuplicateReview.objects.get(person=person).resolution_note == "Otra madre, otro pueblo"


def test_the_page_gives_no_hint_of_another_consulates_person(client, world):
    login_verified(client, world.officer_dallas)
    response = client.post(reverse("admin:cases_person_add"), _page_post(XIMENA_AGAIN))
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "possible-duplicates" not in html
    assert "Houston" not in html


# --- the API ------------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    login_verified(api, user)
    return api


def _body(fields: dict, **extra) -> dict:
    return {**fields, "date_of_birth": fields["date_of_birth"].isoformat(), **extra}


def test_the_api_answers_409_with_the_visible_candidates(world):
    before = Person.objects.count()
    response = _api(world.officer_dallas).post("/api/v1/persons/", _body(RAMON_AGAIN), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicates"
    assert set(body["errors"]) >= {"non_field_errors", "confirm_new_person"}
    [candidate] = body["candidates"]
    assert candidate["id"] == world.ramon.pk
    assert candidate["registered_by"]["id"] == consulate("dallas").pk
    assert candidate["date_of_birth"] == "1987-03-14"
    assert "same_date_of_birth" in candidate["reasons"]
    assert len(candidate["reasons_text"]) == len(candidate["reasons"])
    assert Person.objects.count() == before


def test_the_api_registers_once_confirmed_with_a_reason(world):
    api = _api(world.officer_dallas)
    missing = api.post("/api/v1/persons/", _body(RAMON_AGAIN, confirm_new_person=True), format="json")
    assert missing.status_code == 409
    assert "new_person_reason" in missing.json()["errors"]
    saved = api.post(
        "/api/v1/persons/",
        _body(RAMON_AGAIN, confirm_new_person=True, new_person_reason="Otro Ramón, primo del primero"),
        format="json",
    )
    assert saved.status_code == 201, saved.content
    person = Person.objects.get(pk=saved.json()["id"])
    assert DuplicateReview.objects.get(person=person).resolution == DuplicateResolution.DISTINCT


def test_the_api_gives_no_hint_of_another_consulates_person(world):
    response = _api(world.officer_dallas).post("/api/v1/persons/", _body(XIMENA_AGAIN), format="json")
    assert response.status_code == 201
    assert "candidates" not in response.json()
    person = Person.objects.get(pk=response.json()["id"])
    assert DuplicateReview.objects.filter(person=person, candidate=world.ximena, status="open").exists()
