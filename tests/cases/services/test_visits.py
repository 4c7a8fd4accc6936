"""The visit and formal request services (decision 0026): all-or-nothing interviews, a cancelled visit
closed to records, the request's life (draft, sent, answered, withdrawn) and its refusals."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases import services
from cases.models import CaseEvent, VisitInterview
from consulates.choices import FacilityKind
from consulates.facilities import facility_add
from consulates.models import DetentionFacility
from tests import factories as f
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db
PRAIRIELAND = "Prairieland Detention Center"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        officer = f.officer("dallas")
        prairieland = DetentionFacility.objects.get(name=PRAIRIELAND)
        since = timezone.localdate() - dt.timedelta(days=4)
        cases = [f.make_case(officer, facility=prairieland, detained_since=since) for _ in range(2)]
        yield SimpleNamespace(officer=officer, prairieland=prairieland, cases=cases)


def _visit(world):
    return services.visit_plan(
        actor=world.officer, facility=world.prairieland, planned_for=timezone.localdate()
    )


def test_one_refused_row_saves_no_interview(world):
    visit = _visit(world)
    rows = [
        {"case_id": world.cases[0].pk, "seen": True, "findings": "Bien", "need": "", "needs": ""},
        {"case_id": world.cases[1].pk, "seen": True, "findings": "x" * 2001, "need": "", "needs": ""},
    ]
    with pytest.raises(ValidationError) as refused:
        services.visit_interviews_record(actor=world.officer, visit=visit, rows=rows)
    assert f"{world.cases[1].pk}-findings" in refused.value.message_dict
    assert not VisitInterview.objects.filter(visit=visit).exists()
    assert not CaseEvent.objects.filter(
        case__in=world.cases, kind="visit", payload__visit_id=visit.pk
    ).exists()


def test_a_person_not_held_there_is_not_on_the_list(world):
    visit = _visit(world)
    elsewhere = f.make_case(world.officer)
    with pytest.raises(ValidationError):
        services.visit_interviews_record(
            actor=world.officer, visit=visit, rows=[{"case_id": elsewhere.pk, "seen": True}]
        )


def test_a_cancelled_visit_records_nothing_more_and_a_visit_with_interviews_is_not_cancelled(world):
    visit = _visit(world)
    services.visit_update(actor=world.officer, visit=visit, status="cancelled")
    with pytest.raises(ValidationError) as refused:
        services.visit_checklist_record(actor=world.officer, visit=visit, answers={})
    assert refused.value.code == "visit_cancelled"
    held = _visit(world)
    services.visit_interviews_record(
        actor=world.officer, visit=held, rows=[{"case_id": world.cases[0].pk, "seen": True}]
    )
    with pytest.raises(ValidationError):
        services.visit_update(actor=world.officer, visit=held, status="cancelled")


def test_a_stale_visit_is_refused(world):
    visit = _visit(world)
    services.visit_update(actor=world.officer, visit=visit, notes="Primera")
    with pytest.raises(ValidationError) as refused:
        services.visit_update(actor=world.officer, visit=visit, notes="Segunda", expected_version=1)
    assert refused.value.code == "stale"


def test_a_facility_outside_the_districts_is_visited_by_no_consulate(world):
    outside = facility_add(
        actor=world.officer,
        name="Centro de prueba fuera de la red",
        city="Jena",
        state="LA",
        kind=FacilityKind.ICE,
        timezone="America/Chicago",
    )
    with pytest.raises(ValidationError) as refused:
        services.visit_plan(actor=world.officer, facility=outside, planned_for=timezone.localdate())
    assert "facility" in refused.value.message_dict


def test_a_requests_life_draft_sent_answered_and_no_step_out_of_order(world):
    request = services.request_create(
        actor=world.officer,
        authority_kind="sheriff",
        authority_name="Johnson County Sheriff",
        kind="custody_records",
        case=world.cases[0],
    )
    assert request.status == "draft"
    with pytest.raises(ValidationError) as refused:
        services.request_answer(
            actor=world.officer, request=request, answered_on=timezone.localdate(), response="Sí"
        )
    assert refused.value.code == "not_sent"
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        services.request_send(
            actor=world.officer, request=request, sent_on=today, due_on=today - dt.timedelta(1)
        )
    assert "due_on" in refused.value.message_dict
    services.request_send(actor=world.officer, request=request, sent_on=today, due_on=today + dt.timedelta(9))
    services.request_answer(actor=world.officer, request=request, answered_on=today, response="Enviados")
    with pytest.raises(ValidationError) as refused:
        services.request_withdraw(actor=world.officer, request=request)
    assert refused.value.code == "request_closed"


def test_a_request_needs_a_case_or_a_facility_and_an_owner_of_its_consulate(world):
    with pytest.raises(ValidationError):
        services.request_create(
            actor=world.officer, authority_kind="court", authority_name="Corte", kind="complaint"
        )
    with pytest.raises(ValidationError) as refused:
        services.request_create(
            actor=world.officer,
            authority_kind="court",
            authority_name="Corte",
            kind="complaint",
            facility=world.prairieland,
            owner=f.officer("el_paso"),
        )
    assert "owner" in refused.value.message_dict


def test_a_request_about_a_case_is_on_its_timeline_without_its_details_or_answer(world):
    from cases.timeline import kinds_of, timeline_entries

    case = f.make_case(world.officer)
    version = case.version
    today = timezone.localdate()
    request = services.request_create(
        actor=world.officer,
        authority_kind="ice_field_office",
        authority_name="ICE Dallas Field Office",
        kind="medical_records",
        case=case,
        details="Expediente médico de la clínica",
    )
    services.request_update(actor=world.officer, request=request, due_on=today + dt.timedelta(5))
    services.request_update(actor=world.officer, request=request)  # nothing changed: no entry
    services.request_send(actor=world.officer, request=request, sent_on=today)
    services.request_answer(actor=world.officer, request=request, answered_on=today, response="Enviado hoy")
    withdrawn = services.request_create(
        actor=world.officer, authority_kind="court", authority_name="Corte", kind="complaint", case=case
    )
    services.request_withdraw(actor=world.officer, request=withdrawn)

    events = CaseEvent.objects.filter(case=case, kind__in=kinds_of("requests")).order_by("pk")
    assert [e.kind for e in events] == [
        "request_recorded",
        "request_updated",
        "request_sent",
        "request_answered",
        "request_recorded",
        "request_withdrawn",
    ]
    assert all(e.actor_id == world.officer.pk for e in events)
    stored = str([e.payload for e in events])
    assert "clínica" not in stored
    assert "Enviado hoy" not in stored
    with translation.override("en"):
        entries = timeline_entries(events.select_related("actor"))
    assert entries[0].group == "requests"
    assert "Medical records" in entries[0].facts
    assert "ICE Dallas Field Office" in entries[0].facts
    assert any("answer due" in str(fact) for fact in entries[1].facts)
    assert any(str(fact) == "changed: answer due" for fact in entries[1].facts)
    case.refresh_from_db()
    assert case.version == version + 6  # six steps, the first moving the case into progress
    assert case.status == "in_progress"
