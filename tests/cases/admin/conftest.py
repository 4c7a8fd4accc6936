"""Two consulates' worth of staff and records for the staff-UI tests, and a strict template engine."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, Hearing, Person, Task
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import (
    administrator,
    auditor,
    make_case,
    make_person,
    manager,
    officer,
    partner_user,
    supervisor,
)


@dataclass
class World:
    officer_a: object
    supervisor_a: object
    officer_b: object
    manager: object
    administrator: object
    auditor: object
    partner: object
    inactive: object
    person_a: Person
    case_a: Case
    person_b: Person
    case_b: Case
    hearing_a: Hearing
    task_a: Task
    hearing_b: Hearing
    task_b: Task


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """Dallas (consulate A) and El Paso (consulate B): a person, a case, a hearing and a task each.

    The two persons share a surname with accents (Núñez), so a search for "nunez" would find both
    if visibility were not applied."""
    # Fixed staff names: a random one (Faker's "Ramón") would show in page headers and filters.
    officer_a = officer("dallas", first_name="Alicia", last_name="Dávila")
    officer_b = officer("el_paso", first_name="Bruno", last_name="Beltrán")
    inactive = officer("dallas", is_active=False, first_name="Inés", last_name="Inactiva")
    person_a = make_person(officer_a, given_names="Rosa", paternal_surname="Núñez", maternal_surname="Ortiz")
    person_b = make_person(
        officer_b,
        given_names="Ramón",
        paternal_surname="Núñez",
        maternal_surname="Peña",
        a_number="A-201-555-017",
    )
    case_a, case_b = make_case(officer_a, person=person_a), make_case(officer_b, person=person_b)
    when = timezone.now() + dt.timedelta(days=5)
    hearing_a = services.hearing_schedule(
        actor=officer_a, case=case_a, kind="master_calendar", starts_at=when, location="Dallas"
    )
    hearing_b = services.hearing_schedule(
        actor=officer_b, case=case_b, kind="master_calendar", starts_at=when, location="El Paso"
    )
    task_a = services.task_add(actor=officer_a, case=case_a, title="Visitar a Rosa", assignee=officer_a)
    task_b = services.task_add(actor=officer_b, case=case_b, title="Visitar a Ramón", assignee=officer_b)
    return World(
        officer_a=officer_a,
        supervisor_a=supervisor("dallas", first_name="Sofía", last_name="Salinas"),
        officer_b=officer_b,
        manager=manager(first_name="Mario", last_name="Mendoza"),
        administrator=administrator(first_name="Adela", last_name="Aguirre"),
        auditor=auditor(first_name="Aurora", last_name="Auditora"),
        partner=partner_user(first_name="Paula", last_name="Pérez"),
        inactive=inactive,
        person_a=person_a,
        case_a=Case.objects.get(pk=case_a.pk),
        person_b=person_b,
        case_b=Case.objects.get(pk=case_b.pk),
        hearing_a=hearing_a,
        task_a=task_a,
        hearing_b=hearing_b,
        task_b=task_b,
    )


@pytest.fixture
def strict_templates(settings):
    """Unresolvable template variables print a marker instead of nothing, so a test can see them."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = INVALID_MARKER + "{%s}"
    settings.TEMPLATES = templates
