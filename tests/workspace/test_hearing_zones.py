"""A hearing's time is typed and shown on its court's clock (issue 20, error 2), its zone named where the
page's differs: an Albuquerque officer (Mountain) schedules a hearing at a Central-time court."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Hearing
from consulates.models import County, ImmigrationCourt
from tests import factories as f
from tests.auth import login_verified
from tests.workspace.test_ics_feed import _by_uid, _create, _fetch, parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def panhandle():
    officer = f.officer("albuquerque")
    person = f.make_person(officer)
    person = services.person_update(
        actor=officer, person=person, us_county=County.objects.get(state="TX", name="Lubbock")
    )
    case = f.make_case(officer, person=person)
    services.case_assign(actor=officer, case=case, assignee=officer)
    return officer, case, ImmigrationCourt.objects.get(name="Dallas Immigration Court")


def test_the_time_typed_is_the_courts_and_is_shown_with_its_zone(client, panhandle):
    officer, case, court = panhandle
    login_verified(client, officer)
    data = {
        "hearing-kind": "master_calendar",
        "hearing-court": court.pk,
        "hearing-starts_at": "2027-02-03T10:00",
        "hearing-location": "",
        "hearing-notes": "",
    }
    response = client.post(reverse("workspace:case_hearing_add", args=[case.pk]), data, **JSON)
    assert response.status_code == 200, response.content
    hearing = Hearing.objects.get(case=case)
    assert hearing.court == court
    assert hearing.starts_at == dt.datetime(2027, 2, 3, 10, 0, tzinfo=CENTRAL)  # not 10:00 in Albuquerque
    assert "a las 10:00 (hora del Centro)" in response.json()["parts"]["hearings"]

    page = client.get(reverse("workspace:case", args=[case.pk])).content.decode()
    assert "a las 10:00 (hora del Centro)" in page
    # The reschedule form offers the court's wall clock back, and saving it unchanged moves nothing.
    assert 'value="2027-02-03T10:00"' in page
    key = f"hearing-{hearing.pk}"
    again = {
        f"{key}-kind": "master_calendar",
        f"{key}-court": court.pk,
        f"{key}-starts_at": "2027-02-03T11:15",
        f"{key}-location": hearing.location,
        f"{key}-notes": "",
        f"{key}-seen": services.hearing_state(hearing),
    }
    response = client.post(reverse("workspace:case_hearing_edit", args=[case.pk, hearing.pk]), again)
    assert response.status_code == 302
    hearing.refresh_from_db()
    assert hearing.starts_at == dt.datetime(2027, 2, 3, 11, 15, tzinfo=CENTRAL)


def test_without_a_court_the_time_is_the_consulates(client, panhandle):
    officer, case, _court = panhandle
    login_verified(client, officer)
    data = {"hearing-kind": "bond", "hearing-starts_at": "2027-02-03T10:00", "hearing-location": "Sala 1"}
    client.post(reverse("workspace:case_hearing_add", args=[case.pk]), data, **JSON)
    hearing = Hearing.objects.get(case=case)
    assert timezone.localtime(hearing.starts_at, zoneinfo.ZoneInfo("America/Denver")).hour == 10


def test_the_calendar_feed_says_the_time_on_the_courts_clock(client, panhandle):
    officer, case, court = panhandle
    starts = dt.datetime(2027, 2, 3, 10, 0, tzinfo=CENTRAL)
    hearing = services.hearing_schedule(actor=officer, case=case, kind="bond", starts_at=starts, court=court)
    token = _create(client, officer)
    _calendar, events = parse(_fetch(token).content)
    event = _by_uid(events)[f"hearing-{hearing.pk}@testserver"]
    assert event["DTSTART"][1] == "20270203T160000Z"
    assert "a las 10:00 (hora del Centro)" in event["DESCRIPTION"][1]


def test_the_calendar_puts_the_hearing_on_the_courts_day_and_names_its_zone(client, panhandle):
    officer, case, court = panhandle
    # 23:30 in Lubbock on Friday is 22:30 in Albuquerque: either way Friday, at the court's time.
    starts = dt.datetime(2027, 2, 5, 23, 30, tzinfo=CENTRAL)
    services.hearing_schedule(actor=officer, case=case, kind="bond", starts_at=starts, court=court)
    login_verified(client, officer)
    page = client.get(reverse("workspace:calendar"), {"date": "2027-02-05"}).content.decode()
    assert "23:30 (hora del Centro)" in page
