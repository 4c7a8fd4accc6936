"""cases/reminders/scans.py and digest.py: the daily digest per officer and supervisor (local morning
only, idempotent), the 14-day inactivity nudge (idempotent), and what a digest says."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases import services
from cases.models import Case, Reminder
from cases.reminders.channels import Outgoing
from cases.reminders.dispatch import deliver
from cases.reminders.messages import Skip, build
from cases.reminders.scans import schedule_digests, schedule_inactivity
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, DENVER, NOW, at, local
from tests.factories.crossoffice import make_referral, make_transfer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def utc(hour: int, minute: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute)


def digests() -> set:
    return {
        (
            r.user_id,
            local(r.due_at, CHICAGO if r.user.staff_membership.consulate.slug == "dallas" else DENVER),
        )
        for r in Reminder.objects.filter(kind="digest").select_related("user__staff_membership__consulate")
    }


# --- digests --------------------------------------------------------------------------------------


def test_digests_are_scheduled_in_each_consulates_morning_once_per_officer_and_supervisor():
    dallas = [f.officer("dallas"), f.supervisor("dallas")]
    el_paso = [f.officer("el_paso")]
    f.officer("dallas", is_active=False)
    f.manager(), f.administrator(), f.partner_user()  # network-wide staff and partners get none
    dallas_due = {(u.pk, "2026-05-04 07:00") for u in dallas}
    el_paso_due = {(u.pk, "2026-05-04 07:00") for u in el_paso}

    schedule_digests(utc(11, 59))  # 06:59 in Dallas, 05:59 in El Paso
    assert digests() == set()
    schedule_digests(utc(12, 0))  # 07:00 in Dallas
    assert digests() == dallas_due
    schedule_digests(utc(13, 30))  # 08:30 in Dallas, 07:30 in El Paso
    assert digests() == dallas_due | el_paso_due
    for moment in (utc(13, 45), utc(16, 59), utc(17, 30)):  # later runs, 11:59 / 12:30 in Dallas
        schedule_digests(moment)
    assert Reminder.objects.filter(kind="digest").count() == 3
    schedule_digests(utc(18, 0))  # noon in El Paso: too late for a morning digest
    assert Reminder.objects.filter(kind="digest").count() == 3
    assert set(Reminder.objects.filter(kind="digest").values_list("status", flat=True)) == {"pending"}


def test_a_missed_morning_still_gets_its_digest_before_noon_but_not_after():
    officer = f.officer("el_paso")
    schedule_digests(at(DENVER, "2026-05-04 11:59").astimezone(dt.UTC))
    assert digests() == {(officer.pk, "2026-05-04 07:00")}
    schedule_digests(at(DENVER, "2026-05-05 12:00").astimezone(dt.UTC))
    assert digests() == {(officer.pk, "2026-05-04 07:00")}
    schedule_digests(at(DENVER, "2026-05-05 07:00").astimezone(dt.UTC))
    assert digests() == {(officer.pk, "2026-05-04 07:00"), (officer.pk, "2026-05-05 07:00")}


# --- inactivity -----------------------------------------------------------------------------------


def idle_case(actor, *, days: float, assigned: bool = True, close: bool = False) -> Case:
    case = f.make_case(actor)
    if assigned:
        services.case_assign(actor=actor, case=case, assignee=actor)
    if close:
        services.case_close_request(actor=actor, case=case, outcome="released")
    Case.objects.filter(pk=case.pk).update(last_activity_at=NOW - dt.timedelta(days=days))
    return Case.objects.get(pk=case.pk)


def nudges() -> dict:
    return {r.case_id: (r.recipient_key, r.due_at) for r in Reminder.objects.filter(kind="case_inactive")}


def test_inactivity_nudges_cases_that_just_crossed_14_days_once():
    officer = f.officer("dallas")
    crossed = idle_case(officer, days=15)
    crossed_el_paso = idle_case(f.officer("el_paso"), days=14.01)
    idle_case(officer, days=13.9)  # not yet
    idle_case(officer, days=16.5)  # crossed long ago: had its nudge then
    idle_case(officer, days=15, assigned=False)  # nobody to nudge
    idle_case(officer, days=15, close=True)  # closed cases rest

    schedule_inactivity(NOW)
    expected = {
        crossed.pk: ("case-officer", crossed.last_activity_at + dt.timedelta(days=14)),
        crossed_el_paso.pk: ("case-officer", crossed_el_paso.last_activity_at + dt.timedelta(days=14)),
    }
    assert nudges() == expected
    schedule_inactivity(NOW + dt.timedelta(hours=1))
    schedule_inactivity(NOW + dt.timedelta(hours=2))
    assert nudges() == expected
    assert Reminder.objects.filter(kind="case_inactive").count() == 2


def test_activity_after_the_nudge_was_scheduled_makes_it_moot():
    officer = f.officer("dallas")
    case = idle_case(officer, days=14.5)
    schedule_inactivity(NOW)
    (nudge,) = Reminder.objects.filter(kind="case_inactive", case=case)
    services.case_note_add(actor=officer, case=case, text="Llamé a la familia.")
    mail.outbox.clear()
    assert deliver(nudge.pk) == "skipped"
    assert mail.outbox == []
    nudge.refresh_from_db()
    assert nudge.status == "skipped"


# --- digest content -------------------------------------------------------------------------------


def digest_for(user) -> Outgoing | Skip:
    schedule_digests(NOW)
    return build(Reminder.objects.get(kind="digest", user=user))


def test_an_officers_digest_lists_todays_hearings_and_due_tasks_and_pending_referrals():
    officer, colleague = f.officer("dallas"), f.officer("dallas")
    mine = f.make_case(officer)
    services.case_assign(actor=officer, case=mine, assignee=officer)
    theirs = f.make_case(colleague)
    services.case_assign(actor=colleague, case=theirs, assignee=colleague)
    for case, hour in ((mine, "14:00"), (theirs, "15:00")):
        services.hearing_schedule(
            actor=officer,
            case=case,
            kind="bond",
            starts_at=at(CHICAGO, f"2026-05-04 {hour}"),
            location="Sala 3",
        )
    services.hearing_schedule(
        actor=officer, case=mine, kind="bond", starts_at=at(CHICAGO, "2026-05-05 09:00"), location="Sala 4"
    )

    def task(title, due, assignee=officer):
        return services.task_add(actor=officer, case=mine, title=title, due_date=due, assignee=assignee)

    task("Vence hoy", dt.date(2026, 5, 4))
    task("Vencida", dt.date(2026, 5, 1))
    task("Vence mañana", dt.date(2026, 5, 5))
    task("De otra persona", dt.date(2026, 5, 4), assignee=colleague)
    services.task_complete(actor=officer, task=task("Hecha", dt.date(2026, 5, 3)))
    partner = f.PartnerFactory(covers=["dallas"], name="Aliada Legal del Norte")
    make_referral(officer, mine, partner)
    closed = f.make_case(officer)
    services.task_add(
        actor=officer, case=closed, title="De un caso cerrado", due_date=dt.date(2026, 5, 4), assignee=officer
    )
    services.case_close_request(actor=officer, case=closed, outcome="released")

    message = digest_for(officer)
    assert isinstance(message, Outgoing)
    assert message.to == [officer.email]
    body = message.body
    assert f"14:00 {mine.reference} · Sala 3" in body
    assert theirs.reference not in body
    assert "Sala 4" not in body  # tomorrow's hearing
    assert "Vence hoy" in body
    assert "Vencida" in body
    assert "Vence mañana" not in body
    assert "De otra persona" not in body
    assert "Hecha" not in body
    assert "De un caso cerrado" not in body  # a closed case reminds nobody of anything
    assert f"{mine.reference} · Aliada Legal del Norte" in body
    # no personal data of the person in a digest
    assert mine.person.paternal_surname not in body
    assert mine.person.curp not in body


def test_a_supervisors_digest_lists_incoming_transfers_and_closures_awaiting_approval():
    supervisor = f.supervisor("dallas")
    officer = f.officer("dallas")
    urgent = f.make_case(officer, priority="urgent")
    services.case_close_request(actor=officer, case=urgent, outcome="released")
    assert Case.objects.get(pk=urgent.pk).status == "pending_closure"
    incoming = f.make_case(f.officer("el_paso"))
    make_transfer(incoming.opened_by, incoming, "dallas")

    supervisor_digest = digest_for(supervisor)
    assert isinstance(supervisor_digest, Outgoing)
    assert urgent.reference in supervisor_digest.body
    assert incoming.reference in supervisor_digest.body
    # the officer has nothing of their own today: no transfers or approvals for them
    assert build(Reminder.objects.get(kind="digest", user=officer)) == Skip("nothing to report today")


def test_an_empty_digest_is_not_sent():
    officer = f.officer("dallas")
    schedule_digests(NOW)
    (digest,) = Reminder.objects.filter(kind="digest", user=officer)
    mail.outbox.clear()
    assert deliver(digest.pk) == "skipped"
    assert mail.outbox == []
    digest.refresh_from_db()
    assert (digest.status, digest.last_error) == ("skipped", "nothing to report today")


def test_a_digest_with_content_is_emailed(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    officer = f.officer("dallas")
    case = f.make_case(officer)
    services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 4), assignee=officer
    )
    schedule_digests(NOW)
    (digest,) = Reminder.objects.filter(kind="digest", user=officer)
    mail.outbox.clear()
    assert deliver(digest.pk) == "sent"
    (email,) = mail.outbox
    assert email.to == [officer.email]
    assert "Visitar" in email.body
