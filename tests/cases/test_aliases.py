"""A person's other names: added and removed through ``cases.services.aliases`` (rule ``person.edit``), a
duplicate of the main name or of another alias refused with a field error, shown and edited on the person's
staff page, found by every person search (the workspace's, its "did you mean", the API's, the staff list's)
only within what the user may see, and carrying the person's date of birth in their match keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from cases import services
from cases.models import Person, PersonAlias
from cases.services.aliases import alias_add, alias_remove
from tests.auth import login_verified
from tests.cases.admin.helpers import admin_search, inline_management, person_post
from tests.factories import (
    administrator,
    auditor,
    make_person,
    manager,
    officer,
    partner_user,
    supervisor,
)
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db


@dataclass
class World:
    officer_dallas: object
    officer_houston: object
    supervisor_dallas: object
    manager: object
    administrator: object
    auditor: object
    partner: object
    ramon: Person  # Dallas
    ximena: Person  # Houston


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
        ximena = make_person(
            officer_houston,
            given_names="Ximena",
            paternal_surname="Quiñones",
            maternal_surname="Trejo",
            date_of_birth=dt.date(1992, 8, 1),
            sex="M",
        )
        alias_add(actor=officer_houston, person=ximena, given_names="Jimena", paternal_surname="Kinones")
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
    module_world.ramon.refresh_from_db()
    return module_world


# --- the service ------------------------------------------------------------------------------------


def test_an_alias_is_recorded_with_the_persons_date_of_birth_in_its_keys(world):
    alias = alias_add(
        actor=world.officer_dallas,
        person=world.ramon,
        given_names=" RAMON ",
        paternal_surname="NUNES",
        source="detainee_list",
    )
    assert (alias.given_names, alias.paternal_surname, alias.maternal_surname) == ("RAMON", "NUNES", "")
    assert alias.created_by == world.officer_dallas
    assert "y:ns:rmn:1987" in alias.match_keys  # the name pair with the person's year of birth
    assert "w:rmn:1987-03-14" in alias.match_keys


@pytest.mark.parametrize(
    ("given", "paternal", "maternal"),
    [("Ramón", "Núñez", "Herrera"), ("RAMON", "NUNEZ", "HERRERA"), ("ramón ", " núñez", "herrera")],
    ids=["same", "upper-case-no-accents", "spacing"],
)
def test_the_main_name_again_is_refused_beside_the_field(world, given, paternal, maternal):
    with pytest.raises(ValidationError) as refused:
        alias_add(
            actor=world.officer_dallas,
            person=world.ramon,
            given_names=given,
            paternal_surname=paternal,
            maternal_surname=maternal,
        )
    assert list(refused.value.message_dict) == ["given_names"]
    assert not world.ramon.aliases.exists()


def test_another_alias_again_is_refused_beside_the_field(world):
    alias_add(actor=world.officer_dallas, person=world.ramon, given_names="Ramon", paternal_surname="Nunes")
    with pytest.raises(ValidationError) as refused:
        alias_add(
            actor=world.officer_dallas, person=world.ramon, given_names="RAMÓN", paternal_surname="nunes"
        )
    assert list(refused.value.message_dict) == ["given_names"]
    assert world.ramon.aliases.count() == 1


def test_an_alias_needs_given_names_and_a_surname(world):
    with pytest.raises(ValidationError) as refused:
        alias_add(actor=world.officer_dallas, person=world.ramon, given_names=" ", paternal_surname="")
    assert set(refused.value.message_dict) == {"given_names", "paternal_surname"}


def test_an_alias_follows_a_change_of_the_date_of_birth(world):
    alias = alias_add(
        actor=world.officer_dallas, person=world.ramon, given_names="Ray", paternal_surname="Nunez"
    )
    services.person_update(
        actor=world.officer_dallas, person=world.ramon, date_of_birth=dt.date(1987, 4, 14), curp=""
    )
    alias.refresh_from_db()
    assert "w:ns:1987-04-14" in alias.match_keys
    assert "w:ns:1987-03-14" not in alias.match_keys


def test_removing_an_alias(world):
    alias = alias_add(
        actor=world.officer_dallas, person=world.ramon, given_names="Ray", paternal_surname="Nunez"
    )
    alias_remove(actor=world.officer_dallas, alias=alias)
    assert not PersonAlias.objects.filter(pk=alias.pk).exists()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("officer_dallas", True),
        ("officer_houston", False),
        ("supervisor_dallas", True),
        ("manager", False),
        ("administrator", True),
        ("auditor", False),
        ("partner", False),
        ("anonymous", False),
    ],
)
def test_who_may_add_and_remove_a_dallas_persons_aliases(world, role, allowed):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if role == "anonymous" else getattr(world, role)
    if not allowed:
        with pytest.raises(PermissionDenied):
            alias_add(actor=actor, person=world.ramon, given_names="Ray", paternal_surname="Nunez")
        alias = alias_add(
            actor=world.officer_dallas, person=world.ramon, given_names="Ray", paternal_surname="Nunez"
        )
        with pytest.raises(PermissionDenied):
            alias_remove(actor=actor, alias=alias)
        assert PersonAlias.objects.filter(pk=alias.pk).exists()
        return
    alias = alias_add(actor=actor, person=world.ramon, given_names="Ray", paternal_surname="Nunez")
    alias_remove(actor=actor, alias=alias)
    assert not world.ramon.aliases.exists()


def test_an_anonymised_persons_aliases_cannot_be_added(world):
    Person.objects.filter(pk=world.ramon.pk).update(anonymised_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        alias_add(actor=world.officer_dallas, person=world.ramon, given_names="Ray", paternal_surname="Nunez")


# --- searches ---------------------------------------------------------------------------------------


def test_the_workspace_search_finds_a_person_by_another_name_and_only_where_visible(client, world):
    login_verified(client, world.officer_houston)
    response = client.get(reverse("workspace:search"), {"q": "jimena kinones"})
    assert [p.pk for p in response.context["results"].persons] == [world.ximena.pk]
    client.logout()
    login_verified(client, world.officer_dallas)
    response = client.get(reverse("workspace:search"), {"q": "jimena kinones"})
    assert response.context["results"].empty
    assert response.context["results"].suggestions == []  # not even as "did you mean"


def test_did_you_mean_offers_another_name(client, world):
    login_verified(client, world.officer_houston)
    response = client.get(reverse("workspace:search"), {"q": "kinonez"})
    results = response.context["results"]
    assert results.empty
    assert "Jimena Kinones" in results.suggestions


def test_the_api_search_finds_a_person_by_another_name(world):
    api = APIClient()
    login_verified(api, world.officer_houston)
    response = api.post("/api/v1/persons/search/", {"search": "Kinones"}, format="json")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.ximena.pk]
    api = APIClient()
    login_verified(api, world.officer_dallas)
    response = api.post("/api/v1/persons/search/", {"search": "Kinones"}, format="json")
    assert response.json()["count"] == 0


def test_the_staff_person_list_finds_a_person_by_another_name(client, world):
    login_verified(client, world.officer_houston)
    response = admin_search(client, reverse("admin:cases_person_changelist"), "kinones")
    assert [p.pk for p in response.context["cl"].result_list] == [world.ximena.pk]


def test_a_search_by_the_main_name_still_finds_the_person_once(client, world):
    alias_add(
        actor=world.officer_houston, person=world.ximena, given_names="Ximena", paternal_surname="Quinones"
    )
    login_verified(client, world.officer_houston)
    response = client.get(reverse("workspace:search"), {"q": "ximena quinones"})
    assert [p.pk for p in response.context["results"].persons] == [world.ximena.pk]


# --- the person's page --------------------------------------------------------------------------------


def _change_post(person, **extra) -> dict:
    data = person_post(
        given_names=person.given_names,
        paternal_surname=person.paternal_surname,
        maternal_surname=person.maternal_surname,
        date_of_birth=person.date_of_birth.isoformat(),
        sex=person.sex,
        curp=person.curp or "",
        registered_by=person.registered_by_id,
    )
    data.update(extra)
    return data


def test_the_person_page_adds_and_removes_other_names(client, world):
    login_verified(client, world.officer_dallas)
    url = reverse("admin:cases_person_change", args=[world.ramon.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "aliases-TOTAL_FORMS" in page.content.decode()
    added = client.post(
        url,
        _change_post(
            world.ramon,
            **inline_management("aliases", total=1),
            **{
                "aliases-0-given_names": "RAMON",
                "aliases-0-paternal_surname": "NUNES",
                "aliases-0-source": "detainee_list",
            },
        ),
    )
    assert added.status_code == 302, added.context["adminform"].form.errors if added.context else added
    alias = world.ramon.aliases.get()
    assert (alias.given_names, alias.source) == ("RAMON", "detainee_list")
    removed = client.post(
        url,
        _change_post(
            world.ramon,
            **inline_management("aliases", total=1, initial=1),
            **{"aliases-0-id": alias.pk, "aliases-0-person": world.ramon.pk, "aliases-0-DELETE": "on"},
        ),
    )
    assert removed.status_code == 302
    assert not world.ramon.aliases.exists()


def test_the_person_page_refuses_the_main_name_as_another_name_beside_the_field(client, world):
    login_verified(client, world.officer_dallas)
    url = reverse("admin:cases_person_change", args=[world.ramon.pk])
    response = client.post(
        url,
        _change_post(
            world.ramon,
            **inline_management("aliases", total=1),
            **{
                "aliases-0-given_names": "ramon",
                "aliases-0-paternal_surname": "nunez",
                "aliases-0-maternal_surname": "herrera",
                "aliases-0-source": "other",
            },
        ),
    )
    assert response.status_code == 200
    formset = next(f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "aliases")
    assert "given_names" in formset.formset.forms[0].errors
    assert not world.ramon.aliases.exists()
