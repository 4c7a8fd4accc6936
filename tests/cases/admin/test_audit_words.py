"""The audit pages in human terms: who (the user's name), which record (a case's reference; a person's
name only for administrators, ``audit.values``), what happened and which fields in Spanish, when in words
with the zone; searchable by case reference, and by a person's name where the role may see names. Their
queries do not grow with the rows."""

from __future__ import annotations

import pghistory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import services
from cases.models import AccessLog
from tests.auth import login_verified
from tests.cases.admin.conftest import build_world
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

EVENTS = reverse("admin:pghistory_middlewareevents_changelist")
LOG = reverse("admin:cases_accesslog_changelist")


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        world = build_world()
        with pghistory.context(user=world.officer_a.pk, url="/admin/cases/case/"):
            world.case_a = services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
            services.person_update(actor=world.officer_a, person=world.person_a, phone="+1 214 555 0177")
        yield world


@pytest.fixture
def world(module_world):
    return module_world


def _html(client, url, **params) -> str:
    response = client.get(url, params, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_trail_says_who_what_record_what_changed_and_when(client, world):
    login_verified(client, world.auditor)
    html = _html(client, EVENTS, case=world.case_a.reference)
    assert world.case_a.reference in html  # the record by its reference
    assert "Alicia Dávila (" in html  # who, by name (and username)
    assert "se modificó" in html
    assert "se creó" in html
    assert "prioridad" in html  # the changed field, in Spanish
    assert "Caso" in html  # the record type, in Spanish
    assert "(CST)" in html or "(CDT)" in html  # when, with the zone
    for raw in (">update<", ">insert<", "cases.Case", "priority,"):
        assert raw not in html


def test_an_auditor_sees_a_person_by_number_an_administrator_by_name(client, world):
    login_verified(client, world.auditor)
    html = _html(client, EVENTS, person=world.person_a.pk)
    assert f"persona n.º {world.person_a.pk}" in html
    assert world.person_a.given_names not in html
    assert "+1 214 555 0177" not in html
    login_verified(client, world.administrator)
    html = _html(client, EVENTS, person=world.person_a.pk)
    assert world.person_a.full_name in html
    assert "+1 214 555 0177" in html  # the values: administrators only


def test_administrators_find_a_person_by_name_auditors_do_not(client, world):
    login_verified(client, world.administrator)
    response = client.get(EVENTS, {"person": "rosa nunez"})
    found = {(row.pgh_obj_model, int(row.pgh_obj_id)) for row in response.context["cl"].result_list}
    assert ("cases.Person", world.person_a.pk) in found
    assert ("cases.Person", world.person_b.pk) not in found  # Ramón Núñez is not Rosa
    client.get(reverse("admin:cases_person_change", args=[world.person_a.pk]))
    names = {row.person_id for row in client.get(LOG, {"person": "rosa nunez"}).context["cl"].result_list}
    assert names == {world.person_a.pk}

    login_verified(client, world.auditor)
    assert list(client.get(EVENTS, {"person": "rosa nunez"}).context["cl"].result_list) == []
    assert list(client.get(LOG, {"person": "rosa nunez"}).context["cl"].result_list) == []


def test_the_access_log_names_reader_case_and_what_was_read(client, world):
    login_verified(client, world.officer_a)
    client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    login_verified(client, world.auditor)
    html = _html(client, LOG, case=world.case_a.reference)
    assert "Alicia Dávila (" in html
    assert f"?case={world.case_a.reference}" in html  # the case links to every read of it, by reference
    assert "un caso · interfaz del personal" in html
    assert "admin: case" not in html
    assert f"persona n.º {world.case_a.person_id}" in html
    assert world.person_a.given_names not in html


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_audit_pages_queries_do_not_grow_with_rows(client, world):
    login_verified(client, world.administrator)
    urls = [f"{EVENTS}?since=2000-01-01", LOG]
    for _ in range(2):
        client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    few = [_queries(client, url) for url in urls]
    with pghistory.context(user=world.officer_b.pk):
        for number in range(6):
            services.case_note_add(
                actor=world.officer_b, case=world.case_b, kind="call", text=f"Llamada {number}"
            )
            services.person_update(
                actor=world.officer_b, person=world.person_b, phone=f"+1 915 555 01{number:02d}"
            )
    login_verified(client, world.officer_b)
    for _ in range(6):
        client.get(reverse("admin:cases_person_change", args=[world.person_b.pk]))
    login_verified(client, world.administrator)
    assert AccessLog.objects.count() >= 8
    many = [_queries(client, url) for url in urls]
    assert many == few
