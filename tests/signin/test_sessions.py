"""Sessions end after 30 minutes without activity (sliding), at the absolute cap since sign-in, and at the
next request once the user is disabled, at every door that uses the session."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_idle_timeout_is_30_minutes_and_sliding(officer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        browser = Client()
        login_verified(browser, officer)
        assert browser.get("/admin/").status_code == 200
        for _ in range(4):  # busy for two hours, never 30 minutes idle
            traveller.shift(dt.timedelta(minutes=29))
            assert browser.get("/admin/cases/case/").status_code == 200
        traveller.shift(dt.timedelta(minutes=30, seconds=30))
        response = browser.get("/admin/cases/case/")
        assert _signed_out(response)
        assert SESSION_KEY not in browser.session
        page = browser.get(response["Location"])
        assert "without activity" in page.content.decode() or "sin actividad" in page.content.decode()


def test_idle_timeout_applies_to_the_api_session(officer):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client = APIClient()
        login_verified(client, officer)
        assert client.get("/api/v1/cases/").status_code == 200
        traveller.shift(dt.timedelta(minutes=31))
        assert client.get("/api/v1/cases/").status_code == 401  # not signed in (any more)


def test_idle_timeout_is_configurable(officer, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 10
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        browser = Client()
        login_verified(browser, officer)
        traveller.shift(dt.timedelta(minutes=9))
        assert browser.get("/admin/").status_code == 200
        traveller.shift(dt.timedelta(minutes=11))
        assert _signed_out(browser.get("/admin/"))


def test_sessions_end_at_the_absolute_cap_even_when_active(officer, settings):
    settings.SESSION_MAX_AGE_MINUTES = 60
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        browser = Client()
        login_verified(browser, officer)
        for _ in range(3):
            traveller.shift(dt.timedelta(minutes=19))
            assert browser.get("/admin/").status_code == 200
        traveller.shift(dt.timedelta(minutes=4))
        assert _signed_out(browser.get("/admin/"))


def test_a_disabled_users_session_ends_on_the_next_request(officer):
    browser, api = Client(), APIClient()
    login_verified(browser, officer)
    login_verified(api, officer)
    assert browser.get("/admin/").status_code == 200
    assert api.get("/api/v1/cases/").status_code == 200

    officer.is_active = False
    officer.save(update_fields=["is_active"])

    assert _signed_out(browser.get("/admin/"))
    assert SESSION_KEY not in browser.session
    assert browser.get("/reports/").status_code == 302
    assert api.get("/api/v1/cases/").status_code == 401
    assert SESSION_KEY not in api.session

    # Enabled again, the old sessions stay ended: a new sign-in is needed.
    officer.is_active = True
    officer.save(update_fields=["is_active"])
    assert _signed_out(browser.get("/admin/"))
    assert api.get("/api/v1/cases/").status_code == 401
