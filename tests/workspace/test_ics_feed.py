"""The private calendar feed (``/calendar/feed/<token>.ics``): created and shown once, only a digest
stored, read with the user's current rights at each fetch, valid iCalendar (RFC 5545) holding references
and times only, logged as an access, rate-limited, and its token in no log."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import AccessLog
from consulates.models import Role, StaffMembership
from tests.auth import login_verified
from tests.factories import make_case
from workspace import ics
from workspace.models import CalendarFeed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_cache")]

MANAGE = "/calendar/feed/"
ADDRESS = re.compile(r"http://testserver/calendar/feed/([A-Za-z0-9_-]+)\.ics")


def _create(client, user, language: str | None = None) -> str:
    """Create (or replace) the user's feed through its page; the token shown once."""
    login_verified(client, user)
    if language:
        client.cookies["django_language"] = language
    response = client.post(MANAGE, {"action": "create"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return ADDRESS.search(response.content.decode()).group(1)


def _fetch(token: str, **extra):
    return Client().get(f"/calendar/feed/{token}.ics", **extra)


# ------------------------------------------------------------------------------------------------
# A strict reader


def parse(body: bytes) -> tuple[dict, list[dict]]:
    """The calendar's properties and its events, each ``{name: (params, value)}``, after checking the
    lines as RFC 5545 writes them: CRLF only, at most 75 octets, folded lines starting with one space,
    BEGIN/END balanced, every property ``NAME[;PARAM=V]:VALUE``."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    for line in physical:
        assert "\r" not in line, repr(line)
        assert "\n" not in line, repr(line)
        assert len(line.encode()) <= 75, (len(line.encode()), line)
    lines: list[str] = []
    for line in physical:
        if line.startswith(" "):
            assert lines, "a continuation before any line"
            lines[-1] += line[1:]
        else:
            lines.append(line)
    stack, calendar, events = [], {}, []
    for line in lines:
        match = re.fullmatch(r"([A-Z][A-Z0-9-]*)((?:;[A-Z-]+=[^;:]*)*):(.*)", line)
        assert match, f"not a content line: {line!r}"
        name, params, value = match.groups()
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
            continue
        if name == "END":
            assert stack.pop() == value
            continue
        target = events[-1] if stack[-1] == "VEVENT" else calendar
        assert name not in target, f"{name} twice"
        target[name] = (params, value)
    assert not stack
    assert calendar["VERSION"][1] == "2.0"
    assert calendar["PRODID"][1]
    uids = [event["UID"][1] for event in events]
    assert len(uids) == len(set(uids))
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "SUMMARY"} <= set(event)
        assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"][1])
    return calendar, events


def _by_uid(events) -> dict[str, dict]:
    return {event["UID"][1]: event for event in events}


# ------------------------------------------------------------------------------------------------
# Creating, and what is stored


def test_the_address_is_shown_once_and_only_its_digest_is_stored(client, cal):
    token = _create(client, cal.officer_a)
    feed = CalendarFeed.objects.get(user=cal.officer_a)
    assert len(token) >= 43
    assert feed.digest == hashlib.sha512(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM workspace_calendarfeed")
        assert token not in repr(cursor.fetchall())
        cursor.execute("SELECT * FROM workspace_calendarfeedhistory")
        history = repr(cursor.fetchall())
    assert token not in history
    assert feed.digest not in history
    # The page shows the address only in the answer to the POST that made it.
    page = client.get(MANAGE).content.decode()
    assert token not in page
    assert ADDRESS.search(page) is None


def test_a_feed_needs_no_session_and_sets_no_cookie(client, cal):
    token = _create(client, cal.officer_a)
    response = _fetch(token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


# ------------------------------------------------------------------------------------------------
# What it holds


def test_the_feed_holds_my_hearings_and_tasks_as_valid_icalendar(client, cal):
    token = _create(client, cal.officer_a)
    calendar, events = parse(_fetch(token).content)
    assert calendar["X-WR-CALNAME"][1]
    events = _by_uid(events)
    hearing = events[f"hearing-{cal.hearing_a.pk}@testserver"]
    assert hearing["DTSTART"] == ("", cal.hearing_a.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ"))
    assert hearing["SUMMARY"][1] == f"Audiencia · {cal.case_a.reference}"
    assert hearing["STATUS"][1] == "CONFIRMED"
    cancelled = events[f"hearing-{cal.hearing_cancelled.pk}@testserver"]
    assert cancelled["STATUS"][1] == "CANCELLED"
    task = events[f"task-{cal.task_a.pk}@testserver"]
    assert task["DTSTART"] == (";VALUE=DATE", cal.task_a.due_date.strftime("%Y%m%d"))
    assert task["DTEND"] == (";VALUE=DATE", (cal.task_a.due_date + dt.timedelta(days=1)).strftime("%Y%m%d"))
    assert task["SUMMARY"][1] == f"Tarea · {cal.case_a.reference}"
    # Only mine: not a colleague's, not another consulate's, not a task that is done.
    assert set(events) == {
        f"hearing-{cal.hearing_a.pk}@testserver",
        f"hearing-{cal.hearing_cancelled.pk}@testserver",
        f"task-{cal.task_a.pk}@testserver",
    }
    assert f"/admin/cases/case/{cal.case_a.pk}/change/" in hearing["URL"][1] or "/case/" in hearing["URL"][1]


def test_the_feed_holds_no_personal_data(client, cal):
    token = _create(client, cal.officer_a)
    body = _fetch(token).content.decode()
    unfolded = body.replace("\r\n ", "")
    person = cal.case_a.person
    secrets = [
        person.given_names,
        person.paternal_surname,
        person.maternal_surname,
        person.curp,
        person.a_number,
        person.a_number.replace("-", ""),
        cal.task_a.title,
        cal.hearing_a.location,
        cal.hearing_cancelled.location,
        "Prairieland",
        "CURP",
        cal.officer_a.first_name,
        cal.officer_a.last_name,
        cal.officer_a.username,
    ]
    for secret in secrets:
        assert secret
        assert secret.lower() not in unfolded.lower(), secret


def test_the_feed_is_in_the_language_it_was_created_in(client, cal):
    token = _create(client, cal.officer_a, language="en")
    _calendar, events = parse(_fetch(token).content)
    summaries = {event["SUMMARY"][1] for event in events}
    assert f"Hearing · {cal.case_a.reference}" in summaries
    assert f"Task · {cal.case_a.reference}" in summaries


def test_folding_cuts_at_75_octets_without_splitting_a_character():
    line = "X-WR-CALNAME:" + "Protección consular · audiencias y tareas de la oficina " * 4
    folded = ics.fold(line)
    pieces = folded.split("\r\n")
    assert len(pieces) > 2
    assert all(len(piece.encode()) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join([pieces[0], *(piece[1:] for piece in pieces[1:])]) == line
    assert ics.escape("a, b; c\\d\ne") == "a\\, b\\; c\\\\d\\ne"
    body = ics.calendar(name="x" * 200, product="-//t//t//ES", events=[])
    calendar, events = parse(body.encode())
    assert calendar["X-WR-CALNAME"][1] == "x" * 200
    assert events == []


# ------------------------------------------------------------------------------------------------
# Rights at each fetch


def test_a_revoked_address_gets_nothing(client, cal):
    token = _create(client, cal.officer_a)
    response = client.post(MANAGE, {"action": "revoke"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(user=cal.officer_a).exists()
    assert _fetch(token).status_code == 404


def test_a_new_address_replaces_the_old(client, cal):
    old = _create(client, cal.officer_a)
    new = _create(client, cal.officer_a)
    assert old != new
    assert _fetch(old).status_code == 404
    assert _fetch(new).status_code == 200
    assert CalendarFeed.objects.filter(user=cal.officer_a).count() == 1


def test_a_disabled_user_or_one_without_the_calendar_gets_nothing(client, cal):
    token = _create(client, cal.officer_a)
    cal.officer_a.is_active = False
    cal.officer_a.save(update_fields=["is_active"])
    assert _fetch(token).status_code == 404
    cal.officer_a.is_active = True
    cal.officer_a.save(update_fields=["is_active"])
    assert _fetch(token).status_code == 200
    StaffMembership.objects.filter(user=cal.officer_a).update(role=Role.AUDITOR, consulate=None)
    assert _fetch(token).status_code == 404


def test_a_case_no_longer_mine_leaves_the_feed(client, cal):
    token = _create(client, cal.officer_a)
    services.case_assign(actor=cal.officer_a, case=cal.case_a, assignee=cal.colleague_a)
    _calendar, events = parse(_fetch(token).content)
    assert f"hearing-{cal.hearing_a.pk}@testserver" not in _by_uid(events)


def test_an_unknown_address_is_refused_and_its_token_logged_nowhere(client, cal, caplog):
    token = _create(client, cal.officer_a)
    client.post(MANAGE, {"action": "revoke"})
    caplog.set_level(logging.DEBUG)
    assert _fetch(token).status_code == 404
    assert _fetch("not-a-token").status_code == 404
    assert Client(enforce_csrf_checks=True).post(f"/calendar/feed/{token}.ics").status_code == 405
    assert token not in caplog.text
    assert "not-a-token" not in caplog.text
    assert "calendar feed" in caplog.text


# ------------------------------------------------------------------------------------------------
# Logged, counted, limited


def test_each_fetch_is_an_access_and_updates_last_use(client, cal):
    token = _create(client, cal.officer_a)
    before = AccessLog.objects.filter(user=cal.officer_a, what="calendar feed").count()
    _fetch(token, HTTP_USER_AGENT="Google-Calendar-Importer")
    rows = AccessLog.objects.filter(user=cal.officer_a, what="calendar feed")
    assert rows.count() == before + 1
    assert rows.order_by("-pk").first().action == "list"
    assert CalendarFeed.objects.get(user=cal.officer_a).last_used_at is not None


def test_the_feed_runs_the_same_queries_whatever_it_holds(client, cal):
    token = _create(client, cal.officer_a)
    url = f"/calendar/feed/{token}.ics"
    reader = Client()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reader.get(url).status_code == 200
        return len(captured)

    reader.get(url)
    few = queries()
    for i in range(8):
        case = services.case_assign(
            actor=cal.officer_a, case=make_case(cal.officer_a), assignee=cal.officer_a
        )
        services.hearing_schedule(
            actor=cal.officer_a, case=case, kind="bond", starts_at=cal.at(i % 5, 9), location="Corte"
        )
        services.task_add(
            actor=cal.officer_a, case=case, title="T", due_date=cal.day(i % 7), assignee=cal.officer_a
        )
    many = queries()
    assert few == many, (few, many)
    assert few <= 5


def test_fetching_too_often_is_refused(client, cal, settings):
    settings.CALENDAR_FEED_RATE_PER_TOKEN = "2/h"
    token = _create(client, cal.officer_a)
    assert [_fetch(token).status_code for _ in range(3)] == [200, 200, 429]


def test_guessing_addresses_is_refused_after_a_few_failures(client, cal, settings):
    settings.API_TOKEN_FAILURE_RATE_PER_IP = "2/min"
    token = _create(client, cal.officer_a)
    assert [_fetch(f"guess{i}").status_code for i in range(2)] == [404, 404]
    refused = _fetch(token)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_the_management_page_needs_the_second_factor(client, cal):
    client.force_login(cal.officer_a)  # the password step only
    response = client.post(MANAGE, {"action": "create"})
    assert response.status_code == 302
    assert "/account/" in response["Location"]
    assert not CalendarFeed.objects.filter(user=cal.officer_a).exists()
