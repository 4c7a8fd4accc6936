"""The hearings and tasks calendar (``workspace:calendar``): what each scope shows to whom, the week and
month views, who may open it, and a fixed number of queries whatever the number of entries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import AccessLog
from tests.auth import login_verified
from tests.factories import consulate, make_case
from workspace import calendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]

URL = "/calendar/"


def _get(client, user, **params):
    login_verified(client, user)
    response = client.get(URL, params)
    assert response.status_code == 200, response.status_code
    return response


NAMES = (
    "hearing_a",
    "hearing_a2",
    "hearing_b",
    "hearing_cancelled",
    "task_a",
    "task_a2",
    "task_b",
    "task_done",
)


def _shown(response, cal) -> set[str]:
    """Which of the cal's entries the page shows; each shown one links to its case."""
    period = response.context["period"]
    entries = {(item.kind, item.obj.pk) for day in period.days if day.in_period for item in day.items}
    text = response.content.decode()
    found = set()
    for name in NAMES:
        record = getattr(cal, name)
        if (name.split("_")[0], record.pk) in entries:
            assert record.case.reference in text
            found.add(name)
    return found


def test_an_officer_sees_their_own_week_by_default(client, cal):
    response = _get(client, cal.officer_a, date=cal.day(2).isoformat())
    assert response.context["scope"] == "mine"
    assert _shown(response, cal) == {"hearing_a", "task_a"}
    days = response.context["period"].days
    assert [day.date for day in days] == [cal.day(i) for i in range(7)]  # Monday first in Spanish
    tuesday = days[1]
    assert [item.obj.pk for item in tuesday.items] == [cal.hearing_a.pk]
    assert [item.obj.pk for item in days[3].items] == [cal.task_a.pk]


def test_my_consulate_shows_colleagues_work_and_never_another_consulates(client, cal):
    response = _get(client, cal.officer_a, date=cal.day(2).isoformat(), scope="consulate")
    assert _shown(response, cal) == {"hearing_a", "hearing_a2", "task_a", "task_a2"}
    text = response.content.decode()
    assert "Carlos Colega" in text  # whose work it is
    # Another consulate's choice is not the officer's to make.
    elsewhere = _get(client, cal.officer_a, scope="consulate", consulate=consulate("el_paso").pk)
    assert cal.case_b.reference not in elsewhere.content.decode()


def test_the_month_holds_the_same_entries_in_whole_weeks(client, cal):
    response = _get(client, cal.officer_a, view="month", date=cal.day(0).isoformat())
    period = response.context["period"]
    assert _shown(response, cal) == {"hearing_a", "task_a"}
    assert period.start.weekday() == 0
    assert period.end.weekday() == 0
    assert period.start <= cal.day(0).replace(day=1) < period.start + dt.timedelta(days=7)
    assert all(day.in_period == (day.date.month == cal.monday.month) for day in period.days)
    assert response.context["heading"].split()[0][0].isupper()  # "Marzo de 2027"


def test_weeks_start_on_monday_in_spanish_and_sunday_in_english():
    wednesday = dt.date(2027, 3, 3)
    with translation.override("es"):
        assert calendar.bounds("week", wednesday)[0] == dt.date(2027, 3, 1)
    with translation.override("en"):
        assert calendar.bounds("week", wednesday)[0] == dt.date(2027, 2, 28)


def test_a_supervisor_and_a_manager_read_the_consulates_calendars(client, cal):
    supervisor = _get(client, cal.supervisor_a, date=cal.day(2).isoformat(), scope="consulate")
    assert _shown(supervisor, cal) == {"hearing_a", "hearing_a2", "task_a", "task_a2"}

    # A manager has no work of their own: the whole network, or the consulate chosen.
    network = _get(client, cal.manager, date=cal.day(2).isoformat(), scope="mine")
    assert network.context["scope"] == "consulate"
    assert _shown(network, cal) == {"hearing_a", "hearing_a2", "hearing_b", "task_a", "task_a2", "task_b"}
    el_paso = _get(client, cal.manager, date=cal.day(2).isoformat(), consulate=consulate("el_paso").pk)
    assert _shown(el_paso, cal) == {"hearing_b", "task_b"}
    assert 'name="consulate"' in el_paso.content.decode()


