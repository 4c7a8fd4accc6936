"""Posting through the staff UI writes through the services, and a page shown again with errors
keeps nothing of the POST."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseEvent, Hearing, Person, Task
from cases.models.case import Status

pytestmark = pytest.mark.django_db


def _inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _case_post(case: Case, **overrides) -> dict:
    data = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "summary": case.summary,
        "facility": case.facility_id or "",
        "expected_version": case.version,
        "note_kind": "note",
        "note_text": "",
        **_inline_management("hearings"),
        **_inline_management("tasks"),
    }
    data.update(overrides)
    return data


def _person_post(**overrides) -> dict:
    data = {
        "given_names": "Wendy",
        "paternal_surname": "Bóxer",
        "maternal_surname": "",
        "sex": "H",  # as the CURP BOXW310820HNERXN09 encodes
        "registered_by": "",
        "preferred_language": "es",
        "languages": "español, mixteco",
        **_inline_management("emergency_contacts"),
    }
    data.update(overrides)
    return data


def test_invalid_curp_is_a_field_error_and_writes_nothing(client, world):
    client.force_login(world.officer_a)
    before = Person.objects.count()
    response = client.post(
        reverse("admin:cases_person_add"),
        _person_post(curp="BOXW310820HNERXN08", registered_by=world.case_a.consulate_id),
    )
    assert response.status_code == 200
    assert "curp" in response.context["adminform"].form.errors
    assert Person.objects.count() == before


def test_person_add_normalises_the_a_number(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("admin:cases_person_add"),
        _person_post(
            curp="BOXW310820HNERXN09", a_number="A-98-765-432", registered_by=world.case_a.consulate_id
        ),
    )
    assert response.status_code == 302
    person = Person.objects.get(curp="BOXW310820HNERXN09")
    assert person.a_number == "098765432"
    assert person.languages == ["español", "mixteco"]


def test_case_add_allocates_a_reference_and_records_the_opening(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("admin:cases_case_add"),
        {
            "person": world.person_a.pk,
            "consulate": world.case_a.consulate_id,
            "category": "penal",
            "subtype": "visitas_carceles",
            "priority": "normal",
        },
    )
    assert response.status_code == 302
    case = Case.objects.filter(person=world.person_a).order_by("-pk").first()
    assert re.fullmatch(r"DAL-\d{4}-\d{6}", case.reference)
    assert CaseEvent.objects.filter(case=case, kind="opened").exists()


def test_note_is_written_to_the_timeline(client, world):
    client.force_login(world.officer_a)
    case = world.case_a
    url = reverse("admin:cases_case_change", args=[case.pk])
    response = client.post(url, _case_post(case, note_kind="visit", note_text="Visita en Prairieland"))
    assert response.status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="visit", text="Visita en Prairieland").exists()


def test_stale_version_is_refused_and_changes_nothing(client, world):
    client.force_login(world.officer_a)
    case = world.case_a
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]),
        _case_post(case, priority="urgent", expected_version=case.version - 1),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert Case.objects.get(pk=case.pk).priority == case.priority


def test_hearing_and_task_inlines_go_through_the_services(client, world):
    client.force_login(world.officer_a)
    case = world.case_a
    day = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    data = _case_post(
        case,
        **_inline_management("hearings", total=2, initial=1),
        **_inline_management("tasks", total=2, initial=1),
    )
    data.update(
        {
            "hearings-0-id": world.hearing_a.pk,
            "hearings-0-case": case.pk,
            "hearings-0-kind": world.hearing_a.kind,
            "hearings-0-starts_at_0": timezone.localtime(world.hearing_a.starts_at).date().isoformat(),
            "hearings-0-starts_at_1": timezone.localtime(world.hearing_a.starts_at).strftime("%H:%M:%S"),
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
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Hearing.objects.filter(case=case, kind="bond", location="Corte de Dallas").exists()
    assert Task.objects.get(pk=world.task_a.pk).done
    assert Task.objects.filter(case=case, title="Pedir acta de nacimiento").exists()
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"hearing_scheduled", "task_completed", "task_added"} <= kinds


def test_an_invalid_inline_keeps_nothing_of_the_post(client, world):
    client.force_login(world.officer_a)
    case = world.case_a
    events_before = CaseEvent.objects.filter(case=case).count()
    data = _case_post(
        case, priority="high", note_text="Esta nota no debe quedar", **_inline_management("hearings", 1)
    )
    data.update({"hearings-0-case": case.pk, "hearings-0-kind": "bond", "hearings-0-location": ""})
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 200
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.version) == (case.priority, case.version)
    assert CaseEvent.objects.filter(case=case).count() == events_before


def test_urgent_closure_waits_for_the_supervisor(client, world):
    from cases import services

    case = services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    client.force_login(world.officer_a)
    client.post(reverse("admin:cases_case_action", args=[case.pk, "close"]), {"outcome": "released"})
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE
    client.force_login(world.supervisor_a)
    response = client.post(reverse("admin:cases_case_action", args=[case.pk, "reject"]), {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    client.post(reverse("admin:cases_case_action", args=[case.pk, "approve"]), {})
    assert Case.objects.get(pk=case.pk).status == Status.CLOSED
    client.force_login(world.officer_a)
    response = client.post(reverse("admin:cases_case_action", args=[case.pk, "reopen"]), {"reason": ""})
    assert "reason" in response.context["form"].errors
    client.post(reverse("admin:cases_case_action", args=[case.pk, "reopen"]), {"reason": "Nueva detención"})
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


def test_manager_cannot_change_a_case(client, world):
    client.force_login(world.manager)
    case = world.case_a
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), _case_post(case, priority="urgent")
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).priority == case.priority
    response = client.post(
        reverse("admin:cases_case_action", args=[case.pk, "close"]), {"outcome": "released"}
    )
    assert Case.objects.get(pk=case.pk).status == case.status


def test_duplicate_curp_from_another_consulate_is_a_field_error(client, world):
    client.force_login(world.officer_a)
    response = client.post(
        reverse("admin:cases_person_add"),
        _person_post(curp=world.person_b.curp, registered_by=world.case_a.consulate_id),
    )
    assert response.status_code == 200
    assert "curp" in response.context["adminform"].form.errors
