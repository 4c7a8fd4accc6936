"""seed_demo (decision 0028): the demo world holds one closed critical incident of a Dallas case, with its
checklist, which the incidents report counts; its notifications are read and its emails not sent."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import CriticalIncident, Notification, Reminder
from cases.models.reminder import ReminderKind
from cases.reports.common import ReportParams
from cases.reports.incidents import critical_incidents

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", cases=60, seed=11, force=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_demo_shows_a_closed_incident_in_the_report(seeded):
    assert "Critical incidents:" in seeded
    incident = CriticalIncident.objects.get()
    assert (incident.kind, incident.status, incident.case.consulate.slug) == (
        "hunger_strike",
        "closed",
        "dallas",
    )
    assert incident.tasks.count() == 4  # no repatriation of remains: nobody died
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert not Reminder.objects.filter(kind=ReminderKind.INCIDENT_RECORDED, status="pending").exists()
    manager = get_user_model().objects.get(username="gerente")
    today = timezone.localdate()
    rows = critical_incidents(
        manager, ReportParams(start=today.replace(day=1).replace(year=today.year - 1), end=today)
    ).rows
    assert [(r["consulate"], r["kind"], r["open"], r["closed"]) for r in rows] == [
        ("Dallas", "Huelga de hambre", 0, 1)
    ]
