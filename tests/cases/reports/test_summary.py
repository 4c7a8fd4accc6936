"""The trigger-kept summaries of the open caseload equal a fresh aggregate over the base tables after
every kind of write: through the services (open, assign, status changes, close, reopen, transfer,
custody, tasks, a person's vulnerability flags) and around them (bulk ``update()``, deletes, COPY).
``summary.drift()`` compares every summary table, key by key, with the aggregate computed now."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pgtrigger
import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    Hearing,
    OpenCaseload,
    OpenPerson,
    Person,
    Reminder,
    Task,
    Transfer,
    VulnerableOpen,
)
from cases.models.case import Outcome, Priority, Status
from cases.models.report_summary import NETWORK
from cases.reports import summary
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from consulates.models import DetentionFacility
from tests import factories as f
from tests.cases.reports import builders as b
from tests.factories.crossoffice import make_transfer

pytestmark = pytest.mark.django_db


def exact():
    assert summary.drift() == {}


def delete_cases(ids: list[int]) -> None:
    """Delete cases with everything that refers to them (the timeline is append-only: switched off)."""
    with pgtrigger.ignore("cases.CaseEvent:caseevent_append_only"):
        for model in (CaseEvent, Task, Transfer, Reminder):
            model.objects.filter(case_id__in=ids).delete()
        Case.objects.filter(pk__in=ids).delete()


def caseload(**filters) -> int:
    return sum(OpenCaseload.objects.filter(**filters).values_list("n", flat=True))


def vulnerable(consulate_id, flags) -> int:
    return sum(
        VulnerableOpen.objects.filter(consulate_id=consulate_id, flags=flags).values_list("n", flat=True)
    )


@pytest.fixture
def staff():
    return {
        "officer": f.officer("dallas"),
        "supervisor": f.supervisor("dallas"),
        "el_paso": f.supervisor("el_paso"),
        "el_paso_officer": f.officer("el_paso"),
    }


def facility(slug: str) -> DetentionFacility:
    return DetentionFacility.objects.filter(county__consulate__slug=slug).order_by("pk").first()


def test_the_hand_built_network_is_exact_and_the_reports_read_the_summary():
    """``builders.build`` goes through most services and ends with a bulk ``update()`` per case."""
    world = b.build()
    exact()
    manager = world.users["manager"]
    before = REPORTS["open_cases"](manager, b.PARAMS).rows
    assert before == b.expected_open_cases(world)
    # A stray row in the summary shows in the report: it reads the summary, not the cases.
    OpenCaseload.objects.create(
        consulate_id=world.dallas.pk, status=Status.OPEN, category="civil", priority=Priority.LOW, n=1
    )
    after = REPORTS["open_cases"](manager, b.PARAMS).rows
    assert after[0]["total"] == before[0]["total"] + 1
    assert summary.drift()["caseload"]


def test_opening_assigning_and_updating_a_case(staff):
    case = f.make_case(staff["officer"], category="penal", priority=Priority.HIGH)
    assert caseload(consulate_id=case.consulate_id, category="penal", priority="high") == 1
    exact()
    services.case_assign(actor=staff["supervisor"], case=case, assignee=staff["officer"])
    assert caseload(assigned_to_id=staff["officer"].pk) == 1
    exact()
    services.case_update(actor=staff["officer"], case=case, priority=Priority.URGENT, category="civil")
    assert caseload(category="penal") == 0
    exact()
    services.case_assign(actor=staff["supervisor"], case=case, assignee=None)
    exact()


def test_closing_approving_rejecting_and_reopening(staff):
    urgent = f.make_case(staff["officer"], priority=Priority.URGENT)
    services.case_close_request(actor=staff["officer"], case=urgent, outcome=Outcome.RESOLVED)
    assert Case.objects.get(pk=urgent.pk).status == Status.PENDING_CLOSURE
    assert caseload(status=Status.PENDING_CLOSURE) == 1
    exact()
    services.case_close_reject(actor=staff["supervisor"], case=urgent, reason="Falta la constancia")
    exact()
    services.case_close_request(actor=staff["officer"], case=urgent, outcome=Outcome.RESOLVED)
    services.case_close_approve(actor=staff["supervisor"], case=urgent)
    assert caseload() == 0
    exact()
    plain = f.make_case(staff["officer"])
    services.case_close_request(actor=staff["supervisor"], case=plain, outcome=Outcome.RELEASED)
    assert Case.objects.get(pk=plain.pk).status == Status.CLOSED
    exact()
    services.case_reopen(actor=staff["officer"], case=plain, reason="Volvió a ser detenido")
    assert caseload(status=Status.IN_PROGRESS) == 1
    exact()


def test_custody_set_moved_within_and_out_of_the_district_and_released(staff):
    case = f.make_case(staff["officer"])
    today = timezone.localdate()
    services.case_update(actor=staff["officer"], case=case, facility=facility("dallas"), detained_since=today)
    assert caseload(facility_id=facility("dallas").pk) == 1
    exact()
    # A facility in El Paso's district: a transfer is proposed; the case stays in Dallas meanwhile.
    services.case_update(actor=staff["officer"], case=case, facility=facility("el_paso"))
    assert caseload(facility_id=facility("el_paso").pk, consulate_id=case.consulate_id) == 1
    exact()
    services.case_update(actor=staff["officer"], case=case, released_on=today)
    assert caseload(facility__isnull=False) == 0
    exact()
    services.case_update(actor=staff["officer"], case=case, released_on=None, facility=None)
    exact()


def test_an_accepted_transfer_moves_the_case_its_tasks_and_its_person(staff):
    person = f.make_person(staff["officer"], is_minor=True)
    case = f.make_case(staff["officer"], person=person)
    services.task_add(
        actor=staff["officer"],
        case=case,
        title="Llamar",
        due_date=timezone.localdate() - dt.timedelta(days=2),
        assignee=staff["officer"],
    )
    exact()
    transfer = make_transfer(staff["officer"], case, "el_paso")
    services.transfer_accept(actor=staff["el_paso"], transfer=transfer)
    case.refresh_from_db()
    assert case.consulate.slug == "el_paso"
    assert caseload(consulate_id=case.consulate_id) == 1
    assert OpenPerson.objects.filter(person_id=person.pk).count() == 2  # El Paso, and the network
    exact()


def test_tasks_added_done_reassigned_and_on_cases_closed_and_reopened(staff):
    case = f.make_case(staff["officer"])
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    task = services.task_add(
        actor=staff["officer"], case=case, title="Visita", due_date=yesterday, assignee=staff["officer"]
    )
    other = services.task_add(actor=staff["officer"], case=case, title="Llamada", due_date=None)
    exact()
    services.task_update(
        actor=staff["officer"], task=task, title="Visita", due_date=yesterday, assignee=staff["supervisor"]
    )
    exact()
    services.task_complete(actor=staff["officer"], task=other)
    exact()
    services.case_close_request(actor=staff["supervisor"], case=case, outcome=Outcome.RESOLVED)
    assert not summary.stored()["tasks"]
    exact()
    services.case_reopen(actor=staff["officer"], case=case, reason="Nueva audiencia")
    assert sum(summary.stored()["tasks"].values()) == 1
    exact()


def test_a_persons_vulnerability_flags_follow_every_open_case(staff):
    person = f.make_person(staff["officer"])
    f.make_case(staff["officer"], person=person)
    second = f.make_case(staff["officer"], person=person)
    moved = f.make_case(staff["officer"], person=person)
    services.transfer_accept(
        actor=staff["el_paso"], transfer=make_transfer(staff["officer"], moved, "el_paso")
    )
    assert vulnerable(NETWORK, 0) == 1  # one person, three open cases
    assert OpenPerson.objects.get(person_id=person.pk, consulate_id=NETWORK).n == 3
    exact()
    services.person_update(actor=staff["officer"], person=person, is_pregnant=True, fears_return=True)
    flags = 1 << 2 | 1 << 6
    assert (vulnerable(NETWORK, 0), vulnerable(NETWORK, flags)) == (0, 1)
    assert vulnerable(second.consulate_id, flags) == 1
    exact()
    Person.objects.filter(pk=person.pk).update(is_pregnant=False)  # bulk, outside the services
    exact()
    services.case_close_request(actor=staff["supervisor"], case=second, outcome=Outcome.RESOLVED)
    exact()  # still one open case in Dallas: still counted there


def test_bulk_updates_deletes_and_copy(staff):
    cases = [f.make_case(staff["officer"]) for _ in range(4)]
    services.task_add(actor=staff["officer"], case=cases[0], title="Cita", due_date=timezone.localdate())
    Case.objects.update(priority=Priority.LOW, assigned_to=staff["officer"])
    exact()
    Case.objects.filter(pk__in=[c.pk for c in cases[:2]]).update(status=Status.CLOSED, outcome=Outcome.OTHER)
    exact()
    Case.objects.filter(pk=cases[0].pk).update(status=Status.IN_PROGRESS)
    Task.objects.update(done=True)
    exact()
    Person.objects.update(is_minor=True, has_disability=True)
    exact()
    delete_cases([cases[1].pk, cases[3].pk])
    exact()
    # COPY (as seed_demo writes) goes through the statement triggers too.
    template = Case.objects.filter(pk=cases[2].pk).values(
        "person_id", "consulate_id", "category", "priority", "opened_at", "last_activity_at"
    )[0]
    with (
        connection.connection.cursor() as copying,
        copying.copy(
            "COPY cases_case (reference, person_id, consulate_id, category, subtype, status, priority, "
            "summary, notified_by, outcome, outcome_notes, opened_at, last_activity_at, version) FROM STDIN"
        ) as copy,
    ):
        for number in range(3):
            copy.write_row(
                (
                    f"DAL-2099-{number:06d}",
                    template["person_id"],
                    template["consulate_id"],
                    "laboral",
                    "",
                    Status.OPEN,
                    Priority.URGENT,
                    "",
                    "",
                    "",
                    "",
                    template["opened_at"],
                    template["last_activity_at"],
                    1,
                )
            )
    assert caseload(category="laboral", priority=Priority.URGENT) == 3
    exact()


def test_deleting_a_person_and_their_open_case_in_either_order(staff):
    first = f.make_case(staff["officer"], person=f.make_person(staff["officer"], is_older_adult=True))
    second = f.make_case(staff["officer"], person=f.make_person(staff["officer"], is_minor=True))
    with transaction.atomic():
        # The case first, then its person; and the other way round (the foreign keys are checked at
        # the end of the transaction).
        delete_cases([first.pk])
        Person.objects.filter(pk=first.person_id).delete()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("DELETE FROM cases_person WHERE id = %s", [second.person_id])
        delete_cases([second.pk])
    exact()
    assert not OpenPerson.objects.exists()


def test_compacting_keeps_every_figure_and_folds_the_rows(staff):
    case = f.make_case(staff["officer"])
    for priority in (Priority.HIGH, Priority.LOW, Priority.URGENT, Priority.NORMAL):
        services.case_update(actor=staff["officer"], case=case, priority=priority)
    before = summary.stored()
    rows = OpenCaseload.objects.count()
    summary.compact()
    assert summary.stored() == before
    assert OpenCaseload.objects.count() < rows
    assert OpenCaseload.objects.count() == 1
    exact()


def test_rebuild_repairs_a_summary_that_drifted(staff):
    f.make_case(staff["officer"], person=f.make_person(staff["officer"], has_disability=True))
    VulnerableOpen.objects.create(consulate_id=NETWORK, flags=1, n=5)
    assert "vulnerable" in summary.drift()
    summary.rebuild()
    exact()


def test_no_role_no_figures(staff):
    f.make_case(staff["officer"], person=f.make_person(staff["officer"], is_minor=True))
    nobody = f.UserFactory()
    params = ReportParams(start=b.START, end=b.END)
    for name in ("open_cases", "custody_by_facility", "workload", "attention"):
        assert REPORTS[name](nobody, params).rows == [], name
    assert {row["persons"] for row in REPORTS["vulnerable_open"](nobody, params).rows} == {0}


def test_hearings_scheduled_moved_cancelled_held_and_transferred(staff):
    case = f.make_case(staff["officer"])
    soon = timezone.now() + dt.timedelta(days=3)
    hearing = services.hearing_schedule(
        actor=staff["officer"], case=case, kind="master_calendar", starts_at=soon, location="Corte"
    )
    second = services.hearing_schedule(
        actor=staff["officer"], case=case, kind="master_calendar", starts_at=soon, location="Corte"
    )
    assert sum(summary.stored()["hearings"].values()) == 2
    exact()
    services.hearing_update(
        actor=staff["officer"],
        hearing=hearing,
        kind="master_calendar",
        starts_at=soon + dt.timedelta(days=9, minutes=17),
        location="Corte",
    )
    exact()
    services.hearing_cancel(actor=staff["officer"], hearing=second, reason="Reprogramada")
    exact()
    services.transfer_accept(
        actor=staff["el_paso"], transfer=make_transfer(staff["officer"], case, "el_paso")
    )
    assert list(summary.stored()["hearings"]) == [(f.consulate("el_paso").pk, mock_hour(hearing))]
    exact()
    Hearing.objects.update(status="held")
    exact()


def mock_hour(hearing) -> dt.datetime:
    hearing.refresh_from_db()
    return hearing.starts_at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def test_upcoming_hearings_count_the_partial_first_and_last_hours(staff):
    """Whole hours come from the summary and the edges from the hearings: each edge, both sides."""
    case = f.make_case(staff["officer"])
    now = timezone.now()
    offsets = {
        "in 10 minutes": dt.timedelta(minutes=10),
        "in 2 hours": dt.timedelta(hours=2),
        "7 days less 5 minutes": dt.timedelta(days=7, minutes=-5),
        "7 days and 5 minutes": dt.timedelta(days=7, minutes=5),
        "30 days less 5 minutes": dt.timedelta(days=30, minutes=-5),
        "30 days and 5 minutes": dt.timedelta(days=30, minutes=5),
        "10 minutes ago": dt.timedelta(minutes=-10),
    }
    for offset in offsets.values():
        hearing = services.hearing_schedule(
            actor=staff["officer"],
            case=case,
            kind="master_calendar",
            starts_at=now + dt.timedelta(days=1),
            location="Corte",
        )
        Hearing.objects.filter(pk=hearing.pk).update(starts_at=now + offset)
    exact()
    with mock.patch("django.utils.timezone.now", return_value=now):
        rows = REPORTS["upcoming_hearings"](staff["officer"], ReportParams(start=b.START, end=b.END)).rows
    assert rows == [{"consulate": "Dallas", "next_7": 3, "next_30": 5}]


def test_the_daily_flow_follows_openings_closures_reopenings_and_a_time_zone_change(staff):
    case = f.make_case(staff["officer"])
    exact()
    services.case_close_request(actor=staff["supervisor"], case=case, outcome=Outcome.RESOLVED)
    assert {key[2] for key in summary.stored()["flow"]} == {"opened", "closed"}
    exact()
    services.case_reopen(actor=staff["officer"], case=case, reason="Nueva detención")
    exact()
    # Late on a Sunday evening in Dallas: already Monday in UTC.
    sunday = dt.datetime(2025, 1, 12, 23, 30, tzinfo=b.CHI)
    Case.objects.filter(pk=case.pk).update(
        opened_at=sunday, status=Status.CLOSED, closed_at=sunday, outcome="other"
    )
    assert set(summary.stored()["flow"]) == {
        (case.consulate_id, dt.date(2025, 1, 12), "opened", "", None),
        (case.consulate_id, dt.date(2025, 1, 12), "closed", "other", None),
    }
    exact()
    rows = REPORTS["weekly_flow"](staff["officer"], ReportParams(start=b.START, end=b.END)).rows
    assert {"week": "2025-01-06", "opened": 1, "closed": 1} in rows
    case.consulate.__class__.objects.filter(pk=case.consulate_id).update(timezone="UTC")
    assert {key[1] for key in summary.stored()["flow"]} == {dt.date(2025, 1, 13)}
    exact()
