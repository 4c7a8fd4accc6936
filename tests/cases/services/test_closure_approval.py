"""A closure needs a supervisor's approval when the case was urgent, or its person was flagged vulnerable,
at any time since the case was last opened or reopened: lowering the priority or clearing the flags
first does not let an officer close it alone (issue 15, item 4)."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import Case
from cases.models.case import Status
from cases.services.lifecycle import closure_needs_approval
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def supervisor():
    return f.supervisor("dallas")


def close(actor, case) -> str:
    return services.case_close_request(actor=actor, case=case, outcome="released").status


def test_an_ordinary_case_is_still_closed_by_the_officer(officer):
    case = f.make_case(officer)
    assert not Case.objects.get(pk=case.pk).closure_needs_approval
    assert close(officer, case) == Status.CLOSED


def test_lowering_the_priority_of_an_urgent_case_keeps_the_approval(officer):
    case = f.make_case(officer, priority="urgent")
    case = services.case_update(actor=officer, case=case, priority="normal")
    assert close(officer, case) == Status.PENDING_CLOSURE


def test_a_case_made_urgent_for_a_while_needs_the_approval(officer):
    case = f.make_case(officer)
    case = services.case_update(actor=officer, case=case, priority="urgent")
    case = services.case_update(actor=officer, case=case, priority="low")
    assert closure_needs_approval(Case.objects.select_related("person").get(pk=case.pk))
    assert close(officer, case) == Status.PENDING_CLOSURE


def test_clearing_the_vulnerability_flags_keeps_the_approval(officer):
    person = f.make_person(officer, is_minor=True, fears_return=True)
    case = f.make_case(officer, person=person)
    services.person_update(actor=officer, person=person, is_minor=False, fears_return=False)
    assert close(officer, Case.objects.get(pk=case.pk)) == Status.PENDING_CLOSURE


def test_a_person_flagged_after_the_opening_keeps_the_approval(officer):
    case = f.make_case(officer)
    services.person_update(actor=officer, person=case.person, has_disability=True)
    services.person_update(actor=officer, person=case.person, has_disability=False)
    assert close(officer, Case.objects.get(pk=case.pk)) == Status.PENDING_CLOSURE


def test_flags_cleared_by_another_consulate_keep_the_approval_of_every_open_case(officer):
    el_paso = f.officer("el_paso")
    person = f.make_person(el_paso, is_pregnant=True)
    services.case_open(actor=el_paso, person=person, consulate=person.registered_by, category="civil")
    case = services.case_open(actor=el_paso, person=person, consulate=person.registered_by, category="penal")
    services.person_update(actor=el_paso, person=person, is_pregnant=False)
    assert Case.objects.filter(person=person, closure_needs_approval=True).count() == 2
    assert close(el_paso, case) == Status.PENDING_CLOSURE


def test_a_rejected_closure_keeps_the_approval(officer, supervisor):
    case = f.make_case(officer, priority="urgent")
    case = services.case_update(actor=officer, case=case, priority="normal")
    services.case_close_request(actor=officer, case=case, outcome="released")
    services.case_close_reject(actor=supervisor, case=case, reason="Falta la constancia")
    assert close(officer, Case.objects.get(pk=case.pk)) == Status.PENDING_CLOSURE


def test_reopening_recomputes_from_the_current_values(officer, supervisor):
    case = f.make_case(officer, priority="urgent")
    case = services.case_update(actor=officer, case=case, priority="normal")
    services.case_close_request(actor=officer, case=case, outcome="released")
    services.case_close_approve(actor=supervisor, case=case)
    reopened = services.case_reopen(actor=officer, case=case, reason="Nueva detención")
    assert not reopened.closure_needs_approval  # neither urgent nor vulnerable now
    assert close(officer, reopened) == Status.CLOSED


def test_reopening_a_vulnerable_persons_case_keeps_the_approval(officer, supervisor):
    person = f.make_person(officer, is_older_adult=True)
    case = f.make_case(officer, person=person)
    services.case_close_request(actor=supervisor, case=case, outcome="released")
    reopened = services.case_reopen(actor=officer, case=case, reason="Nueva detención")
    assert reopened.closure_needs_approval
    assert close(officer, reopened) == Status.PENDING_CLOSURE


def test_a_supervisor_still_closes_directly(officer, supervisor):
    case = f.make_case(officer, priority="urgent")
    case = services.case_update(actor=officer, case=case, priority="normal")
    assert close(supervisor, case) == Status.CLOSED
