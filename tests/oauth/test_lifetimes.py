"""Lifetimes, against the live server: access tokens last 15 minutes (a refresh gets a new one), and the
authorize step is a staff page like any other, under the session's idle and absolute limits."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine

from tests.oauth.conftest import pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)


def _later(minutes: float):
    return time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=minutes), tick=True)


def test_an_access_token_lasts_fifteen_minutes_and_a_refresh_gets_a_new_one(native_app, officer):
    tokens = native_app.sign_in_and_get_tokens(officer)
    with _later(14):
        assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 200
    with _later(16):
        assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 401
        refreshed = native_app.refresh(tokens["refresh_token"])
        assert refreshed.status_code == 200, refreshed.text
        assert native_app.api("GET", "cases/", refreshed.json()["access_token"]).status_code == 200


# Still signed in: the consent page (the earlier access token has expired, so the user is asked again)
# or straight back to the app.
SIGNED_IN = {"/oauth/authorize/", "/callback"}


def _authorize_lands_on(native_app) -> str:
    return urlsplit(native_app.browser.get(native_app.authorize_url(pkce_pair()[1])).url).path


def test_the_authorize_step_ends_with_an_idle_session(native_app, officer, settings):
    native_app.sign_in_and_get_tokens(officer)
    with _later(settings.SESSION_IDLE_TIMEOUT_MINUTES - 5):
        assert _authorize_lands_on(native_app) in SIGNED_IN  # still signed in
    with _later(2 * settings.SESSION_IDLE_TIMEOUT_MINUTES):
        assert _authorize_lands_on(native_app) == "/admin/login/"


def test_the_authorize_step_ends_with_a_session_past_its_maximum_length(native_app, officer, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 48 * 60  # only the absolute limit can end it here
    native_app.sign_in_and_get_tokens(officer)
    with _later(settings.SESSION_MAX_AGE_MINUTES - 10):
        assert _authorize_lands_on(native_app) in SIGNED_IN
    with _later(settings.SESSION_MAX_AGE_MINUTES + 1):
        assert _authorize_lands_on(native_app) == "/admin/login/"


def test_a_session_without_its_second_factor_is_sent_to_the_code_page(native_app, officer):
    response = native_app.browser.get(native_app.authorize_url(pkce_pair()[1]))
    from tests.oauth.conftest import PASSWORD, hidden_fields

    form = hidden_fields(response.text)
    form.update(username=officer.username, password=PASSWORD)
    after_password = native_app.browser.post(response.url, data=form)
    assert urlsplit(after_password.url).path == "/account/second-factor/"
    # The password alone reaches no consent page and no code.
    assert _authorize_lands_on(native_app) == "/account/second-factor/"
    assert not native_app.loopback.received
