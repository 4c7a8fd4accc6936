"""seed_demo (decision 0026): the demo world has a visit of the Dallas consulate planned at Prairieland
Detention Center, whose list shows several of Dallas's nationals held there, and an overdue request."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from cases.models import FacilityVisit, FormalRequest
from cases.selectors.visits import visit_nationals

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


def test_the_demo_plans_a_dallas_visit_with_several_nationals_held_there(seeded):
    assert "Facility visits: a visit to Prairieland Detention Center" in seeded
    visit = FacilityVisit.objects.get(facility__name="Prairieland Detention Center")
    assert (visit.consulate.slug, visit.status) == ("dallas", "planned")
    assert visit.officers.count() == 2
    assert len(visit_nationals(visit, visit.created_by)) >= 3
    request = FormalRequest.objects.get(facility=visit.facility)
    assert request.is_overdue
