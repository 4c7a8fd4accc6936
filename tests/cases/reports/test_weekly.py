"""The weekly caseload email: scheduled on Monday morning (Central), one per manager and supervisor,
sent once through the outbox with every report attached as XLSX, scoped to the recipient."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from openpyxl import load_workbook

from cases.models import Reminder
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.reminders.dispatch import deliver
from cases.reports.registry import REPORTS
from cases.reports.weekly import schedule_weekly_reports
from tests import factories as f

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
MONDAY_0830 = dt.datetime(2026, 11, 30, 8, 30, tzinfo=CENTRAL)  # a Monday


@pytest.fixture
def people():
    dallas_officer = f.officer("dallas")
    f.make_case(dallas_officer)
    f.make_case(f.officer("el_paso"))
    return {"supervisor": f.supervisor("dallas"), "manager": f.manager(), "officer": dallas_officer}


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2026, 11, 30, 7, 59, tzinfo=CENTRAL),  # Monday, too early
        dt.datetime(2026, 11, 30, 12, 0, tzinfo=CENTRAL),  # Monday, too late
        dt.datetime(2026, 12, 1, 8, 30, tzinfo=CENTRAL),  # Tuesday
    ],
)
def test_nothing_is_scheduled_outside_monday_morning(people, moment):
    assert schedule_weekly_reports(moment) == 0
    assert not Reminder.objects.filter(kind=ReminderKind.WEEKLY_REPORT).exists()


def test_one_report_per_manager_and_supervisor_due_at_eight_central(people):
    schedule_weekly_reports(MONDAY_0830)
    schedule_weekly_reports(MONDAY_0830 + dt.timedelta(minutes=15))  # beat again: nothing new
    rows = Reminder.objects.filter(kind=ReminderKind.WEEKLY_REPORT)
    assert {r.user_id for r in rows} == {people["supervisor"].pk, people["manager"].pk}
    assert {r.due_at.astimezone(CENTRAL).time() for r in rows} == {dt.time(8, 0)}
    assert rows.count() == 2


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_sent_once_with_every_report_attached_and_scoped(people):
    schedule_weekly_reports(MONDAY_0830)
    supervisor_row = Reminder.objects.get(kind=ReminderKind.WEEKLY_REPORT, user=people["supervisor"])
    with time_machine.travel(MONDAY_0830, tick=False):
        assert deliver(supervisor_row.pk) == "sent"
        assert deliver(supervisor_row.pk) == "not pending"
    assert Reminder.objects.get(pk=supervisor_row.pk).status == ReminderStatus.SENT
    (message,) = mail.outbox
    assert message.to == [people["supervisor"].email]
    assert "2026-11-23" in message.subject
    assert "2026-11-29" in message.subject
    (name, content, content_type) = message.attachments[0]
    assert name.endswith(".xlsx")
    assert content_type.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) == len(REPORTS)
    assert not set(workbook.sheetnames) & set(REPORTS)  # titles in words, not the reports' ids
    open_cases = next(
        name for name in workbook.sheetnames if "abiert" in name.lower() or "open" in name.lower()
    )
    cities = [row[0] for row in workbook[open_cases].iter_rows(values_only=True)]
    assert "Dallas" in cities
    assert "El Paso" not in cities
