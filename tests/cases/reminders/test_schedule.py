"""cases/reminders/schedule.py and the service hooks: which reminders each change leaves pending, when
(in the consulate's time) and to whom; rescheduling moves them, cancelling cancels them, in the same
transaction as the change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from cases import services
from cases.models import Consent, Reminder
from cases.reminders.schedule import CATCH_UP, Wanted, _still_useful
from consulates.models import DetentionFacility, PartnerService, ReceptionPoint
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, DENVER, NOW, at, local, rows
from tests.factories.crossoffice import make_referral, make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

COURT = "Immigration Court, 1100 Commerce St"
PHONE = "(214) 555-0142"
OWN_DISTRICT = "Prairieland Detention Center"  # Dallas district
CONSULATES = pytest.mark.parametrize(("slug", "tz"), [("dallas", CHICAGO), ("el_paso", DENVER)])


def person_with(actor, **fields):
    return f.make_person(actor, **{"phone": PHONE, "contact_consent": True, **fields})


def schedule_hearing(actor, case, starts_at):
    return services.hearing_schedule(
        actor=actor, case=case, kind="master_calendar", starts_at=starts_at, location=COURT
    )


def move_hearing(actor, hearing, starts_at):
    return services.hearing_update(
        actor=actor, hearing=hearing, kind=hearing.kind, starts_at=starts_at, location=hearing.location
    )


def person_rows(person, due_7d: str, due_1d: str, channel: str = "sms") -> set:
    return {
        ("hearing_person_7d", channel, f"person:{person.pk}", due_7d),
        ("hearing_person_1d", channel, f"person:{person.pk}", due_1d),
    }


def officer_row(due: str) -> tuple:
    return ("hearing_officer_2d", "email", "case-officer", due)


# --- hearings -------------------------------------------------------------------------------------


@CONSULATES
def test_hearing_reminders_are_due_at_the_hearing_time_minus_days_in_local_time(slug, tz):
    officer = f.officer(slug)
    person = person_with(officer)
    case = f.make_case(officer, person=person)
    hearing = schedule_hearing(officer, case, at(tz, "2026-05-12 09:30"))
    assert rows("hearing", hearing.pk, tz) == {
        *person_rows(person, "2026-05-05 09:30", "2026-05-11 09:30"),
        officer_row("2026-05-10 09:30"),
    }
    stored = Reminder.objects.filter(subject_type="hearing", subject_id=hearing.pk)
    assert {r.case_id for r in stored} == {case.pk}
    assert {r.person_id for r in stored if r.kind.startswith("hearing_person")} == {person.pk}


@pytest.mark.parametrize(
    ("slug", "tz", "expected"),
    [
        # 02:30 UTC on 13 May is 21:30 in Dallas: the person's reminders wait for the next morning.
        ("dallas", CHICAGO, ("2026-05-06 08:00", "2026-05-12 08:00", "2026-05-10 21:30")),
        # ...and 20:30 in El Paso, before the quiet hours: the same instant is not moved there.
        ("el_paso", DENVER, ("2026-05-05 20:30", "2026-05-11 20:30", "2026-05-10 20:30")),
    ],
)
def test_quiet_hours_are_those_of_the_consulate(slug, tz, expected):
    officer = f.officer(slug)
    person = person_with(officer)
    hearing = schedule_hearing(
        officer, f.make_case(officer, person=person), dt.datetime(2026, 5, 13, 2, 30, tzinfo=dt.UTC)
    )
    due_7d, due_1d, due_officer = expected
    assert rows("hearing", hearing.pk, tz) == {
        *person_rows(person, due_7d, due_1d),
        officer_row(due_officer),  # staff reminders are not held back by quiet hours
    }


@pytest.mark.parametrize(
    ("hearing_at", "due_7d", "due_1d"),
    [
        ("2026-05-12 07:00", "2026-05-05 08:00", "2026-05-11 08:00"),  # early: wait until 08:00
        ("2026-05-12 08:00", "2026-05-05 08:00", "2026-05-11 08:00"),  # 08:00 is allowed
        ("2026-05-12 20:59", "2026-05-05 20:59", "2026-05-11 20:59"),  # just before 21:00
        ("2026-05-12 21:00", "2026-05-06 08:00", "2026-05-12 08:00"),  # 21:00: the next morning
        ("2026-05-12 23:45", "2026-05-06 08:00", "2026-05-12 08:00"),
    ],
)
def test_person_reminders_never_fall_in_quiet_hours(hearing_at, due_7d, due_1d):
    officer = f.officer("dallas")
    person = person_with(officer)
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), at(CHICAGO, hearing_at))
    assert {r for r in rows("hearing", hearing.pk, CHICAGO) if r[0].startswith("hearing_person")} == (
        person_rows(person, due_7d, due_1d)
    )


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({"phone": PHONE, "email": "rosa@example.invalid"}, "sms"),
        ({"phone": "", "email": "rosa@example.invalid"}, "email"),
        ({"contact_consent": False}, None),
        ({"phone": "", "email": ""}, None),
    ],
)
def test_the_person_is_reminded_only_with_consent_and_an_address(fields, channel):
    officer = f.officer("dallas")
    person = person_with(officer, **fields)
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), at(CHICAGO, "2026-05-12 09:30"))
    expected = {officer_row("2026-05-10 09:30")}
    if channel:
        expected |= person_rows(person, "2026-05-05 09:30", "2026-05-11 09:30", channel)
    assert rows("hearing", hearing.pk, CHICAGO) == expected


@pytest.mark.parametrize(
    ("partner_fields", "channel"),
    [
        ({"contact_email": "legal@aliada.example"}, "email"),
        (
            {"contact_email": "legal@aliada.example", "webhook_url": "https://aliada.example/hook"},
            "webhook",
        ),
        ({"contact_email": ""}, None),  # no way to reach the partner: no reminder
    ],
)
def test_the_partner_of_an_active_referral_is_reminded_two_days_before(partner_fields, channel):
    officer = f.officer("dallas")
    case = f.make_case(officer, person=person_with(officer))
    partner = f.PartnerFactory(covers=["dallas"], services=[PartnerService.LEGAL], **partner_fields)
    other = f.PartnerFactory(covers=["dallas"], contact_email="other@aliada.example")  # no referral
    hearing = schedule_hearing(officer, case, at(CHICAGO, "2026-05-12 09:30"))
    assert not Reminder.objects.filter(kind="hearing_partner_2d").exists()

    referral = make_referral(officer, case, partner)
    partner_rows = {r for r in rows("hearing", hearing.pk, CHICAGO) if r[0] == "hearing_partner_2d"}
    expected = (
        {("hearing_partner_2d", channel, f"partner:{partner.pk}", "2026-05-10 09:30")} if channel else set()
    )
    assert partner_rows == expected
    assert not Reminder.objects.filter(partner=other).exists()

    services.referral_withdraw(actor=officer, referral=referral, reason="Ya no se necesita.")
    assert {r for r in rows("hearing", hearing.pk, CHICAGO) if r[0] == "hearing_partner_2d"} == set()
    assert Reminder.objects.filter(kind="hearing_partner_2d", status="cancelled").count() == len(expected)


def test_rescheduling_moves_the_reminders_and_moving_back_revives_them():
    officer = f.officer("dallas")
    person = person_with(officer)
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), at(CHICAGO, "2026-05-12 09:30"))
    first = rows("hearing", hearing.pk, CHICAGO)

    move_hearing(officer, hearing, at(CHICAGO, "2026-05-20 11:00"))
    second = {
        *person_rows(person, "2026-05-13 11:00", "2026-05-19 11:00"),
        officer_row("2026-05-18 11:00"),
    }
    assert rows("hearing", hearing.pk, CHICAGO) == second
    assert rows("hearing", hearing.pk, CHICAGO, status="cancelled") == first

    move_hearing(officer, hearing, at(CHICAGO, "2026-05-12 09:30"))
    assert rows("hearing", hearing.pk, CHICAGO) == first
    assert rows("hearing", hearing.pk, CHICAGO, status="cancelled") == second
    # the same rows came back: nothing was duplicated
    assert Reminder.objects.filter(subject_type="hearing", subject_id=hearing.pk).count() == 6


def test_editing_a_hearing_without_moving_it_keeps_its_reminders():
    officer = f.officer("dallas")
    hearing = schedule_hearing(
        officer, f.make_case(officer, person=person_with(officer)), at(CHICAGO, "2026-05-12 09:30")
    )
    before = set(Reminder.objects.filter(subject_type="hearing").values_list("pk", "status"))
    services.hearing_update(
        actor=officer, hearing=hearing, kind="bond", starts_at=hearing.starts_at, location="Otra sala"
    )
    assert set(Reminder.objects.filter(subject_type="hearing").values_list("pk", "status")) == before


@pytest.mark.parametrize("ending", ["cancel", "outcome"])
def test_a_cancelled_or_held_hearing_reminds_nobody(ending):
    officer = f.officer("dallas")
    hearing = schedule_hearing(
        officer, f.make_case(officer, person=person_with(officer)), at(CHICAGO, "2026-05-12 09:30")
    )
    if ending == "cancel":
        services.hearing_cancel(actor=officer, hearing=hearing, reason="La corte la canceló.")
    else:
        services.hearing_outcome_record(actor=officer, hearing=hearing, outcome="Se celebró antes.")
    assert rows("hearing", hearing.pk, CHICAGO) == set()
    assert len(rows("hearing", hearing.pk, CHICAGO, status="cancelled")) == 3


def test_person_update_makes_hearing_reminders_follow_consent_and_contact_details():
    officer = f.officer("dallas")
    person = person_with(officer, email="rosa@example.invalid")
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), at(CHICAGO, "2026-05-12 09:30"))
    sms = person_rows(person, "2026-05-05 09:30", "2026-05-11 09:30", "sms")
    email = person_rows(person, "2026-05-05 09:30", "2026-05-11 09:30", "email")
    officer_only = {officer_row("2026-05-10 09:30")}

    person = services.person_update(actor=officer, person=person, phone="")
    assert rows("hearing", hearing.pk, CHICAGO) == officer_only | email
    person = services.person_update(actor=officer, person=person, contact_consent=False)
    assert rows("hearing", hearing.pk, CHICAGO) == officer_only
    person = services.person_update(actor=officer, person=person, contact_consent=True, phone=PHONE)
    assert rows("hearing", hearing.pk, CHICAGO) == officer_only | sms
    # a change that has nothing to do with messages leaves the reminders alone
    pending = set(Reminder.objects.filter(status="pending").values_list("pk", flat=True))
    services.person_update(actor=officer, person=person, needs_interpreter=True)
    assert set(Reminder.objects.filter(status="pending").values_list("pk", flat=True)) == pending


# --- catching up late reminders -------------------------------------------------------------------


def test_a_hearing_in_three_days_still_gets_its_7_day_reminder_at_once():
    officer = f.officer("dallas")
    person = person_with(officer)
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), NOW + dt.timedelta(days=3))
    assert rows("hearing", hearing.pk, CHICAGO) == {
        *person_rows(person, "2026-04-30 10:00", "2026-05-06 10:00"),  # the first one is already due
        officer_row("2026-05-05 10:00"),
    }


def test_of_two_missed_person_reminders_only_the_latest_is_kept():
    officer = f.officer("dallas")
    person = person_with(officer)
    # tomorrow 08:00 in Dallas: the 1-day reminder (today 08:00) and the 7-day one are both past
    hearing = schedule_hearing(officer, f.make_case(officer, person=person), at(CHICAGO, "2026-05-05 08:00"))
    assert rows("hearing", hearing.pk, CHICAGO) == {
        ("hearing_person_1d", "sms", f"person:{person.pk}", "2026-05-04 08:00"),
        officer_row("2026-05-03 08:00"),  # a different recipient: kept
    }


def test_still_useful_keeps_future_and_recently_missed_reminders_only():
    def wanted(kind, recipient, due):
        return Wanted(kind, "email", recipient, due)

    future = wanted("a", "x", NOW + dt.timedelta(hours=1))
    missed_recently = wanted("b", "y", NOW - CATCH_UP + dt.timedelta(minutes=1))
    missed_long_ago = wanted("c", "z", NOW - CATCH_UP - dt.timedelta(minutes=1))
    older = wanted("d", "w", NOW - dt.timedelta(days=3))
    newer = wanted("e", "w", NOW - dt.timedelta(days=1))
    assert _still_useful([future, missed_recently, missed_long_ago, older, newer], NOW) == [
        future,
        missed_recently,
        newer,
    ]


# --- tasks ----------------------------------------------------------------------------------------


@CONSULATES
def test_task_reminds_the_assignee_on_the_due_date_and_supervisors_two_days_later(slug, tz):
    officer = f.officer(slug)
    case = f.make_case(officer)
    task = services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 6), assignee=officer
    )
    assert rows("task", task.pk, tz) == {
        ("task_due", "email", f"user:{officer.pk}", "2026-05-06 08:00"),
        ("task_overdue", "email", "supervisors", "2026-05-08 08:00"),
    }
    # without a due date there is nothing to remind
    undated = services.task_add(actor=officer, case=case, title="Algún día", assignee=officer)
    assert rows("task", undated.pk, tz) == set()


def test_task_reminders_follow_reassignment_and_due_date_and_end_when_done():
    officer, colleague = f.officer("dallas"), f.officer("dallas")
    case = f.make_case(officer)
    task = services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 6), assignee=officer
    )
    task = services.task_update(
        actor=officer, task=task, title="Visitar", due_date=dt.date(2026, 5, 6), assignee=colleague
    )
    assert rows("task", task.pk, CHICAGO) == {
        ("task_due", "email", f"user:{colleague.pk}", "2026-05-06 08:00"),
        ("task_overdue", "email", "supervisors", "2026-05-08 08:00"),
    }
    assert rows("task", task.pk, CHICAGO, status="cancelled") == {
        ("task_due", "email", f"user:{officer.pk}", "2026-05-06 08:00")
    }
    task = services.task_update(
        actor=officer, task=task, title="Visitar", due_date=dt.date(2026, 5, 7), assignee=colleague
    )
    assert rows("task", task.pk, CHICAGO) == {
        ("task_due", "email", f"user:{colleague.pk}", "2026-05-07 08:00"),
        ("task_overdue", "email", "supervisors", "2026-05-09 08:00"),
    }
    services.task_complete(actor=colleague, task=task)
    assert rows("task", task.pk, CHICAGO) == set()


# --- referrals ------------------------------------------------------------------------------------


@pytest.fixture
def referral_setup():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    partner = f.PartnerFactory(covers=["dallas"], contact_email="legal@aliada.example")
    return officer, case, partner


def test_an_unanswered_referral_reminds_the_partner_at_72_hours_and_the_officer_at_7_days(referral_setup):
    officer, case, partner = referral_setup
    referral = make_referral(officer, case, partner)
    assert referral.referred_at == NOW
    assert rows("referral", referral.pk, CHICAGO) == {
        (
            "referral_partner_72h",
            "email",
            f"partner:{partner.pk}",
            local(NOW + dt.timedelta(hours=72), CHICAGO),
        ),
        ("referral_officer_7d", "email", f"user:{officer.pk}", local(NOW + dt.timedelta(days=7), CHICAGO)),
    }


@pytest.mark.parametrize("end", ["accept", "decline", "withdraw", "consent_withdrawn"])
def test_an_answered_or_ended_referral_reminds_nobody(referral_setup, end):
    officer, case, partner = referral_setup
    referral = make_referral(officer, case, partner)
    if end == "accept":
        services.referral_accept(actor=f.partner_user(partner), referral=referral)
    elif end == "decline":
        services.referral_decline(actor=f.partner_user(partner), referral=referral, reason="Sin cupo.")
    elif end == "withdraw":
        services.referral_withdraw(actor=officer, referral=referral, reason="Ya no hace falta.")
    else:
        consent = Consent.objects.get(case=case, partner=partner)
        services.consent_withdraw(actor=officer, consent=consent, note="Lo pidió la persona.")
    assert rows("referral", referral.pk, CHICAGO) == set()
    assert len(rows("referral", referral.pk, CHICAGO, status="cancelled")) == 2


# --- art. 36 and hand-off -------------------------------------------------------------------------


def detained_case(officer, notified_at):
    return f.make_case(
        officer,
        facility=DetentionFacility.objects.get(name=OWN_DISTRICT),
        detained_since=(notified_at - dt.timedelta(hours=30)).date(),
        arrested_at=notified_at - dt.timedelta(hours=30),
        consulate_notified_at=notified_at,
        notified_by="facility",
    )


def test_art36_reminder_is_due_48_hours_after_notification_until_contact():
    officer = f.officer("dallas")
    notified = NOW - dt.timedelta(hours=10)
    case = detained_case(officer, notified)
    assert rows("case-art36", case.pk, CHICAGO) == {
        ("art36_no_contact", "email", "case-officer", local(notified + dt.timedelta(hours=48), CHICAGO))
    }
    services.case_update(actor=officer, case=case, first_contact_at=NOW)
    assert rows("case-art36", case.pk, CHICAGO) == set()
    assert len(rows("case-art36", case.pk, CHICAGO, status="cancelled")) == 1


def test_art36_notification_recorded_late_is_caught_up_but_not_after_a_week():
    officer = f.officer("dallas")
    late = detained_case(officer, NOW - dt.timedelta(hours=60))
    (reminder,) = Reminder.objects.filter(subject_type="case-art36", subject_id=late.pk, status="pending")
    assert reminder.due_at == NOW - dt.timedelta(hours=12)  # due already: sent at the next run
    from cases.reminders.dispatch import claim_due

    assert reminder.pk in claim_due()

    very_late = detained_case(officer, NOW - dt.timedelta(days=10))
    assert not Reminder.objects.filter(subject_type="case-art36", subject_id=very_late.pk).exists()


def test_handoff_reminder_is_due_48_hours_after_the_removal_day_until_confirmed():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    point = ReceptionPoint.objects.get(mx_city="Nuevo Laredo")  # on Laredo's clock (America/Matamoros)
    case = services.case_update(
        actor=officer, case=case, expected_removal_date=dt.date(2026, 5, 6), reception_point=point
    )
    handoff = services.handoff_prepare(actor=officer, case=case)
    assert rows("handoff", handoff.pk, CHICAGO) == {
        ("handoff_unconfirmed", "email", "case-officer", "2026-05-09 00:00")
    }
    services.handoff_confirm(actor=officer, handoff=handoff, received_by_name="Lic. Torres")
    assert rows("handoff", handoff.pk, CHICAGO) == set()


# --- the whole case -------------------------------------------------------------------------------


def test_closing_a_case_cancels_its_reminders_and_reopening_brings_them_back():
    officer = f.officer("dallas")
    case = detained_case(officer, NOW - dt.timedelta(hours=10))
    hearing = schedule_hearing(officer, case, at(CHICAGO, "2026-05-12 09:30"))
    services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 6), assignee=officer
    )
    pending = set(Reminder.objects.filter(case=case, status="pending").values_list("pk", flat=True))
    assert len(pending) == 1 + 1 + 2  # art. 36, hearing (the officer: no consent), task
    services.case_close_request(actor=officer, case=case, outcome="released")
    assert not Reminder.objects.filter(case=case, status="pending").exists()

    services.case_reopen(actor=officer, case=case, reason="Nueva detención.")
    assert set(Reminder.objects.filter(case=case, status="pending").values_list("pk", flat=True)) == pending
    assert rows("hearing", hearing.pk, CHICAGO)


def test_accepted_transfer_moves_task_reminders_to_the_new_office_and_its_clock():
    officer = f.officer("dallas")
    person = person_with(officer)
    case = f.make_case(officer, person=person)
    assigned = services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 6), assignee=officer
    )
    unassigned = services.task_add(actor=officer, case=case, title="Llamar", due_date=dt.date(2026, 5, 6))
    hearing = schedule_hearing(officer, case, dt.datetime(2026, 5, 13, 2, 30, tzinfo=dt.UTC))
    transfer = make_transfer(officer, case, "el_paso")
    services.transfer_accept(actor=f.supervisor("el_paso"), transfer=transfer)

    # the assignee belonged to Dallas: no "due today" for them; supervisors (now El Paso's) at 08:00 there
    for task in (assigned, unassigned):
        assert rows("task", task.pk, DENVER) == {("task_overdue", "email", "supervisors", "2026-05-08 08:00")}
    assert Reminder.objects.get(subject_type="task", subject_id=assigned.pk, kind="task_due").status == (
        "cancelled"
    )
    # the person's quiet hours are now El Paso's: 20:30 there is not quiet
    assert rows("hearing", hearing.pk, DENVER) == {
        *person_rows(person, "2026-05-05 20:30", "2026-05-11 20:30"),
        officer_row("2026-05-10 20:30"),
    }


def test_the_outbox_refuses_a_duplicate_row():
    fields = {
        "kind": "task_due",
        "channel": "email",
        "subject_type": "task",
        "subject_id": 123456789,
        "recipient_key": "user:1",
        "due_at": NOW,
    }
    Reminder.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**fields)
    # another status does not make it a different reminder
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(**fields, status="cancelled")
