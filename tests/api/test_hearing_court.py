"""A hearing's court through the API (issue 20, error 2): given by id, returned by id, its name the place
when none is written; a court that does not exist is a field error."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from cases.models import Hearing
from consulates.models import ImmigrationCourt
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def test_a_hearing_is_scheduled_at_a_court_by_its_id(api_client):
    officer = f.officer("albuquerque")
    case = f.make_case(officer)
    court = ImmigrationCourt.objects.get(name="Northern District of Texas, Lubbock Division")
    client = api_client(officer)
    body = {"kind": "criminal", "starts_at": "2027-02-03T10:00:00-06:00", "court": court.pk}
    response = client.post(url(f"cases/{case.pk}/hearings/"), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["court"] == court.pk
    assert response.json()["location"] == court.name
    wrong = client.post(url(f"cases/{case.pk}/hearings/"), {**body, "court": 999999}, format="json")
    assert wrong.status_code == 400
    assert "court" in wrong.json()["errors"]
    assert Hearing.objects.filter(case=case).count() == 1


def test_the_migration_links_a_hearing_whose_place_is_a_courts_name_and_keeps_its_instant():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    import datetime as dt

    from cases import services

    starts = dt.datetime(2027, 2, 3, 16, 0, tzinfo=dt.UTC)
    named = services.hearing_schedule(
        actor=officer, case=case, kind="bond", starts_at=starts, location="  dallas immigration court "
    )
    other = services.hearing_schedule(
        actor=officer, case=case, kind="bond", starts_at=starts, location="Sala 3"
    )
    migration = importlib.import_module("cases.migrations.0012_hearing_court_from_location")
    migration.link(apps, None)
    named.refresh_from_db()
    other.refresh_from_db()
    assert named.court.name == "Dallas Immigration Court"
    assert named.starts_at == starts
    assert other.court is None
