"""seed_demo (decision 0024): the seeded hearings are in removal proceedings, and the demo world shows a
removal order with its BIA appeal deadline pending, a voluntary departure with its date to leave, and a
habeas petition in the federal court in Dallas with a docket number."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import Hearing, Proceeding

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", cases=120, seed=7, force=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_every_demo_hearing_before_an_immigration_judge_is_in_a_proceeding(seeded):
    assert "Legal proceedings:" in seeded
    assert not Hearing.objects.filter(proceeding__isnull=True).exclude(kind__in=["family", "other"]).exists()


def test_the_demo_shows_a_bia_deadline_a_voluntary_departure_and_a_habeas_petition(seeded):
    today = timezone.localdate()
    ordered = Proceeding.objects.get(kind="removal", outcome="removal_ordered")
    appeal = ordered.deadlines.get(kind="bia_appeal", status="open")
    assert appeal.due_on == today + dt.timedelta(days=20)
    departure = Proceeding.objects.get(kind="voluntary_departure")
    assert departure.deadlines.filter(kind="departure", due_on=today + dt.timedelta(days=55)).exists()
    habeas = Proceeding.objects.get(kind="habeas")
    assert (habeas.docket_number, habeas.court.name) == (
        "3:26-cv-01874",
        "Northern District of Texas, Dallas Division",
    )
    assert habeas.counsel_kind == "private"
