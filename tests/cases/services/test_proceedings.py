"""cases/services/proceedings.py: legal proceedings, decisions, deadlines and their reminders."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from cases import services
from cases.models import Hearing, Proceeding, Reminder
from cases.models.proceeding import DeadlineKind, DeadlineStatus, ProceedingStatus
from cases.models.reminder import ReminderKind, ReminderStatus
from consulates.models import ImmigrationCourt
from tests import factories as f
from tests.dbchecks import error_fields, last_event_pk, new_events

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def case(officer):
    return f.make_case(officer)


def court(name: str) -> ImmigrationCourt:
    return ImmigrationCourt.objects.get(name=name)


def open_removal(officer, case, **fields):
    return services.proceeding_open(
        actor=officer, case=case, kind="removal", court=court("Dallas Immigration Court"), **fields
    )


def pending_deadline_reminders(deadline):
    return list(
        Reminder.objects.filter(
            subject_type="deadline", subject_id=deadline.pk, status=ReminderStatus.PENDING
        )
        .order_by("due_at")
        .values_list("kind", "due_at")
    )


def test_a_judges_removal_order_opens_the_bia_appeal_deadline_30_days_later_reminded_on_the_courts_clock(
    officer, case
):
    proceeding = open_removal(officer, case, started_on=TODAY - dt.timedelta(days=90))
    before = last_event_pk(case)
    decided_on = TODAY - dt.timedelta(days=1)
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="removal_ordered", decided_on=decided_on
    )
    proceeding.refresh_from_db()
    assert proceeding.status == ProceedingStatus.DECIDED
    (deadline,) = proceeding.deadlines.all()
    assert deadline.kind == DeadlineKind.BIA_APPEAL
    assert deadline.due_on == decided_on + dt.timedelta(days=30)
    central = zoneinfo.ZoneInfo("America/Chicago")
    assert pending_deadline_reminders(deadline) == [
        (
            ReminderKind.DEADLINE_7D,
            dt.datetime.combine(deadline.due_on - dt.timedelta(days=7), dt.time(8), central),
        ),
        (
            ReminderKind.DEADLINE_2D,
            dt.datetime.combine(deadline.due_on - dt.timedelta(days=2), dt.time(8), central),
        ),
    ]
    (event,) = [e for e in new_events(case, before) if e.kind == "proceeding_decided"]
    assert event.payload["deadlines"][0]["kind"] == "bia_appeal"


def test_deadline_reminders_are_on_a_mountain_courts_clock(officer):
    el_paso = f.officer("el_paso")
    case = f.make_case(el_paso)
    proceeding = services.proceeding_open(
        actor=el_paso, case=case, kind="removal", court=court("El Paso Immigration Court")
    )
    services.proceeding_decide(
        actor=el_paso, proceeding=proceeding, outcome="removal_ordered", decided_on=TODAY
    )
    deadline = proceeding.deadlines.get()
    first = pending_deadline_reminders(deadline)[0][1]
    assert first.astimezone(zoneinfo.ZoneInfo("America/Denver")).time() == dt.time(8)


def test_an_order_in_absence_opens_the_motion_to_reopen_not_an_appeal(officer, case):
    proceeding = open_removal(officer, case)
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="ordered_in_absence", decided_on=TODAY
    )
    assert list(proceeding.deadlines.values_list("kind", "due_on")) == [
        (DeadlineKind.MOTION_TO_REOPEN, TODAY + dt.timedelta(days=180))
    ]


def test_voluntary_departure_needs_its_date_to_leave_and_gets_both_deadlines(officer, case):
    proceeding = open_removal(officer, case)
    with pytest.raises(ValidationError) as refused:
        services.proceeding_decide(
            actor=officer, proceeding=proceeding, outcome="voluntary_departure_granted", decided_on=TODAY
        )
    assert error_fields(refused.value) == {"departure_by"}
    leave_by = TODAY + dt.timedelta(days=60)
    services.proceeding_decide(
        actor=officer,
        proceeding=proceeding,
        outcome="voluntary_departure_granted",
        decided_on=TODAY,
        departure_by=leave_by,
    )
    assert sorted(proceeding.deadlines.values_list("kind", flat=True)) == [
        DeadlineKind.BIA_APPEAL,
        DeadlineKind.DEPARTURE,
    ]


def test_a_decision_must_be_one_of_the_kinds_and_not_in_the_future(officer, case):
    habeas = services.proceeding_open(
        actor=officer,
        case=case,
        kind="habeas",
        court=court("Northern District of Texas, Dallas Division"),
        docket_number="3:26-cv-01234",
    )
    with pytest.raises(ValidationError) as refused:
        services.proceeding_decide(
            actor=officer,
            proceeding=habeas,
            outcome="removal_ordered",
            decided_on=TODAY + dt.timedelta(days=1),
        )
    assert error_fields(refused.value) == {"outcome", "decided_on"}
    services.proceeding_decide(actor=officer, proceeding=habeas, outcome="petition_granted", decided_on=TODAY)
    assert not habeas.deadlines.exists()  # no BIA appeal from a federal court


@pytest.mark.parametrize(
    ("fields", "fields_refused"),
    [
        ({"kind": "habeas"}, {"court"}),
        ({"kind": "habeas", "court": "Dallas Immigration Court"}, {"court"}),
        ({"kind": "removal", "court": "Northern District of Texas, Dallas Division"}, {"court"}),
        ({"kind": "removal", "docket_number": "A-123"}, {"docket_number"}),
        ({"kind": "expedited_removal", "court": "Dallas Immigration Court"}, {"court"}),
        (
            {
                "kind": "criminal",
                "court_name": "Dallas County Criminal Court No. 3",
                "court": "Dallas Immigration Court",
            },
            {"court", "court_name"},
        ),
        ({"kind": "removal", "counsel_kind": "private"}, {"counsel_name"}),
        ({"kind": "removal", "counsel_kind": "partner"}, {"counsel_partner"}),
        ({"kind": "nonsense"}, {"kind"}),
    ],
)
def test_what_a_proceeding_may_hold(officer, case, fields, fields_refused):
    fields = dict(fields)
    if "court" in fields:
        fields["court"] = court(fields["court"])
    with pytest.raises(ValidationError) as refused:
        services.proceeding_open(actor=officer, case=case, **fields)
    assert error_fields(refused.value) == fields_refused
    assert not Proceeding.objects.filter(case=case).exists()


def test_a_criminal_case_may_name_its_court_in_words(officer, case):
    proceeding = services.proceeding_open(
        actor=officer,
        case=case,
        kind="criminal",
        court_name="Dallas County Criminal Court No. 3",
        docket_number="F-26-1234",
    )
    assert proceeding.court_label == "Dallas County Criminal Court No. 3"


def test_the_attorney_of_record_keeps_only_its_kinds_fields_and_is_on_the_timeline(officer, case):
    proceeding = open_removal(officer, case)
    before = last_event_pk(case)
    services.proceeding_update(
        actor=officer,
        proceeding=proceeding,
        counsel_kind="private",
        counsel_name="Lic. Ana Torres",
        counsel_firm="Torres & Asociados",
        eoir28_filed_on=TODAY,
        expected_version=proceeding.version,
    )
    proceeding.refresh_from_db()
    assert proceeding.counsel_label == "Lic. Ana Torres, Torres & Asociados"
    (event,) = new_events(case, before)[:1]
    assert event.kind == "proceeding_updated"
    assert set(event.payload["changes"]) == {
        "counsel_kind",
        "counsel_name",
        "counsel_firm",
        "eoir28_filed_on",
    }
    services.proceeding_update(actor=officer, proceeding=proceeding, counsel_kind="none")
    proceeding.refresh_from_db()
    assert (proceeding.counsel_name, proceeding.counsel_firm, proceeding.eoir28_filed_on) == ("", "", None)


def test_a_stale_edit_is_refused(officer, case):
    proceeding = open_removal(officer, case)
    services.proceeding_update(actor=officer, proceeding=proceeding, notes="NTA recibido")
    with pytest.raises(ValidationError) as refused:
        services.proceeding_update(
            actor=officer, proceeding=proceeding, notes="otra cosa", expected_version=proceeding.version
        )
    assert refused.value.code == "stale"


def test_met_waived_and_closed_deadlines_stop_their_reminders(officer, case):
    proceeding = open_removal(officer, case)
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="removal_ordered", decided_on=TODAY
    )
    appeal = proceeding.deadlines.get()
    brief = services.deadline_add(
        actor=officer,
        proceeding=proceeding,
        kind="filing",
        due_on=TODAY + dt.timedelta(days=20),
        description="Escrito",
    )
    assert pending_deadline_reminders(brief)
    services.proceeding_status_set(actor=officer, proceeding=proceeding, status="on_appeal")
    appeal.refresh_from_db()
    assert appeal.status == DeadlineStatus.MET  # the appeal was filed
    assert not pending_deadline_reminders(appeal)
    assert pending_deadline_reminders(brief)
    services.deadline_resolve(actor=officer, deadline=brief, status="waived")
    assert not pending_deadline_reminders(brief)
    with pytest.raises(ValidationError):
        services.deadline_resolve(actor=officer, deadline=brief, status="met")
    other = services.deadline_add(
        actor=officer,
        proceeding=proceeding,
        kind="other",
        due_on=TODAY + dt.timedelta(days=20),
        description="Pruebas",
    )
    services.proceeding_status_set(actor=officer, proceeding=proceeding, status="closed")
    assert not pending_deadline_reminders(other)


def test_another_consulates_officer_cannot_record_a_proceeding(case):
    with pytest.raises(PermissionDenied):
        services.proceeding_open(actor=f.officer("houston"), case=case, kind="removal")
    assert not Proceeding.objects.exists()


def test_a_hearing_without_a_proceeding_joins_the_open_removal_proceedings_created_once(officer, case):
    starts = timezone.now() + dt.timedelta(days=10)
    first = services.hearing_schedule(
        actor=officer,
        case=case,
        kind="master_calendar",
        starts_at=starts,
        court=court("Dallas Immigration Court"),
    )
    second = services.hearing_schedule(
        actor=officer, case=case, kind="individual", starts_at=starts, location="Sala 2"
    )
    assert first.proceeding_id == second.proceeding_id
    proceeding = first.proceeding
    assert (proceeding.kind, proceeding.status, proceeding.court.name) == (
        "removal",
        "pending",
        "Dallas Immigration Court",
    )
    criminal = services.hearing_schedule(
        actor=officer,
        case=case,
        kind="criminal",
        starts_at=starts,
        court=court("Northern District of Texas, Dallas Division"),
    )
    assert criminal.proceeding.kind == "criminal"
    family = services.hearing_schedule(
        actor=officer, case=case, kind="family", starts_at=starts, location="Corte familiar"
    )
    assert family.proceeding is None


def test_a_hearing_is_scheduled_in_the_chosen_proceeding_of_its_case_only(officer, case):
    habeas = services.proceeding_open(
        actor=officer, case=case, kind="habeas", court=court("Northern District of Texas, Dallas Division")
    )
    starts = timezone.now() + dt.timedelta(days=10)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="other", starts_at=starts, location="Sala 1", proceeding=habeas
    )
    assert hearing.proceeding == habeas
    another = f.make_case(officer)
    with pytest.raises(ValidationError) as refused:
        services.hearing_schedule(
            actor=officer, case=another, kind="other", starts_at=starts, location="Sala 1", proceeding=habeas
        )
    assert error_fields(refused.value) == {"proceeding"}
    assert Hearing.objects.filter(case=another).count() == 0


def test_the_timeline_names_the_proceeding_its_decision_and_the_deadline(officer, case):
    from django.utils import translation

    from cases.timeline import kinds_of, timeline_entries

    proceeding = open_removal(officer, case)
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="removal_ordered", decided_on=TODAY
    )
    events = case.events.filter(kind__in=kinds_of("proceedings")).select_related("actor").order_by("-pk")
    with translation.override("es"):
        decided, opened = timeline_entries(events)
    assert opened.group == "proceedings"
    assert decided.facts[:2] == [
        "Procedimiento de deportación ante un juez de inmigración",
        "Deportación ordenada",
    ]
    assert decided.facts[2].startswith("Apelación ante la Junta de Apelaciones de Inmigración: ")
    with translation.override("es"):
        in_words = date_format(TODAY + dt.timedelta(days=30))  # the deadline's day in words, not ISO
    assert decided.facts[2].endswith(in_words)
    assert " de " in in_words
