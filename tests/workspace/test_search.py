"""The global search: a name, a CURP, an A-number or a reference, only within what the user may see; near
misses offered as "did you mean"; "register a new person" for those who may; one access-log row per
search, without the term."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import AccessLog
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]

SEARCH = reverse("workspace:search")


def search(client, term: str):
    response = client.get(SEARCH, {"q": term})
    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:160]
    return response.context["results"], html


def test_a_name_finds_the_visible_person_and_their_cases(client, world):
    login_verified(client, world.officer_a)
    results, html = search(client, "nunez")  # accents ignored
    assert [p.pk for p in results.persons] == [world.person_a.pk]  # not El Paso's Núñez
    assert world.case_a.reference in html
    assert world.case_b.reference not in html


def test_a_reference_finds_the_case(client, world):
    login_verified(client, world.officer_a)
    results, _html = search(client, world.case_a.reference.lower())
    assert [c.pk for c in results.cases] == [world.case_a.pk]


def test_another_consulates_reference_finds_nothing(client, world):
    login_verified(client, world.officer_a)
    results, html = search(client, world.case_b.reference)
    assert results.empty
    assert "Ramón" not in html


def test_an_a_number_finds_the_person_for_those_who_see_them(client, world):
    login_verified(client, world.officer_b)
    results, _html = search(client, "A201555017")
    assert [p.pk for p in results.persons] == [world.person_b.pk]
    client.logout()
    login_verified(client, world.officer_a)
    assert search(client, "A201555017")[0].empty


def test_a_near_miss_is_offered_and_new_person_can_be_registered(client, world):
    login_verified(client, world.officer_a)
    results, html = search(client, "Nuñes")
    assert results.empty
    assert results.suggestions == ["Rosa Núñez Ortiz"]  # never El Paso's Ramón Núñez Peña
    assert reverse("admin:cases_person_add") in html


def test_the_manager_may_not_register(client, world):
    login_verified(client, world.manager)
    results, html = search(client, "zzzzzz")
    assert results.empty
    assert reverse("admin:cases_person_add") not in html
    assert {p.pk for p in search(client, "nunez")[0].persons} == {world.person_a.pk, world.person_b.pk}


def test_each_search_is_logged_without_its_term(client, world):
    login_verified(client, world.officer_a)
    before = AccessLog.objects.count()
    search(client, "Rosa Núñez")
    row = AccessLog.objects.order_by("-pk").first()
    assert AccessLog.objects.count() == before + 1
    assert row.user_id == world.officer_a.pk
    assert row.action == "list"
    assert "Rosa" not in row.what
    assert "q" in row.what


@pytest.mark.parametrize("role", ["auditor", "partner"])
def test_who_works_with_no_case_data_cannot_search(client, world, role):
    user = getattr(world, role)
    login_verified(client, user)
    response = client.get(SEARCH, {"q": "nunez"})
    assert response.status_code in (302, 403)


def test_a_search_costs_the_same_queries_for_more_results(client, world, django_assert_max_num_queries):
    login_verified(client, world.manager)
    with django_assert_max_num_queries(12):
        search(client, "nunez")
