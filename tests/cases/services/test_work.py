"""cases/services/work.py: hearings and tasks on a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases import services
from cases.models import Case, Hearing, Task
from cases.models.case import Status
from cases.models.work import HearingStatus
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events, row_xmin

pytestmark = pytest.mark.django_db

NEXT_WEEK = timezone.now() + dt.timedelta(days=7)
COURT = "Dallas Immigration Court, 1100 Commerce St"


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def case(dallas_officer):
    return f.make_case(dallas_officer)


@pytest.fixture
def hearing(dallas_officer, case):
    return services.hearing_schedule(
        actor=dallas_officer, case=case, kind="master_calendar", starts_at=NEXT_WEEK, location=COURT
    )


@pytest.fixture
def task(dallas_officer, case):
    return services.task_add(actor=dallas_officer, case=case, title="Visitar en Prairieland")


def close(case, actor):
    services.case_close_request(actor=actor, case=case, outcome="released")


def assert_written_with_event(case, before: int, kinds: list[str], version: int) -> None:
    """The service wrote ``kinds`` on the timeline, bumped the version, all in one transaction."""
    stored = Case.objects.get(pk=case.pk)
    events = new_events(case, before)
    assert [e.kind for e in events] == kinds
    assert stored.version == version
    if events:
        assert {row_xmin(e) for e in events} == {row_xmin(stored)}


# --- hearings -------------------------------------------------------------------------------------


def test_schedule_a_hearing_starts_work_on_an_open_case(dallas_officer, case):
    before = last_event_pk(case)
    hearing = services.hearing_schedule(
        actor=dallas_officer, case=case, kind="bond", starts_at=NEXT_WEEK, location=f"  {COURT} "
    )
    assert (hearing.status, hearing.location) == (HearingStatus.SCHEDULED, COURT)
    assert_written_with_event(case, before, ["hearing_scheduled", "status"], version=2)
    event = new_events(case, before)[0]
    assert event.payload["hearing_id"] == hearing.pk
    assert event.payload["starts_at"] == NEXT_WEEK.isoformat()
    assert row_xmin(hearing) == row_xmin(event)
    assert Case.objects.get(pk=case.pk).status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "tea_party"}, "kind"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": dt.datetime(2030, 1, 1, 9, 0)}, "starts_at"),  # noqa: DTZ001 - naive on purpose
        ({"location": "  "}, "location"),
    ],
)
def test_schedule_refuses_invalid_input(dallas_officer, case, kwargs, field):
    values = {"kind": "individual", "starts_at": NEXT_WEEK, "location": COURT} | kwargs
    with pytest.raises(ValidationError) as excinfo:
        services.hearing_schedule(actor=dallas_officer, case=case, **values)
    assert error_fields(excinfo.value) == {field}
    assert not Hearing.objects.exists()


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, f.partner_user],
    ids=["foreign", "manager", "partner"],
)
def test_hearing_work_is_refused_to_others(case, hearing, make_user):
    user = make_user()
    with pytest.raises(PermissionDenied):
        services.hearing_schedule(actor=user, case=case, kind="bond", starts_at=NEXT_WEEK, location=COURT)
    with pytest.raises(PermissionDenied):
        services.hearing_update(actor=user, hearing=hearing, kind="bond", starts_at=NEXT_WEEK, location=COURT)
    with pytest.raises(PermissionDenied):
        services.hearing_cancel(actor=user, hearing=hearing, reason="x")
    with pytest.raises(PermissionDenied):
        services.hearing_outcome_record(actor=user, hearing=hearing, outcome="x")
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.SCHEDULED
    assert Hearing.objects.count() == 1


def test_reschedule_records_what_changed(dallas_officer, case, hearing):
    before = last_event_pk(case)
    later = NEXT_WEEK + dt.timedelta(days=1)
    services.hearing_update(
        actor=dallas_officer, hearing=hearing, kind="master_calendar", starts_at=later, location=COURT
    )
    assert Hearing.objects.get(pk=hearing.pk).starts_at == later
    assert_written_with_event(case, before, ["hearing_updated"], version=3)
    assert set(new_events(case, before)[0].payload["changes"]) == {"starts_at"}


def test_reschedule_without_change_writes_nothing(dallas_officer, case, hearing):
    before = last_event_pk(case)
    services.hearing_update(
        actor=dallas_officer, hearing=hearing, kind="master_calendar", starts_at=NEXT_WEEK, location=COURT
    )
    assert_written_with_event(case, before, [], version=2)


def test_cancel_needs_a_reason_and_happens_once(dallas_officer, case, hearing):
    with pytest.raises(ValidationError) as excinfo:
        services.hearing_cancel(actor=dallas_officer, hearing=hearing, reason=" ")
    assert error_fields(excinfo.value) == {"reason"}
    before = last_event_pk(case)
    services.hearing_cancel(actor=dallas_officer, hearing=hearing, reason="Reprogramada por el juez")
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.CANCELLED
    assert_written_with_event(case, before, ["hearing_updated"], version=3)
    with pytest.raises(ValidationError):
        services.hearing_cancel(actor=dallas_officer, hearing=hearing, reason="otra vez")
    with pytest.raises(ValidationError):
        services.hearing_update(
            actor=dallas_officer, hearing=hearing, kind="bond", starts_at=NEXT_WEEK, location=COURT
        )
    with pytest.raises(ValidationError):
        services.hearing_outcome_record(actor=dallas_officer, hearing=hearing, outcome="x")


def test_outcome_marks_the_hearing_held(dallas_officer, case, hearing):
    with pytest.raises(ValidationError) as excinfo:
        services.hearing_outcome_record(actor=dallas_officer, hearing=hearing, outcome="")
    assert error_fields(excinfo.value) == {"outcome"}
    before = last_event_pk(case)
    services.hearing_outcome_record(actor=dallas_officer, hearing=hearing, outcome=" Fianza de $5,000 ")
    stored = Hearing.objects.get(pk=hearing.pk)
    assert (stored.status, stored.outcome) == (HearingStatus.HELD, "Fianza de $5,000")
    assert_written_with_event(case, before, ["hearing_updated"], version=3)


def test_hearings_of_a_closed_case_cannot_be_touched(dallas_officer, case, hearing):
    close(case, dallas_officer)
    version = Case.objects.get(pk=case.pk).version
    attempts = [
        lambda: services.hearing_schedule(
            actor=dallas_officer, case=case, kind="bond", starts_at=NEXT_WEEK, location=COURT
        ),
        lambda: services.hearing_update(
            actor=dallas_officer, hearing=hearing, kind="bond", starts_at=NEXT_WEEK, location=COURT
        ),
        lambda: services.hearing_cancel(actor=dallas_officer, hearing=hearing, reason="x"),
        lambda: services.hearing_outcome_record(actor=dallas_officer, hearing=hearing, outcome="x"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert error_codes(excinfo.value) == {"closed"}
    assert Hearing.objects.get(pk=hearing.pk).status == HearingStatus.SCHEDULED
    assert Case.objects.get(pk=case.pk).version == version


# --- tasks ----------------------------------------------------------------------------------------


def test_add_a_task(dallas_officer, case):
    colleague = f.officer("dallas")
    before = last_event_pk(case)
    due = dt.date(2030, 5, 1)
    task = services.task_add(
        actor=dallas_officer, case=case, title=" Pedir acta ", due_date=due, assignee=colleague
    )
    assert (task.title, task.assignee, task.done) == ("Pedir acta", colleague, False)
    assert_written_with_event(case, before, ["task_added", "status"], version=2)
    assert new_events(case, before)[0].payload == {
        "task_id": task.pk,
        "title": "Pedir acta",
        "due_date": "2030-05-01",
    }


def test_add_refuses_a_blank_title_and_a_foreign_assignee(dallas_officer, case):
    with pytest.raises(ValidationError) as excinfo:
        services.task_add(actor=dallas_officer, case=case, title="")
    assert error_fields(excinfo.value) == {"title"}
    with pytest.raises(ValidationError) as excinfo:
        services.task_add(actor=dallas_officer, case=case, title="x", assignee=f.officer("houston"))
    assert error_fields(excinfo.value) == {"assignee"}
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, f.partner_user],
    ids=["foreign", "manager", "partner"],
)
def test_task_work_is_refused_to_others(case, task, make_user):
    user = make_user()
    with pytest.raises(PermissionDenied):
        services.task_add(actor=user, case=case, title="x")
    with pytest.raises(PermissionDenied):
        services.task_update(actor=user, task=task, title="x", due_date=None, assignee=None)
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=user, task=task)
    assert Task.objects.get(pk=task.pk).done is False


def test_update_a_task_records_it_on_the_timeline(dallas_officer, case, task):
    colleague = f.supervisor("dallas")
    before = last_event_pk(case)
    services.task_update(
        actor=dallas_officer,
        task=task,
        title="Visitar en Bluebonnet",
        due_date=dt.date(2030, 1, 2),
        assignee=colleague,
    )
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, stored.assignee) == ("Visitar en Bluebonnet", colleague)
    assert_written_with_event(case, before, ["task_updated"], version=3)
    changes = new_events(case, before)[0].payload["changes"]
    assert set(changes) == {"title", "due_date", "assignee"}


def test_update_a_task_without_a_change_writes_nothing(dallas_officer, case, task):
    before = last_event_pk(case)
    services.task_update(actor=dallas_officer, task=task, title=task.title, due_date=None, assignee=None)
    assert_written_with_event(case, before, [], version=2)


def test_update_a_task_refuses_a_blank_title(dallas_officer, task):
    with pytest.raises(ValidationError) as excinfo:
        services.task_update(actor=dallas_officer, task=task, title=" ", due_date=None, assignee=None)
    assert error_fields(excinfo.value) == {"title"}


def test_complete_a_task_once(dallas_officer, case, task):
    before = last_event_pk(case)
    services.task_complete(actor=dallas_officer, task=task)
    stored = Task.objects.get(pk=task.pk)
    assert stored.done
    assert stored.completed_by == dallas_officer
    assert stored.completed_at is not None
    assert_written_with_event(case, before, ["task_completed"], version=3)
    with pytest.raises(ValidationError):
        services.task_complete(actor=dallas_officer, task=task)


def test_tasks_of_a_closed_case_cannot_be_touched(dallas_officer, case, task):
    close(case, dallas_officer)
    for attempt in (
        lambda: services.task_add(actor=dallas_officer, case=case, title="x"),
        lambda: services.task_update(
            actor=dallas_officer, task=task, title="x", due_date=None, assignee=None
        ),
        lambda: services.task_complete(actor=dallas_officer, task=task),
    ):
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert error_codes(excinfo.value) == {"closed"}
    assert Task.objects.get(pk=task.pk).done is False
