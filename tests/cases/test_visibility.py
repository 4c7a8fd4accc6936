"""``visible_to(user)`` for every case-scoped model: one matrix of roles against two consulates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, EmergencyContact, Hearing, Person, Task
from tests import factories as f

pytestmark = pytest.mark.django_db


@dataclass
class Office:
    """One consulate's records: a person with a case, its hearing, task and timeline."""

    person: Person
    case: Case
    hearing: Hearing
    task: Task
    contact: EmergencyContact


def _office(slug: str) -> Office:
    officer = f.officer(slug)
    person = f.make_person(officer)
    case = f.make_case(officer, person=person)
    hearing = services.hearing_schedule(
        actor=officer,
        case=case,
        kind="master_calendar",
        starts_at=timezone.now() + dt.timedelta(days=3),
        location="Immigration Court",
    )
    task = services.task_add(actor=officer, case=case, title="Visita")
    contact = services.emergency_contact_save(
        actor=officer, person=person, contact=EmergencyContact(name="Contacto")
    )
    return Office(person, case, hearing, task, contact)


@pytest.fixture
def offices() -> dict[str, Office]:
    return {"dallas": _office("dallas"), "houston": _office("houston")}


def _superuser_without_membership():
    return f.UserFactory(is_staff=True, is_superuser=True)


def _staff_without_membership():
    return f.UserFactory(is_staff=True)


ROLES = {
    # role: (make the user, consulates whose records it sees)
    "dallas-officer": (lambda: f.officer("dallas"), {"dallas"}),
    "dallas-supervisor": (lambda: f.supervisor("dallas"), {"dallas"}),
    "houston-officer": (lambda: f.officer("houston"), {"houston"}),
    "el-paso-officer": (lambda: f.officer("el_paso"), set()),
    "manager": (f.manager, {"dallas", "houston"}),
    "administrator": (f.administrator, {"dallas", "houston"}),
    "auditor": (f.auditor, set()),  # network-wide, but for the audit trail and access log only
    "superuser-without-membership": (_superuser_without_membership, {"dallas", "houston"}),
    "staff-without-membership": (_staff_without_membership, set()),
    "partner-user": (f.partner_user, set()),
    "inactive-dallas-officer": (lambda: f.officer("dallas", is_active=False), set()),
    "inactive-manager": (lambda: f.manager(is_active=False), set()),
    "anonymous": (AnonymousUser, set()),
}

MODELS = {
    "case": (Case, lambda o: [o.case]),
    "person": (Person, lambda o: [o.person]),
    "event": (CaseEvent, lambda o: list(o.case.events.all())),
    "hearing": (Hearing, lambda o: [o.hearing]),
    "task": (Task, lambda o: [o.task]),
    "emergency-contact": (EmergencyContact, lambda o: [o.contact]),
}


@pytest.mark.parametrize("model_name", MODELS)
@pytest.mark.parametrize("role", ROLES)
def test_visibility_matrix(offices, role, model_name):
    make_user, sees = ROLES[role]
    model, records_of = MODELS[model_name]
    user = make_user()
    expected = {record.pk for slug in sees for record in records_of(offices[slug])}
    everything = {record.pk for office in offices.values() for record in records_of(office)}
    assert len(everything) >= len(offices)  # records of both consulates exist
    visible = set(model.objects.visible_to(user).filter(pk__in=everything).values_list("pk", flat=True))
    assert visible == expected


def test_a_person_becomes_visible_to_a_consulate_that_opens_a_case_for_them(offices):
    houston_officer = f.officer("houston")
    dallas_person = offices["dallas"].person
    assert not Person.objects.visible_to(houston_officer).filter(pk=dallas_person.pk).exists()
    f.make_case(f.administrator(), person=dallas_person, consulate=f.consulate("houston"))
    fresh = type(houston_officer).objects.get(pk=houston_officer.pk)  # the access cache is per object
    assert Person.objects.visible_to(fresh).filter(pk=dallas_person.pk).exists()
    # ... but the Dallas case stays invisible to Houston.
    assert not Case.objects.visible_to(fresh).filter(pk=offices["dallas"].case.pk).exists()


def test_registered_person_without_a_case_is_visible_to_the_registering_consulate():
    dallas_officer = f.officer("dallas")
    person = f.make_person(dallas_officer)
    assert Person.objects.visible_to(dallas_officer).filter(pk=person.pk).exists()
    assert not Person.objects.visible_to(f.officer("houston")).filter(pk=person.pk).exists()


def test_visible_to_is_a_filter_not_a_fetch(offices):
    """The rule composes with other filters and does not multiply rows (no join fan-out)."""
    manager = f.manager()
    events = CaseEvent.objects.visible_to(manager).filter(case__in=[o.case for o in offices.values()])
    assert events.count() == len(set(events.values_list("pk", flat=True)))
    dallas_officer = f.officer("dallas")
    f.make_case(dallas_officer, person=offices["dallas"].person)  # a second case for the same person
    persons = Person.objects.visible_to(dallas_officer).filter(pk=offices["dallas"].person.pk)
    assert persons.count() == 1
