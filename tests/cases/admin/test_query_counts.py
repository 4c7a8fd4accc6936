"""Staff-UI lists and the case and person pages run a fixed number of queries, whatever the number of
rows. Each page is measured twice, with few and with many rows, and the counts must be equal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import EmergencyContact
from consulates.models import DetentionFacility
from tests.auth import login_verified
from tests.factories import make_case, make_person

pytestmark = pytest.mark.django_db

LISTS = [
    "admin:cases_case_changelist",
    "admin:cases_person_changelist",
    "admin:cases_task_changelist",
    "admin:cases_hearing_changelist",
]
FEW, MANY = 5, 40  # both fit on one page (list_per_page is 50)


def _add_cases(world, count: int) -> None:
    """``count`` Dallas cases (and as many in El Paso), each different in what its row shows:
    assigned to one of two people or nobody, in custody or not, a vulnerable person or not, an open
    and a done task, a scheduled and a held hearing."""
    facility = DetentionFacility.objects.filter(active=True).order_by("pk").first()
    for i in range(count):
        for actor, colleague in ((world.officer_a, world.supervisor_a), (world.officer_b, None)):
            person = make_person(actor, is_older_adult=bool(i % 2))
            case = make_case(actor, person=person, facility=facility if i % 3 else None)
            assignee = (actor, colleague, None)[i % 3]
            if assignee is not None:
                services.case_assign(actor=actor, case=case, assignee=assignee)
            services.task_add(actor=actor, case=case, title=f"Tarea {i}", assignee=assignee)
            done = services.task_add(actor=actor, case=case, title=f"Hecha {i}", assignee=actor)
            services.task_complete(actor=actor, task=done)
            for days in (i + 1, i + 2):
                hearing = services.hearing_schedule(
                    actor=actor,
                    case=case,
                    kind="bond",
                    starts_at=timezone.now() + dt.timedelta(days=days),
                    location="Corte",
                )
            services.hearing_outcome_record(actor=actor, hearing=hearing, outcome="Celebrada")


def _queries(client, url) -> int:
    """Queries of one GET. Per-process caches (content types) are filled by an unmeasured GET first."""
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_list_queries_do_not_grow_with_rows(client, world, role):
    login_verified(client, getattr(world, role))
    _add_cases(world, FEW)
    few = {name: _queries(client, reverse(name)) for name in LISTS}
    _add_cases(world, MANY - FEW)
    many = {name: _queries(client, reverse(name)) for name in LISTS}
    assert many == few, f"queries per list with {FEW} and with {MANY} cases"
    rows = client.get(reverse("admin:cases_case_changelist")).context["cl"].result_list
    assert len(rows) > MANY  # the lists really showed the rows that were counted


def _grow_history(world, case, count: int) -> None:
    """Notes, tasks (open and done, two assignees) and hearings (scheduled, held, cancelled)."""
    actor = world.officer_a
    for i in range(count):
        services.case_note_add(actor=actor, case=case, kind="call", text=f"Llamada {i}")
        assignee = (actor, world.supervisor_a)[i % 2]
        task = services.task_add(actor=actor, case=case, title=f"Tarea {i}", assignee=assignee)
        if i % 2:
            services.task_complete(actor=actor, task=task)
        hearing = services.hearing_schedule(
            actor=actor,
            case=case,
            kind="bond",
            starts_at=timezone.now() + dt.timedelta(days=i + 1),
            location=f"Corte {i}",
        )
        if i % 3 == 1:
            services.hearing_outcome_record(actor=actor, hearing=hearing, outcome="Celebrada")
        elif i % 3 == 2:
            services.hearing_cancel(actor=actor, hearing=hearing, reason="Reprogramada")


# The editing page (officer), the read-only page (manager) and the page of a closed case.
@pytest.mark.parametrize(("role", "closed"), [("officer_a", False), ("manager", False), ("officer_a", True)])
def test_case_page_queries_do_not_grow_with_its_history(client, world, role, closed):
    login_verified(client, getattr(world, role))
    case = make_case(world.officer_a)
    url = reverse("admin:cases_case_change", args=[case.pk])
    empty = _queries(client, url)
    _grow_history(world, case, 3)
    if closed:
        services.case_close_request(actor=world.officer_a, case=case, outcome="released")
    few = _queries(client, url)
    if closed:
        services.case_reopen(actor=world.officer_a, case=case, reason="Seguir")
    _grow_history(world, case, 30)
    if closed:
        services.case_close_request(actor=world.officer_a, case=case, outcome="released")
    many = _queries(client, url)
    assert many == few, f"case page: {few} queries with 3 of each, {many} with 33"
    assert few <= empty + 3, f"case page: {empty} queries when new, {few} with some history"


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_person_page_queries_do_not_grow_with_cases_and_contacts(client, world, role):
    def add_contact(i):
        contact = EmergencyContact(name=f"Contacto {i}", relationship="hermano")
        services.emergency_contact_save(actor=world.officer_a, person=person, contact=contact)

    login_verified(client, getattr(world, role))
    person = world.person_a
    add_contact(0)
    url = reverse("admin:cases_person_change", args=[person.pk])
    few = _queries(client, url)
    for i in range(1, 16):
        make_case(world.officer_a, person=person, category="penal")
        add_contact(i)
    many = _queries(client, url)
    assert many == few, f"person page: {few} queries with 1 case and contact, {many} with 16 of each"
