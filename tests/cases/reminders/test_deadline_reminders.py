"""A proceeding's deadline reminders, sent: to the case's assignee (the supervisors when it has none), in
Spanish, at 08:00 on the court's clock; skipped once the deadline is met or the proceeding closed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases import services
from cases.models import Reminder
from cases.reminders.dispatch import deliver
from consulates.models import ImmigrationCourt
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, DENVER, at

pytestmark = pytest.mark.django_db

DECIDED = dt.date(2026, 5, 4)  # the BIA appeal is due 2026-06-03


@pytest.fixture
def email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def _decided(officer, court_name, *, assign=True):
    case = f.make_case(officer)
    if assign:
        services.case_assign(actor=officer, case=case, assignee=officer)
    proceeding = services.proceeding_open(
        actor=officer, case=case, kind="removal", court=ImmigrationCourt.objects.get(name=court_name)
    )
    services.proceeding_decide(
        actor=officer, proceeding=proceeding, outcome="removal_ordered", decided_on=DECIDED
    )
    return proceeding, proceeding.deadlines.get()


def _row(deadline, kind):
    return Reminder.objects.get(subject_type="deadline", subject_id=deadline.pk, kind=kind, status="pending")


def test_the_assignee_is_emailed_7_days_before_at_8_on_the_courts_clock(frozen, email):
    officer = f.officer("dallas")
    _proceeding, deadline = _decided(officer, "Dallas Immigration Court")
    row = _row(deadline, "deadline_7d")
    assert row.due_at == at(CHICAGO, "2026-05-27 08:00")
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "sent"
    (message,) = mail.outbox
    assert message.to == [officer.email]
    assert "Apelación ante la Junta de Apelaciones de Inmigración" in message.body
    assert "3 de junio de 2026" in message.subject


def test_an_el_paso_court_counts_on_mountain_time_and_unassigned_goes_to_the_supervisors(frozen, email):
    officer = f.officer("el_paso")
    supervisor = f.supervisor("el_paso")
    _proceeding, deadline = _decided(officer, "El Paso Immigration Court", assign=False)
    row = _row(deadline, "deadline_2d")
    assert row.due_at == at(DENVER, "2026-06-01 08:00")
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "sent"
    (message,) = mail.outbox
    assert supervisor.email in message.to


def test_a_met_deadline_or_a_row_left_behind_is_not_sent(frozen, email):
    officer = f.officer("dallas")
    proceeding, deadline = _decided(officer, "Dallas Immigration Court")
    row = _row(deadline, "deadline_7d")
    Reminder.objects.filter(pk=row.pk).update(status="pending")  # as if a change had not reached it
    services.deadline_resolve(actor=officer, deadline=deadline, status="met")
    Reminder.objects.filter(pk=row.pk).update(status="pending")
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "skipped"
    assert mail.outbox == []
