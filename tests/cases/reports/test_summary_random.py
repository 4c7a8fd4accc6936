"""Random sequences of writes, straight on the tables (any state the database allows, not only what the
services produce), with the summaries checked against a fresh aggregate after every single write."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.categories import Category
from cases.models import Case, Hearing, Person, Task
from cases.models.case import Priority, Status
from cases.models.person import VULNERABILITY_FIELDS
from cases.models.work import HearingStatus
from cases.reports import summary
from consulates.models import DetentionFacility, ReceptionPoint
from tests import factories as f

pytestmark = pytest.mark.django_db

STATUSES = [s.value for s in Status]
HEARING_STATUSES = [s.value for s in HearingStatus]
_references = itertools.count(1)


@pytest.fixture
def world():
    officer = f.officer("dallas")
    return {
        "consulates": [f.consulate("dallas").pk, f.consulate("el_paso").pk, f.consulate("houston").pk],
        "users": [officer.pk, f.officer("el_paso").pk, f.supervisor("dallas").pk],
        "facilities": list(DetentionFacility.objects.order_by("pk").values_list("pk", flat=True)[:3]),
        "persons": [f.make_person(officer).pk for _ in range(4)],
        "reception_points": list(ReceptionPoint.objects.order_by("pk").values_list("pk", flat=True)[:3]),
    }


pick = st.integers(min_value=0, max_value=1000)
case_fields = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(STATUSES),
        "category": st.sampled_from(Category.values),
        "priority": st.sampled_from(Priority.values),
        "consulate": pick,
        "person": pick,
        "assigned_to": st.one_of(st.none(), pick),
        "facility": st.one_of(st.none(), pick),
        "released": st.booleans(),
        "outcome": st.sampled_from(["other", "repatriated", "released"]),
        "reception_point": st.one_of(st.none(), pick),
        "opened_hours_ago": st.integers(0, 24 * 20),
        "closed_hours_ago": st.one_of(st.none(), st.integers(0, 24 * 20)),
    },
)
operations = st.one_of(
    st.tuples(st.just("open"), case_fields),
    st.tuples(st.just("update"), pick, case_fields),
    st.tuples(st.just("bulk"), pick, case_fields),
    st.tuples(st.just("delete_case"), pick),
    st.tuples(st.just("add_task"), pick, st.one_of(st.none(), pick), st.integers(-5, 5), st.booleans()),
    st.tuples(st.just("update_task"), pick, st.one_of(st.none(), pick), st.integers(-5, 5), st.booleans()),
    st.tuples(st.just("move_task"), pick, pick),
    st.tuples(st.just("delete_task"), pick),
    st.tuples(st.just("add_hearing"), pick, st.integers(-48, 24 * 40), st.sampled_from(HEARING_STATUSES)),
    st.tuples(
        st.just("update_hearing"), pick, pick, st.integers(-48, 24 * 40), st.sampled_from(HEARING_STATUSES)
    ),
    st.tuples(st.just("delete_hearing"), pick),
    st.tuples(st.just("flags"), pick, st.sets(st.sampled_from(VULNERABILITY_FIELDS))),
    st.tuples(st.just("bulk_flags"), st.sampled_from(VULNERABILITY_FIELDS), st.booleans()),
)


def _choose(options: list, index: int):
    return options[index % len(options)]


def _values(world, fields: dict) -> dict:
    values = {}
    for name, value in fields.items():
        if name in ("status", "category", "priority"):
            values[name] = value
        elif name == "consulate":
            values["consulate_id"] = _choose(world["consulates"], value)
        elif name == "person":
            values["person_id"] = _choose(world["persons"], value)
        elif name == "assigned_to":
            values["assigned_to_id"] = None if value is None else _choose(world["users"], value)
        elif name == "facility":
            values["facility_id"] = None if value is None else _choose(world["facilities"], value)
        elif name == "outcome":
            values["outcome"] = value
        elif name == "reception_point":
            values["reception_point_id"] = (
                None if value is None else _choose(world["reception_points"], value)
            )
        elif name == "released":
            values["released_on"] = timezone.localdate() if value else None
        elif name == "opened_hours_ago":
            values["opened_at"] = timezone.now() - dt.timedelta(hours=value, minutes=13)
        elif name == "closed_hours_ago":
            values["closed_at"] = None if value is None else timezone.now() - dt.timedelta(hours=value)
    if values.get("status") == Status.CLOSED:
        values.setdefault("outcome", "other")
    return values


def _apply(world, operation) -> None:
    kind, *args = operation
    cases = list(Case.objects.order_by("pk").values_list("pk", flat=True))
    tasks = list(Task.objects.order_by("pk").values_list("pk", flat=True))
    hearings = list(Hearing.objects.order_by("pk").values_list("pk", flat=True))
    today = timezone.localdate()
    if kind == "open":
        values = {
            "consulate_id": world["consulates"][0],
            "person_id": world["persons"][0],
            "category": Category.MIGRATORIO,
            **_values(world, args[0]),
        }
        now = timezone.now()
        values.setdefault("opened_at", now)
        Case.objects.create(reference=f"TST-2030-{next(_references):06d}", last_activity_at=now, **values)
    elif kind in ("update", "bulk") and cases:
        values = _values(world, args[1])
        if values.get("status", "closed") == Status.CLOSED:
            values.setdefault("outcome", "other")
        if values:
            if kind == "update":
                Case.objects.filter(pk=_choose(cases, args[0])).update(**values)
            else:  # every case of one consulate at once
                Case.objects.filter(consulate_id=_choose(world["consulates"], args[0])).update(**values)
    elif kind == "delete_case" and cases:
        case_id = _choose(cases, args[0])
        Task.objects.filter(case_id=case_id).delete()
        Hearing.objects.filter(case_id=case_id).delete()
        Case.objects.filter(pk=case_id).delete()
    elif kind == "add_task" and cases:
        case_index, assignee, days, done = args
        Task.objects.create(
            case_id=_choose(cases, case_index),
            title="Seguimiento",
            assignee_id=None if assignee is None else _choose(world["users"], assignee),
            due_date=today + dt.timedelta(days=days),
            done=done,
        )
    elif kind == "update_task" and tasks:
        task_index, assignee, days, done = args
        Task.objects.filter(pk=_choose(tasks, task_index)).update(
            assignee_id=None if assignee is None else _choose(world["users"], assignee),
            due_date=today + dt.timedelta(days=days),
            done=done,
        )
    elif kind == "move_task" and tasks and cases:
        Task.objects.filter(pk=_choose(tasks, args[0])).update(case_id=_choose(cases, args[1]))
    elif kind == "delete_task" and tasks:
        Task.objects.filter(pk=_choose(tasks, args[0])).delete()
    elif kind == "add_hearing" and cases:
        case_index, hours, status = args
        Hearing.objects.create(
            case_id=_choose(cases, case_index),
            kind="master_calendar",
            starts_at=timezone.now() + dt.timedelta(hours=hours, minutes=7),
            location="Corte",
            status=status,
        )
    elif kind == "update_hearing" and hearings and cases:
        hearing_index, case_index, hours, status = args
        Hearing.objects.filter(pk=_choose(hearings, hearing_index)).update(
            case_id=_choose(cases, case_index),
            starts_at=timezone.now() + dt.timedelta(hours=hours, minutes=7),
            status=status,
        )
    elif kind == "delete_hearing" and hearings:
        Hearing.objects.filter(pk=_choose(hearings, args[0])).delete()
    elif kind == "flags":
        person, flags = args
        Person.objects.filter(pk=_choose(world["persons"], person)).update(
            **{name: name in flags for name in VULNERABILITY_FIELDS}
        )
    elif kind == "bulk_flags":
        Person.objects.update(**{args[0]: args[1]})


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=12))
def test_any_sequence_of_writes_keeps_the_summaries_exact(world, steps):
    for step in steps:
        _apply(world, step)
        assert summary.drift() == {}, step
