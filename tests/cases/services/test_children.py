"""cases/services/children.py and the closure rules for children (cases/services/lifecycle.py): the agency's
case and requests (each open request a task), the versioned assessment, and a child's case closed only by a
supervisor and, as repatriated, only once the DIF confirmed receiving the child."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import AgencyRequest, ChildAssessment, Task
from cases.models.case import Status
from cases.models.children import ASSESSMENT_FORMS, AssessmentForm, Question
from cases.models.work import TaskKind
from consulates.models import Partner, PartnerKind, ReceptionPoint
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CHILD_BORN = TODAY - dt.timedelta(days=365 * 10)  # ten years old, and no minor flag ticked


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def dfps():
    return Partner.objects.get(kind=PartnerKind.CHILD_WELFARE, state="TX")


@pytest.fixture
def child_case(officer):
    person = f.make_person(officer, date_of_birth=CHILD_BORN)
    return f.make_case(officer, person=person)


@pytest.fixture
def adult_case(officer):
    return f.make_case(officer, person=f.make_person(officer, date_of_birth=dt.date(1990, 5, 5)))


@pytest.fixture
def dif_point():
    return ReceptionPoint.objects.filter(receivers__contains=["dif"], offered=True).order_by("name").first()


def assess(officer, case, **overrides):
    values = {
        "situation": "unaccompanied",
        "age_basis": "document",
        "victim_of_trafficking": "no",
        "at_risk_of_trafficking": "no",
        "fears_return": "no",
        "can_decide_alone": "yes",
        "guardian_name": "Rosa Elena Martínez",
        "guardian_relationship": "abuela",
        "guardian_check": "dif",
        "dif_office_text": "DIF Tamaulipas, CAMEF Matamoros",
    }
    values.update(overrides)
    return services.child_assess(actor=officer, case=case, **values)


def repatriate(officer, case, point, *, confirm: bool):
    services.case_update(
        actor=officer, case=case, expected_removal_date=TODAY - dt.timedelta(days=1), reception_point=point
    )
    handoff = services.handoff_prepare(
        actor=officer, case=case, warnings_reason="Reunificación con su abuela"
    )
    if confirm:
        services.handoff_confirm(actor=officer, handoff=handoff, received_by_name="Lic. Teresa Gómez (DIF)")
    return handoff


# --- who is a child -----------------------------------------------------------------------------------


def test_a_person_under_18_on_the_cases_day_is_a_child_without_any_flag(child_case, adult_case):
    assert child_case.is_child_case
    assert not child_case.person.is_minor
    assert not adult_case.is_child_case


def test_without_a_birth_date_the_minor_flag_decides(officer):
    person = f.make_person(officer, date_of_birth=None, curp="", is_unaccompanied_minor=True)
    assert f.make_case(officer, person=person).is_child_case


# --- the agency's case and its requests ---------------------------------------------------------------


def test_the_agency_case_is_recorded_once_and_corrected_with_its_version(officer, child_case, dfps):
    before = last_event_pk(child_case)
    record = services.child_welfare_record(
        actor=officer,
        case=child_case,
        agency=dfps,
        agency_case_number="DFPS-48213377",
        court_cause_number="DF-26-01234",
        caseworker_name="Laura Benavides",
        caseworker_phone="+1 214 555 0188",
        advocate_kind="casa",
        advocate_name="Martha Reyes",
    )
    again = services.child_welfare_record(
        actor=officer, case=child_case, expected_version=record.version, court_cause_number="DF-26-09999"
    )
    assert (again.pk, again.version, again.court_cause_number) == (record.pk, 2, "DF-26-09999")
    assert again.agency_case_number == "DFPS-48213377"  # a field left out keeps its value
    with pytest.raises(ValidationError) as stale:
        services.child_welfare_record(actor=officer, case=child_case, expected_version=1, notes="x")
    assert error_codes(stale.value) == {"stale"}
    kinds = [e.kind for e in new_events(child_case, before)]
    assert kinds.count("child_welfare") == 2
    # the phone is stored encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT caseworker_phone FROM cases_childwelfarecase WHERE id = %s", [record.pk])
        assert "555" not in cursor.fetchone()[0]


def test_the_agency_must_be_a_child_welfare_agency(officer, child_case):
    ngo = f.PartnerFactory()
    with pytest.raises(ValidationError) as exc:
        services.child_welfare_record(actor=officer, case=child_case, agency=ngo)
    assert error_fields(exc.value) == {"agency"}


def test_an_adults_case_gets_no_agency_case_or_assessment(officer, adult_case, dfps):
    with pytest.raises(ValidationError) as exc:
        services.child_welfare_record(actor=officer, case=adult_case, agency=dfps)
    assert error_codes(exc.value) == {"not_a_child"}
    with pytest.raises(ValidationError):
        assess(officer, adult_case)


def test_another_consulates_officer_is_refused(child_case, dfps):
    with pytest.raises(PermissionDenied):
        services.child_welfare_record(actor=f.officer("houston"), case=child_case, agency=dfps)


def test_an_open_request_is_a_task_due_on_its_date_and_done_completes_it(officer, child_case, dfps):
    services.child_welfare_record(actor=officer, case=child_case, agency=dfps)
    due = TODAY + dt.timedelta(days=14)
    locate = services.agency_request_add(actor=officer, case=child_case, kind="locate_family", due_date=due)
    study = services.agency_request_add(
        actor=officer, case=child_case, kind="home_study", due_date=due + dt.timedelta(days=30)
    )
    tasks = Task.objects.filter(case=child_case, kind=TaskKind.AGENCY_REQUEST, done=False)
    assert sorted(t.due_date for t in tasks) == [due, due + dt.timedelta(days=30)]  # two open at once
    moved = services.agency_request_update(
        actor=officer, request=locate, due_date=due + dt.timedelta(days=7), status="in_progress"
    )
    assert Task.objects.get(pk=moved.task_id).due_date == due + dt.timedelta(days=7)
    services.agency_request_update(actor=officer, request=moved, status="done", resolution="Madre localizada")
    assert Task.objects.get(pk=moved.task_id).done
    # marking the other request's task done from the tasks panel marks the request done
    services.task_complete(actor=officer, task=Task.objects.get(pk=study.task_id))
    assert AgencyRequest.objects.get(pk=study.pk).status == "done"


def test_a_declined_request_says_why_and_other_says_what(officer, child_case, dfps):
    services.child_welfare_record(actor=officer, case=child_case, agency=dfps)
    with pytest.raises(ValidationError) as other:
        services.agency_request_add(actor=officer, case=child_case, kind="other")
    assert error_fields(other.value) == {"description"}
    request = services.agency_request_add(actor=officer, case=child_case, kind="birth_certificates")
    with pytest.raises(ValidationError) as declined:
        services.agency_request_update(actor=officer, request=request, status="declined")
    assert error_fields(declined.value) == {"resolution"}


def test_a_request_needs_the_agency_case_first(officer, child_case):
    with pytest.raises(ValidationError) as exc:
        services.agency_request_add(actor=officer, case=child_case, kind="locate_family")
    assert error_codes(exc.value) == {"no_agency_case"}


# --- the assessment -----------------------------------------------------------------------------------


def test_an_assessment_is_complete_only_with_every_screening_answer(officer, child_case):
    partial = assess(officer, child_case, fears_return="unknown")
    full = assess(officer, child_case)
    assert (partial.complete, full.complete) == (False, True)
    assert list(ChildAssessment.objects.filter(case=child_case)) == [full, partial]  # latest first, both kept


def test_an_assessment_needs_the_situation_and_how_the_age_was_determined(officer, child_case):
    with pytest.raises(ValidationError) as exc:
        assess(officer, child_case, situation="", age_basis="")
    assert error_fields(exc.value) == {"situation", "age_basis"}


def test_saved_answers_keep_the_questions_of_their_version(officer, child_case, monkeypatch):
    old = assess(officer, child_case)
    first_question = dict(old.answers())
    # A new version of the form is published with a reworded question.
    current = ASSESSMENT_FORMS["2026-1"]
    reworded = tuple(
        Question(q.field, "¿Teme volver a México? (nueva redacción)", q.screening)
        if q.field == "fears_return"
        else q
        for q in current.questions
    )
    monkeypatch.setitem(ASSESSMENT_FORMS, "2027-1", AssessmentForm("2027-1", reworded))
    monkeypatch.setattr("cases.services.children.CURRENT_FORM_VERSION", "2027-1")
    new = assess(officer, child_case)
    assert new.form_version == "2027-1"
    assert "¿Teme volver a México? (nueva redacción)" in dict(new.answers())
    old = ChildAssessment.objects.get(pk=old.pk)
    assert dict(old.answers()) == first_question  # the earlier assessment reads as it was asked


def test_assessments_are_append_only_in_the_database(officer, child_case):
    assessment = assess(officer, child_case)
    with pytest.raises(Exception, match="childassessment_append_only"):
        ChildAssessment.objects.filter(pk=assessment.pk).update(notes="changed")


# --- closure rules ------------------------------------------------------------------------------------


def test_an_officer_only_asks_for_a_childs_case_closure_a_supervisor_approves(
    officer, supervisor, child_case
):
    """On main a child without the minor flag was closed by the officer at once."""
    case = services.case_close_request(actor=officer, case=child_case, outcome="released")
    assert case.status == Status.PENDING_CLOSURE
    case = services.case_close_approve(actor=supervisor, case=case)
    assert case.status == Status.CLOSED


def test_a_supervisor_closes_a_childs_case_at_once(supervisor, child_case):
    case = services.case_close_request(actor=supervisor, case=child_case, outcome="released")
    assert case.status == Status.CLOSED


def test_a_child_is_not_closed_as_repatriated_before_the_dif_confirms(
    officer, supervisor, child_case, dif_point
):
    repatriate(officer, child_case, dif_point, confirm=False)
    for actor in (officer, supervisor):
        with pytest.raises(ValidationError) as exc:
            services.case_close_request(actor=actor, case=child_case, outcome="repatriated")
        assert error_codes(exc.value) == {"child_reception_unconfirmed"}
        assert "DIF" in exc.value.messages[0]


def test_once_the_dif_confirmed_the_officer_asks_and_the_supervisor_closes(
    officer, supervisor, child_case, dif_point
):
    repatriate(officer, child_case, dif_point, confirm=True)
    case = services.case_close_request(actor=officer, case=child_case, outcome="repatriated")
    assert case.status == Status.PENDING_CLOSURE
    assert services.case_close_approve(actor=supervisor, case=case).status == Status.CLOSED


def test_an_adult_is_closed_as_repatriated_without_a_confirmation(officer, adult_case, dif_point):
    repatriate(officer, adult_case, dif_point, confirm=False)
    case = services.case_close_request(actor=officer, case=adult_case, outcome="repatriated")
    assert case.status == Status.CLOSED
