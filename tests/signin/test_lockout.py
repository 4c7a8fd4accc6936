"""django-axes: 5 failed passwords for one username from one address lock that pair out for 30 minutes;
the lockout is a page (429, Retry-After), not an error."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tests.signin.conftest import PASSWORD, sign_in_password

pytestmark = pytest.mark.django_db


def _fail(client, username, times):
    return [sign_in_password(client, username, "no-es-la-clave").status_code for _ in range(times)]


def _assert_lockout_page(response, language="es"):
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert int(response["Retry-After"]) == 30 * 60
    assert response["Content-Language"] == language
    html = response.content.decode()
    assert "<html" in html
    assert 'id="content-main"' in html
    assert "30" in html  # minutes to wait
    assert 'name="password"' not in html


def test_five_failures_lock_the_username_on_that_address_for_30_minutes(officer, address):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        browser = Client(REMOTE_ADDR=address)
        assert _fail(browser, officer.username, 4) == [200, 200, 200, 200]  # the form, with its error
        _assert_lockout_page(sign_in_password(browser, officer.username, "no-es-la-clave"))

        # Locked: even the right password is refused, and a try while locked does not extend the lock.
        traveller.shift(dt.timedelta(minutes=15))
        _assert_lockout_page(sign_in_password(browser, officer.username))

        traveller.shift(dt.timedelta(minutes=14))
        _assert_lockout_page(sign_in_password(browser, officer.username))

        # 30 minutes after the fifth failure the cool-off is over.
        traveller.shift(dt.timedelta(minutes=1, seconds=5))
        response = sign_in_password(browser, officer.username)
        assert response.status_code == 302, response.status_code


def test_the_lockout_is_per_username_and_address(officer, address):
    attacker = Client(REMOTE_ADDR=address)
    _fail(attacker, officer.username, 5)
    _assert_lockout_page(sign_in_password(attacker, officer.username))

    # The officer at the consulate (another address) still signs in.
    at_work = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in_password(at_work, officer.username).status_code == 302
    # And the locked address may still try other usernames (until its per-address rate).
    assert sign_in_password(attacker, "otra.persona", "x").status_code == 200


def test_the_lockout_page_follows_the_chosen_language(officer, address):
    browser = Client(REMOTE_ADDR=address)
    browser.cookies["django_language"] = "en"
    _fail(browser, officer.username, 4)
    response = sign_in_password(browser, officer.username, "no-es-la-clave")
    _assert_lockout_page(response, language="en")
    assert "Try again in 30 minutes" in response.content.decode()


def test_a_successful_sign_in_clears_earlier_failures(officer, address):
    browser = Client(REMOTE_ADDR=address)
    _fail(browser, officer.username, 4)
    assert sign_in_password(browser, officer.username).status_code == 302
    browser.logout()
    assert _fail(browser, officer.username, 4) == [200, 200, 200, 200]


def test_failed_sign_ins_log_no_username(officer, address, caplog):
    browser = Client(REMOTE_ADDR=address)
    with caplog.at_level("DEBUG"):
        _fail(browser, officer.username, 5)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "AXES" in logged  # axes did log the failures...
    assert officer.username not in logged  # ...without the username
    assert address not in logged
    assert PASSWORD not in logged
    assert "no-es-la-clave" not in logged
