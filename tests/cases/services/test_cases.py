"""cases/services/cases.py: case_open, case_update, case_assign, case_note_add, reference allocation."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent
from cases.models.case import Status
from consulates.models import DetentionFacility
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events, row_xmin

pytestmark = pytest.mark.django_db


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def case(dallas_officer):
    return f.make_case(dallas_officer)


def facility(name: str) -> DetentionFacility:
    return DetentionFacility.objects.get(name=name)


# --- case_open ------------------------------------------------------------------------------------


def test_open_allocates_a_reference_and_records_the_opening(dallas_officer):
    person = f.make_person(dallas_officer)
    case = services.case_open(
        actor=dallas_officer, person=person, consulate=f.consulate("dallas"), category="penal"
    )
    year = timezone.now().astimezone(zoneinfo.ZoneInfo("America/Chicago")).year
    assert re.fullmatch(rf"DAL-{year}-\d{{6}}", case.reference)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version, stored.opened_by) == (Status.OPEN, 1, dallas_officer)
    (event,) = new_events(case)
    assert (event.kind, event.actor) == ("opened", dallas_officer)
    assert event.payload == {"reference": case.reference, "consulate": "DAL"}
    assert row_xmin(event) == row_xmin(stored)


def test_references_of_one_consulate_are_consecutive(dallas_officer):
    numbers = [int(f.make_case(dallas_officer).reference[-6:]) for _ in range(3)]
    assert numbers == [numbers[0], numbers[0] + 1, numbers[0] + 2]
    houston = f.make_case(f.officer("houston"))
    assert houston.reference.startswith("HOU-")


def test_open_with_custody_in_own_district_records_custody(dallas_officer):
    case = f.make_case(dallas_officer, facility=facility("Prairieland Detention Center"))
    kinds = [(e.kind, e.actor_id) for e in new_events(case)]
    assert kinds == [("opened", dallas_officer.pk), ("custody", dallas_officer.pk)]


def test_open_with_custody_in_another_district_proposes_a_transfer(dallas_officer):
    case = f.make_case(dallas_officer, facility=facility("Montgomery ICE Processing Center"))
    events = new_events(case)
    assert [e.kind for e in events] == ["opened", "custody", "transfer_requested"]
    proposal = events[-1]
    assert proposal.payload["to_consulate"] == "HOU"
    assert proposal.payload["automatic"] is True
    transfer = case.transfers.get()
    assert (transfer.status, transfer.automatic, transfer.to_consulate.code) == ("pending", True, "HOU")


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), lambda: f.supervisor("houston"), f.manager, f.partner_user],
    ids=["foreign-officer", "foreign-supervisor", "manager", "partner"],
)
def test_open_is_refused_to_users_who_do_not_work_the_consulate(dallas_officer, make_user):
    person = f.make_person(dallas_officer)
    with pytest.raises(PermissionDenied):
        services.case_open(
            actor=make_user(), person=person, consulate=f.consulate("dallas"), category="migratorio"
        )
    assert not Case.objects.exists()


def test_open_refuses_a_person_the_officer_cannot_see(dallas_officer):
    houston_person = f.make_person(f.officer("houston"))
    with pytest.raises(ValidationError) as excinfo:
        f.make_case(dallas_officer, person=houston_person)
    assert error_fields(excinfo.value) == {"person"}


def test_administrator_opens_cases_anywhere():
    admin = f.administrator()
    case = f.make_case(admin, consulate=f.consulate("el_paso"))
    assert case.reference.startswith("ELP-")


NOW = timezone.now()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "fiscal"}, "category"),
        ({"category": "penal", "subtype": "detencion_migratoria"}, "subtype"),
        ({"priority": "critical"}, "priority"),
        ({"detained_since": timezone.localdate() + dt.timedelta(days=3)}, "detained_since"),
        ({"arrested_at": NOW + dt.timedelta(days=1)}, "arrested_at"),
        (
            {
                "arrested_at": NOW - dt.timedelta(days=1),
                "consulate_notified_at": NOW - dt.timedelta(days=2),
                "notified_by": "ice",
            },
            "consulate_notified_at",
        ),
        ({"consulate_notified_at": NOW - dt.timedelta(hours=1)}, "notified_by"),
        ({"consulate_notified_at": NOW, "notified_by": "pigeon"}, "notified_by"),
        (
            {"arrested_at": NOW - dt.timedelta(hours=1), "first_contact_at": NOW - dt.timedelta(hours=2)},
            "first_contact_at",
        ),
    ],
)
def test_open_refuses_invalid_fields(dallas_officer, overrides, field):
    person = f.make_person(dallas_officer)
    with pytest.raises(ValidationError) as excinfo:
        f.make_case(dallas_officer, person=person, **overrides)
    assert field in error_fields(excinfo.value)
    assert not Case.objects.exists()


# --- case_update ----------------------------------------------------------------------------------


def test_update_records_changes_bumps_version_and_starts_work(dallas_officer, case):
    before = last_event_pk(case)
    updated = services.case_update(actor=dallas_officer, case=case, expected_version=1, priority="high")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.priority, stored.version, stored.status) == ("high", 2, Status.IN_PROGRESS)
    assert updated.version == 2
    events = new_events(case, before)
    assert [e.kind for e in events] == ["updated", "status"]
    # codes, not labels: the timeline shows them in each reader's language
    assert events[0].payload["changes"] == {"priority": ["normal", "high"]}
    assert events[1].payload == {"old": "open", "new": "in_progress"}
    assert {row_xmin(e) for e in events} == {row_xmin(stored)}


def test_update_groups_events_by_kind(dallas_officer, case):
    before = last_event_pk(case)
    services.case_update(
        actor=dallas_officer,
        case=case,
        facility=facility("Prairieland Detention Center"),
        arrested_at=NOW - dt.timedelta(days=2),
        summary="Detenido en operativo",
    )
    kinds = [e.kind for e in new_events(case, before)]
    assert sorted(kinds) == ["art36", "custody", "status", "updated"]


def test_update_without_a_change_writes_nothing(dallas_officer, case):
    before = last_event_pk(case)
    services.case_update(actor=dallas_officer, case=case, priority=case.priority)
    assert Case.objects.get(pk=case.pk).version == 1
    assert new_events(case, before) == []


def test_update_refuses_a_stale_version(dallas_officer, case):
    services.case_update(actor=dallas_officer, case=case, priority="high")
    with pytest.raises(ValidationError) as excinfo:
        services.case_update(actor=dallas_officer, case=case, expected_version=1, priority="low")
    assert error_codes(excinfo.value) == {"stale"}
    assert Case.objects.get(pk=case.pk).priority == "high"


def test_update_refuses_invalid_values_and_unknown_fields(dallas_officer, case):
    with pytest.raises(ValidationError) as excinfo:
        services.case_update(actor=dallas_officer, case=case, released_on=dt.date(2025, 1, 1))
    assert error_fields(excinfo.value) == {"released_on"}
    with pytest.raises(TypeError):
        services.case_update(actor=dallas_officer, case=case, status="closed")
    assert Case.objects.get(pk=case.pk).version == 1


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, f.partner_user],
    ids=["foreign", "manager", "partner"],
)
def test_update_is_refused_to_others(case, make_user):
    with pytest.raises(PermissionDenied):
        services.case_update(actor=make_user(), case=case, priority="urgent")
    assert Case.objects.get(pk=case.pk).priority == "normal"


def test_update_of_a_closed_case_is_refused(dallas_officer, case):
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    with pytest.raises(ValidationError) as excinfo:
        services.case_update(actor=dallas_officer, case=case, priority="high")
    assert error_codes(excinfo.value) == {"closed"}


# --- case_assign ----------------------------------------------------------------------------------


def test_assign_to_a_colleague_and_unassign(dallas_officer, case):
    colleague = f.supervisor("dallas")
    before = last_event_pk(case)
    services.case_assign(actor=dallas_officer, case=case, assignee=colleague, expected_version=1)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.assigned_to, stored.version) == (colleague, 2)
    assigned = new_events(case, before)[0]
    assert assigned.kind == "assigned"
    assert assigned.payload["assignee_id"] == colleague.pk
    assert row_xmin(assigned) == row_xmin(stored)
    services.case_assign(actor=dallas_officer, case=case, assignee=None)
    assert Case.objects.get(pk=case.pk).assigned_to is None


def test_reassigning_the_same_person_is_a_no_op(dallas_officer, case):
    services.case_assign(actor=dallas_officer, case=case, assignee=dallas_officer)
    before = last_event_pk(case)
    services.case_assign(actor=dallas_officer, case=case, assignee=dallas_officer)
    assert new_events(case, before) == []


@pytest.mark.parametrize(
    "make_assignee",
    [lambda: f.officer("houston"), lambda: f.officer("dallas", is_active=False), f.manager, f.partner_user],
    ids=["foreign-officer", "inactive-officer", "manager", "partner"],
)
def test_assign_refuses_ineligible_assignees(dallas_officer, case, make_assignee):
    with pytest.raises(ValidationError) as excinfo:
        services.case_assign(actor=dallas_officer, case=case, assignee=make_assignee())
    assert error_fields(excinfo.value) == {"assignee"}


def test_assign_is_refused_to_a_manager(case):
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=f.manager(), case=case, assignee=None)


# --- case_note_add --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["note", "call", "visit"])
def test_note_is_logged_and_first_work_starts_the_case(dallas_officer, case, kind):
    event = services.case_note_add(actor=dallas_officer, case=case, kind=kind, text="  Llamó la esposa ")
    assert (event.kind, event.text, event.actor) == (kind, "Llamó la esposa", dallas_officer)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.version) == (Status.IN_PROGRESS, 2)
    assert row_xmin(event) == row_xmin(stored)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "status", "text": "x"}, "kind"),
        ({"text": "   "}, "text"),
        ({"text": "x", "occurred_at": NOW + dt.timedelta(days=1)}, "occurred_at"),
    ],
)
def test_note_refuses_invalid_input(dallas_officer, case, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        services.case_note_add(actor=dallas_officer, case=case, **kwargs)
    assert error_fields(excinfo.value) == {field}
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_note_refusals_for_other_users_and_closed_cases(dallas_officer, case):
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=f.officer("houston"), case=case, text="x")
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=f.manager(), case=case, text="x")
    services.case_close_request(actor=dallas_officer, case=case, outcome="resolved")
    with pytest.raises(ValidationError) as excinfo:
        services.case_note_add(actor=dallas_officer, case=case, text="x")
    assert error_codes(excinfo.value) == {"closed"}
