"""Facility visits and formal requests (decision 0026), through the workspace's pages and the services:
plan a visit, the nationals held there, three interviews in one screen (each a visit entry on its case),
a checklist whose problem becomes a formal request in one step, the facility page, the request's
reminders on the facility's clock, the checklist's versions, and who may do what."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, ChecklistVersion, FacilityVisit, FormalRequest, Reminder, VisitInterview
from cases.models.formal_request import RequestStatus
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.models.work import EventKind
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified
from tests.factories.documents import valid_pdf_bytes
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db
PRAIRIELAND = "Prairieland Detention Center"
EL_PASO = "El Paso Service Processing Center"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        officer = f.officer("dallas", first_name="Lucía", last_name="Ramos", email="lramos@example.org")
        colleague = f.officer("dallas", first_name="Tomás", last_name="Ibarra", email="tibarra@example.org")
        prairieland = DetentionFacility.objects.get(name=PRAIRIELAND)
        since = timezone.localdate() - dt.timedelta(days=10)
        cases = [f.make_case(officer, facility=prairieland, detained_since=since) for _ in range(3)]
        elsewhere = f.make_case(officer)  # not held there
        yield SimpleNamespace(
            officer=officer,
            colleague=colleague,
            paso=f.officer("el_paso"),
            manager=f.manager(),
            prairieland=prairieland,
            el_paso=DetentionFacility.objects.get(name=EL_PASO),
            cases=cases,
            elsewhere=elsewhere,
        )


def _plan(world):
    return services.visit_plan(
        actor=world.officer,
        facility=world.prairieland,
        planned_for=timezone.localdate(),
        officers=[world.officer, world.colleague],
    )


def test_a_visit_lists_the_consulates_nationals_held_there_and_records_three_interviews_in_one_screen(
    client, world
):
    login_verified(client, world.officer)
    response = client.post(
        reverse("workspace:facility", args=[world.prairieland.pk]),
        {"plan-planned_for": timezone.localdate().isoformat(), "plan-officers": [world.officer.pk]},
    )
    visit = FacilityVisit.objects.get(facility=world.prairieland)
    assert response.status_code == 302
    assert response.url == reverse("workspace:visit", args=[visit.pk])
    assert visit.consulate.slug == "dallas"
    page = client.get(response.url).content.decode()
    for case in world.cases:
        assert case.reference in page
    assert world.elsewhere.reference not in page

    data = {"form": "interviews", "interview-version": visit.version}
    for n, case in enumerate(world.cases):
        data[f"interview-{case.pk}-seen"] = "on" if n < 2 else ""
        data[f"interview-{case.pk}-findings"] = f"Hallazgo {n}"
        data[f"interview-{case.pk}-need"] = "medical" if n == 0 else ""
        data[f"interview-{case.pk}-needs"] = "Necesita su medicamento para la presión" if n == 0 else ""
    assert client.post(reverse("workspace:visit", args=[visit.pk]), data).status_code == 302
    assert VisitInterview.objects.filter(visit=visit).count() == 3
    for case in world.cases:
        event = CaseEvent.objects.get(case=case, kind=EventKind.VISIT)
        assert event.payload["visit_id"] == visit.pk
        assert "Hallazgo" not in str(event.payload) + event.text  # the findings stay in the interview
    visit.refresh_from_db()
    assert visit.status == "done"
    interview = VisitInterview.objects.get(visit=visit, case=world.cases[0])
    # The need becomes a formal request in one step: the form opens prefilled.
    form = client.get(reverse("workspace:request_new") + f"?interview={interview.pk}").content.decode()
    assert PRAIRIELAND in form
    assert 'medical_records" selected' in form


def test_saving_the_screen_again_unchanged_writes_no_new_timeline_entry(world):
    visit = _plan(world)
    rows = [{"case_id": world.cases[0].pk, "seen": True, "findings": "Bien", "need": "", "needs": ""}]
    services.visit_interviews_record(actor=world.officer, visit=visit, rows=rows)
    services.visit_interviews_record(actor=world.officer, visit=visit, rows=rows)
    assert CaseEvent.objects.filter(case=world.cases[0], kind=EventKind.VISIT).count() == 1


def test_a_checklist_problem_becomes_a_request_shown_on_the_facility_page(client, world):
    login_verified(client, world.officer)
    visit = _plan(world)
    data = {"form": "checklist", "check-version": visit.version}
    for item in ChecklistVersion.current().items:
        data[f"check-{item['key']}-answer"] = "adequate"
    data["check-phones-answer"] = "problem"
    data["check-phones-note"] = "Dos de los cuatro teléfonos no funcionan"
    assert client.post(reverse("workspace:visit", args=[visit.pk]), data).status_code == 302
    problem = visit.checklist.answers.get(key="phones")
    new = reverse("workspace:request_new") + f"?item={problem.pk}"
    form = client.get(new).content.decode()
    assert "Dos de los cuatro teléfonos no funcionan" in form
    due = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        new,
        {
            "authority_kind": "facility",
            "authority_name": PRAIRIELAND,
            "kind": "access",
            "details": "Dos de los cuatro teléfonos no funcionan",
            "sent_on": timezone.localdate().isoformat(),
            "due_on": due.isoformat(),
        },
    )
    request = FormalRequest.objects.get(from_checklist_item=problem)
    assert response.status_code == 302
    assert (request.facility, request.status, request.owner) == (world.prairieland, "sent", world.officer)
    facility_page = client.get(reverse("workspace:facility", args=[world.prairieland.pk])).content.decode()
    assert reverse("workspace:request", args=[request.pk]) in facility_page
    assert "Dos de los cuatro teléfonos no funcionan" in facility_page  # conditions over time


def test_a_problem_needs_a_note_and_nothing_is_saved_without_it(client, world):
    login_verified(client, world.officer)
    visit = _plan(world)
    response = client.post(
        reverse("workspace:visit", args=[visit.pk]),
        {"form": "checklist", "check-version": visit.version, "check-food-answer": "problem"},
    )
    assert response.status_code == 200
    assert "Indique cuál es el problema." in response.content.decode()
    assert not FacilityVisit.objects.filter(pk=visit.pk, checklist__isnull=False).exists()


def test_request_reminders_reach_the_owner_on_the_facilitys_clock_and_stop_when_answered(world):
    due = timezone.localdate() + dt.timedelta(days=20)
    request = services.request_create(
        actor=world.officer,
        authority_kind="ice_field_office",
        authority_name="ICE Dallas Field Office",
        kind="custody_records",
        case=world.cases[1],
        facility=world.prairieland,
        sent_on=timezone.localdate(),
        due_on=due,
    )
    reminders = Reminder.objects.filter(subject_type="formal_request", subject_id=request.pk)
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    assert sorted(r.due_at.astimezone(chicago) for r in reminders) == [
        dt.datetime.combine(due - dt.timedelta(days=3), dt.time(8), tzinfo=chicago),
        dt.datetime.combine(due - dt.timedelta(days=1), dt.time(8), tzinfo=chicago),
    ]
    assert {(r.kind, r.user_id) for r in reminders} == {(ReminderKind.REQUEST_DUE, world.officer.pk)}
    services.request_answer(actor=world.officer, request=request, answered_on=due, response="Enviados.")
    assert set(reminders.values_list("status", flat=True)) == {ReminderStatus.CANCELLED}


def test_overdue_is_derived_from_a_sent_request_past_its_due_day(world):
    request = services.request_create(
        actor=world.officer,
        authority_kind="facility",
        authority_name=PRAIRIELAND,
        kind="complaint",
        facility=world.prairieland,
        sent_on=timezone.localdate() - dt.timedelta(days=20),
        due_on=timezone.localdate() - dt.timedelta(days=5),
    )
    assert request.status == RequestStatus.SENT
    assert request.is_overdue
    assert request.shown_status != request.get_status_display()


def test_a_saved_checklist_keeps_the_version_it_was_answered_in(world):
    visit = _plan(world)
    services.visit_checklist_record(actor=world.officer, visit=visit, answers={})
    first = ChecklistVersion.current()
    reworded = [
        dict(item, es=item["es"] + " (revisado)", en=item["en"] + " (revised)") for item in first.items
    ]
    ChecklistVersion.objects.create(number=first.number + 1, items=reworded)
    services.visit_checklist_record(
        actor=world.officer, visit=visit, answers={"food": {"answer": "adequate"}}
    )
    checklist = FacilityVisit.objects.get(pk=visit.pk).checklist
    assert checklist.checklist_version == first
    assert "(revisado)" not in checklist.answers.get(key="food").text
    # The database refuses: a version never changes.
    with pytest.raises(DatabaseError), transaction.atomic():
        ChecklistVersion.objects.filter(pk=first.pk).update(items=[])


def test_only_the_district_consulates_workers_plan_and_record_visits(world):
    with pytest.raises(PermissionDenied):  # Prairieland is in Dallas's district
        services.visit_plan(actor=world.paso, facility=world.prairieland, planned_for=timezone.localdate())
    with pytest.raises(PermissionDenied):  # managers read
        services.visit_plan(actor=world.manager, facility=world.prairieland, planned_for=timezone.localdate())
    visit = _plan(world)
    with pytest.raises(PermissionDenied):
        services.visit_checklist_record(actor=world.paso, visit=visit, answers={})
    assert not FacilityVisit.objects.visible_to(world.paso).filter(pk=visit.pk).exists()
    assert FacilityVisit.objects.visible_to(world.manager).filter(pk=visit.pk).exists()
    with pytest.raises(ValidationError):  # an officer of another consulate does not go on Dallas's visit
        services.visit_update(actor=world.officer, visit=visit, officers=[world.paso])


def test_the_facility_page_reads_in_a_fixed_number_of_queries(client, world):
    login_verified(client, world.officer)
    for _ in range(2):
        visit = _plan(world)
        services.visit_checklist_record(actor=world.officer, visit=visit, answers={})
    url = reverse("workspace:facility", args=[world.prairieland.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(3):
        visit = _plan(world)
        services.visit_checklist_record(actor=world.officer, visit=visit, answers={})
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(more) == len(few)


def test_the_case_page_shows_the_interviews_and_requests_of_the_case(client, world):
    login_verified(client, world.officer)
    visit = _plan(world)
    case = world.cases[2]
    services.visit_interviews_record(
        actor=world.officer,
        visit=visit,
        rows=[
            {
                "case_id": case.pk,
                "seen": False,
                "findings": "Trasladado a enfermería",
                "need": "",
                "needs": "",
            }
        ],
    )
    new = reverse("workspace:request_new") + f"?case={case.pk}"
    assert PRAIRIELAND in client.get(new).content.decode()  # where the person is held now
    request = services.request_create(
        actor=world.officer,
        authority_kind="court",
        authority_name="Corte del condado de Johnson",
        kind="custody_records",
        case=case,
    )
    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert reverse("workspace:visit", args=[visit.pk]) in page
    assert reverse("workspace:request", args=[request.pk]) in page
    assert new.replace("&", "&amp;") in page


def test_a_document_of_a_request_is_uploaded_to_its_case_and_linked(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    login_verified(client, world.officer)
    request = services.request_create(
        actor=world.officer,
        authority_kind="facility",
        authority_name=PRAIRIELAND,
        kind="medical_records",
        case=world.cases[1],
        facility=world.prairieland,
    )
    upload = SimpleUploadedFile("oficio.pdf", valid_pdf_bytes(), content_type="application/pdf")
    response = client.post(
        reverse("workspace:request", args=[request.pk]),
        {"form": "document", "doc-file": upload, "doc-description": "Oficio enviado"},
    )
    assert response.status_code == 302
    (document,) = request.documents.all()
    assert (document.case, document.description) == (world.cases[1], "Oficio enviado")
