"""Posting on the case pages writes through the services, and a page shown again with errors keeps
nothing of the POST. (Persons: test_person_workflow_admin.py.)"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Hearing, Person, Task
from cases.models.case import Status
from tests.auth import login_verified
from tests.cases.admin.helpers import inline_management, person_post
from tests.factories import consulate

pytestmark = pytest.mark.django_db


def _case_post(case: Case, **overrides) -> dict:
    """What the case page posts when nothing is touched."""
    data = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "summary": case.summary,
        "facility": case.facility_id or "",
        "expected_version": case.version,
        "note_kind": "note",
        "note_text": "",
        **inline_management("hearings"),
        **inline_management("tasks"),
        **inline_management("belongings"),
        **inline_management("documents"),
    }
    data.update(overrides)
    return data


def _kinds(case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


# --- the case page -------------------------------------------------------------------------------


def test_case_add_allocates_a_reference_and_records_the_opening(client, world):
    login_verified(client, world.officer_a)
    data = {"person": world.person_a.pk, "consulate": consulate("dallas").pk}
    data.update({"category": "penal", "subtype": "visitas_carceles", "priority": "normal"})
    response = client.post(reverse("admin:cases_case_add"), data)
    assert response.status_code == 302
    case = Case.objects.filter(person=world.person_a).exclude(pk=world.case_a.pk).get()
    year = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Chicago")).year
    assert case.reference.startswith(f"DAL-{year}-")
    assert int(case.reference.rsplit("-", 1)[1]) == int(world.case_a.reference.rsplit("-", 1)[1]) + 1
    assert len(case.reference) == len("DAL-2026-000123")
    assert CaseEvent.objects.filter(case=case, kind="opened", actor=world.officer_a).exists()


def test_note_is_written_to_the_timeline(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, _case_post(case, note_kind="visit", note_text="Visita en Prairieland"))
    assert response.status_code == 302
    event = CaseEvent.objects.get(case=case, kind="visit")
    assert (event.text, event.actor) == ("Visita en Prairieland", world.officer_a)
    assert Case.objects.get(pk=case.pk).version > case.version


def test_stale_version_is_refused_and_changes_nothing(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a  # the officer opened the page at this version...
    services.case_update(actor=world.supervisor_a, case=case, summary="Cambiado por la supervisora")
    changed = Case.objects.get(pk=case.pk)
    events_before = _kinds(case)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]),
        _case_post(case, priority="urgent", note_text="Con prisa"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.summary, stored.version) == (
        case.priority,
        changed.summary,
        changed.version,
    )
    assert _kinds(case) == events_before
    # What changed meanwhile is named, what the officer typed is still in the form, and the form now
    # carries the current version: saving again applies the officer's values knowingly.
    form = response.context["adminform"].form
    message = " ".join(form.non_field_errors())
    assert "Cambiado por la supervisora" in message
    assert form["priority"].value() == "urgent"
    assert form["note_text"].value() == "Con prisa"
    assert str(form["expected_version"].value()) == str(changed.version)
    html = response.content.decode()
    assert f'name="expected_version" value="{changed.version}"' in html


def test_a_stale_edit_saved_again_with_the_current_version_goes_through(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    services.case_update(actor=world.supervisor_a, case=case, summary="Cambiado por la supervisora")
    url = reverse("admin:cases_case_change", args=[case.pk])
    first = client.post(url, _case_post(case, priority="urgent"))
    version = first.context["adminform"].form["expected_version"].value()
    response = client.post(url, {**_case_post(case, priority="urgent"), "expected_version": version})
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).priority == "urgent"


def test_hearing_and_task_inlines_go_through_the_services(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    day = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    starts = timezone.localtime(world.hearing_a.starts_at)
    data = _case_post(
        case,
        **inline_management("hearings", total=2, initial=1),
        **inline_management("tasks", total=2, initial=1),
    )
    data.update(
        {
            "hearings-0-id": world.hearing_a.pk,
            "hearings-0-case": case.pk,
            "hearings-0-kind": world.hearing_a.kind,
            "hearings-0-starts_at_0": starts.date().isoformat(),
            "hearings-0-starts_at_1": starts.strftime("%H:%M:%S"),
            "hearings-0-location": world.hearing_a.location,
            "hearings-1-case": case.pk,
            "hearings-1-kind": "bond",
            "hearings-1-starts_at_0": day,
            "hearings-1-starts_at_1": "10:00",
            "hearings-1-location": "Corte de Dallas",
            "tasks-0-id": world.task_a.pk,
            "tasks-0-case": case.pk,
            "tasks-0-title": world.task_a.title,
            "tasks-0-assignee": world.officer_a.pk,
            "tasks-0-done": "on",
            "tasks-1-case": case.pk,
            "tasks-1-title": "Pedir acta de nacimiento",
        }
    )
    events_before = len(_kinds(case))
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 302
    hearing = Hearing.objects.get(case=case, kind="bond")
    assert (hearing.location, timezone.localtime(hearing.starts_at).hour) == ("Corte de Dallas", 10)
    done = Task.objects.get(pk=world.task_a.pk)
    assert (done.done, done.completed_by) == (True, world.officer_a)
    assert Task.objects.filter(case=case, title="Pedir acta de nacimiento", done=False).exists()
    new_kinds = set(_kinds(case)[events_before:])
    assert {"hearing_scheduled", "task_completed", "task_added"} <= new_kinds
    assert "hearing_updated" not in new_kinds  # the untouched hearing row wrote nothing


def _broken_hearing(world) -> dict:
    """A new hearing row without its date: the form refuses it."""
    return {
        **inline_management("hearings", total=1),
        "hearings-0-case": world.case_a.pk,
        "hearings-0-kind": "bond",
        "hearings-0-location": "Corte",
    }


def _reopened_task(world) -> dict:
    """A done task un-ticked: the form is valid, the task service refuses."""
    services.task_complete(actor=world.officer_a, task=world.task_a)
    return {
        **inline_management("tasks", total=1, initial=1),
        "tasks-0-id": world.task_a.pk,
        "tasks-0-case": world.case_a.pk,
        "tasks-0-title": world.task_a.title,
        "tasks-0-assignee": world.officer_a.pk,
    }


@pytest.mark.parametrize("broken_inline", [_broken_hearing, _reopened_task], ids=["form", "service"])
def test_an_invalid_inline_keeps_nothing_of_the_post(client, world, broken_inline):
    login_verified(client, world.officer_a)
    inline = broken_inline(world)
    case = Case.objects.get(pk=world.case_a.pk)
    events_before = _kinds(case)
    data = _case_post(case, priority="high", summary="No debe quedar", note_text="Esta nota no debe quedar")
    data.update(inline)
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 200
    assert not response.context["adminform"].form.errors  # the case form itself was valid...
    assert any(formset.formset.total_error_count() for formset in response.context["inline_admin_formsets"])
    stored = Case.objects.get(pk=case.pk)  # ...and still none of it was kept
    assert (stored.priority, stored.summary, stored.version) == (case.priority, case.summary, case.version)
    assert _kinds(case) == events_before


# --- closing, approving, rejecting, reopening ----------------------------------------------------


def _act(client, case, action, data=None):
    return client.post(reverse("admin:cases_case_action", args=[case.pk, action]), data or {})


def test_a_normal_case_is_closed_by_the_officer(client, world):
    login_verified(client, world.officer_a)
    response = _act(client, world.case_a, "close", {"outcome": ""})
    assert "outcome" in response.context["form"].errors
    response = _act(client, world.case_a, "close", {"outcome": "other", "outcome_notes": ""})
    assert "outcome_notes" in response.context["form"].errors  # the service's own rule, on its field
    assert Case.objects.get(pk=world.case_a.pk).status == world.case_a.status
    response = _act(client, world.case_a, "close", {"outcome": "released"})
    assert response["Location"] == reverse("admin:cases_case_change", args=[world.case_a.pk])
    assert Case.objects.get(pk=world.case_a.pk).status == Status.CLOSED
    assert "closed" in _kinds(world.case_a)


def test_urgent_closure_waits_for_the_supervisor(client, world):
    case = services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    login_verified(client, world.officer_a)
    _act(client, case, "close", {"outcome": "released"})
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE
    _act(client, case, "approve")  # not the officer's to approve
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE

    login_verified(client, world.supervisor_a)
    response = _act(client, case, "reject", {"reason": ""})
    assert "reason" in response.context["form"].errors
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE
    _act(client, case, "reject", {"reason": "Falta la constancia de liberación"})
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert CaseEvent.objects.filter(case=case, kind="closure_rejected").exists()

    login_verified(client, world.officer_a)
    _act(client, case, "close", {"outcome": "released"})
    login_verified(client, world.supervisor_a)
    _act(client, case, "approve")
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    assert CaseEvent.objects.filter(case=case, kind="closure_approved", actor=world.supervisor_a).exists()

    login_verified(client, world.officer_a)
    response = _act(client, case, "reopen", {"reason": "  "})
    assert "reason" in response.context["form"].errors
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    _act(client, case, "reopen", {"reason": "Nueva detención"})
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS
    assert CaseEvent.objects.get(case=case, kind="reopened").text == "Nueva detención"


def test_a_closed_case_cannot_be_changed_from_its_page(client, world):
    case = services.case_close_request(actor=world.officer_a, case=world.case_a, outcome="released")
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), _case_post(case, priority="urgent", note_text="x")
    )
    assert response.status_code == 403
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.version) == (case.priority, case.version)


# --- a regional manager reads, never writes ------------------------------------------------------


def test_manager_cannot_write_anything(client, world):
    login_verified(client, world.manager)
    case, events_before = world.case_a, _kinds(world.case_a)
    persons_before, cases_before = Person.objects.count(), Case.objects.count()
    change = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), _case_post(case, priority="urgent")
    )
    assert change.status_code == 403
    add = client.post(
        reverse("admin:cases_case_add"),
        {
            "person": world.person_a.pk,
            "consulate": case.consulate_id,
            "category": "penal",
            "priority": "normal",
        },
    )
    assert add.status_code == 403
    assert client.post(reverse("admin:cases_person_add"), person_post()).status_code == 403
    for action, data in (("close", {"outcome": "released"}), ("assign", {"assignee": world.officer_a.pk})):
        assert _act(client, case, action, data).status_code == 302  # not offered: back to the page
    client.post(
        reverse("admin:cases_case_changelist"), {"action": "assign_to_me", "_selected_action": [case.pk]}
    )
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.status, stored.assigned_to_id, stored.version) == (
        case.priority,
        case.status,
        case.assigned_to_id,
        case.version,
    )
    assert _kinds(case) == events_before
    assert (Person.objects.count(), Case.objects.count()) == (persons_before, cases_before)
