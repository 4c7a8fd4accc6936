"""seed_demo (issue 20): a Panhandle case of Albuquerque with a hearing on Central time in Lubbock, and
every demo hearing on a weekday at court hours on the clock of where it is held."""

from __future__ import annotations

import io
import zoneinfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases.models import Hearing
from devtools.demo.zones import COURT_HOURS, PERSON

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    md5 = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=md5):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", cases=120, seed=5, force=True, stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_the_panhandle_case_has_its_hearing_on_central_time(seeded):
    hearing = Hearing.objects.select_related("court", "case__consulate", "case__person__us_county").get(
        case__person__given_names=PERSON["given_names"],
        case__person__paternal_surname=PERSON["paternal_surname"],
    )
    assert hearing.case.consulate.slug == "albuquerque"
    assert hearing.case.person.us_county.name == "Lubbock"
    assert hearing.court.timezone == "America/Chicago"
    local = hearing.starts_at.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute, local.weekday() < 5) == (9, 30, True)
    assert "Panhandle case:" in seeded


def test_bulk_hearings_fall_on_weekdays_at_court_hours_where_they_are_held(seeded):
    # The bulk ones are at an immigration court (the two "live" reminder examples are timed to the minute).
    hearings = Hearing.objects.filter(court__kind="immigration_court").select_related(
        "court", "case__consulate", "case__facility__county__consulate"
    )
    assert hearings.count() > 10
    for hearing in hearings:
        local = hearing.starts_at.astimezone(zoneinfo.ZoneInfo(hearing.zone_name))
        assert local.weekday() < 5, hearing.pk
        assert local.time() in COURT_HOURS, hearing.pk