def test_a_hearing_is_shown_in_its_courts_zone_named_when_it_is_not_the_viewers(client, cal):
    # Network-wide roles see pages in Central time: El Paso's 8:00 is written as Mountain time.
    response = _get(client, cal.manager, date=cal.day(2).isoformat(), consulate=consulate("el_paso").pk)
    assert "8:00 (hora de la Montaña)" in response.content.decode()
    own = _get(client, cal.officer_a, date=cal.day(2).isoformat())
    assert "09:00" in own.content.decode()
    assert "(hora del Centro)" not in own.content.decode()


def test_a_date_typed_by_hand_that_is_not_a_date_opens_this_week(client, cal):
    response = _get(client, cal.officer_a, date="2027-02-30", view="year", scope="everything")
    assert response.context["view"] == "week"
    assert response.context["scope"] == "mine"


def test_navigation_keeps_the_view_and_scope(client, cal):
    response = _get(client, cal.officer_a, view="month", scope="consulate", date=cal.day(0).isoformat())
    links = response.context["links"]
    assert "view=month" in links["next"]
    assert "scope=consulate" in links["next"]
    following = client.get(URL + links["next"])
    assert following.context["period"].anchor.month != cal.monday.month


def test_every_opening_is_in_the_access_log(client, cal):
    before = AccessLog.objects.filter(user=cal.officer_a).count()
    _get(client, cal.officer_a, date=cal.day(2).isoformat())
    row = AccessLog.objects.filter(user=cal.officer_a).order_by("-pk").first()
    assert AccessLog.objects.filter(user=cal.officer_a).count() == before + 1
    assert row.action == "list"
    assert row.what.startswith("staff: calendar")
    assert cal.day(2).isoformat() not in row.what  # parameter names only


def test_the_home_page_links_to_the_calendar(client, cal):
    login_verified(client, cal.officer_a)
    assert reverse("workspace:calendar") in client.get("/").content.decode()


# ------------------------------------------------------------------------------------------------
# Who may open it

ALLOWED = ["officer_a", "supervisor_a", "manager", "administrator"]


@pytest.mark.parametrize("url", [URL, "/calendar/?view=month", "/calendar/feed/"])
@pytest.mark.parametrize("role", [*ALLOWED, "auditor", "partner", "inactive", "anonymous"])
def test_who_may_open_the_calendar(client, cal, url, role):
    if role != "anonymous":
        user = getattr(cal, role)
        if role == "inactive":
            client.force_login(user)
        else:
            login_verified(client, user)
    response = client.get(url)
    if role in ALLOWED:
        assert response.status_code == 200
    elif role == "auditor":
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


# ------------------------------------------------------------------------------------------------
# Queries


def _add_work(cal, count: int) -> None:
    """``count`` more hearings and tasks in the cal's week, on new Dallas cases of the officer."""
    for i in range(count):
        case = services.case_assign(
            actor=cal.officer_a, case=make_case(cal.officer_a), assignee=cal.officer_a
        )
        services.hearing_schedule(
            actor=cal.officer_a,
            case=case,
            kind="bond",
            starts_at=cal.at(i % 5, 8 + i % 8),
            location="Corte",
        )
        services.task_add(
            actor=cal.officer_a,
            case=case,
            title=f"Tarea {i}",
            due_date=cal.day(i % 7),
            assignee=cal.officer_a,
        )


def _queries(client, url) -> int:
    client.get(url)  # per-process caches filled first
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("params", ["view=week&scope=mine", "view=month&scope=consulate"])
def test_the_page_runs_the_same_queries_whatever_it_shows(client, cal, params):
    login_verified(client, cal.officer_a)
    url = f"{URL}?{params}&date={cal.day(2).isoformat()}"
    few = _queries(client, url)
    _add_work(cal, 12)
    many = _queries(client, url)
    assert many == few, (few, many)
    assert few <= 12
