"""Rate limits on sign-in and on partner tokens: beyond them, 429 with Retry-After, in the user's language."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.auth import login_verified, totp_device
from tests.signin.conftest import VERIFY, sign_in_password

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _one_window():
    """The limits count in fixed windows: the clock stands still so a test never straddles two."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def test_sign_in_posts_are_rate_limited_per_address(officer, address, settings):
    settings.LOGIN_RATE_PER_IP = "4/5min"
    sprayer = Client(REMOTE_ADDR=address)
    sprayer.cookies["django_language"] = "en"
    # Password spraying: a few usernames each, never the 5 failures of one username that lock it.
    statuses = [sign_in_password(sprayer, f"usuario{i}", "Verano2026!").status_code for i in range(4)]
    assert statuses == [200, 200, 200, 200]
    response = sign_in_password(sprayer, officer.username)  # even the right password, from there
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 300
    assert response["Content-Language"] == "en"
    assert "Too many sign-in attempts from your address" in response.content.decode()
    # Reading the page is not limited; other addresses are not affected.
    assert sprayer.get("/admin/login/").status_code == 200
    assert sign_in_password(Client(REMOTE_ADDR="198.51.100.40"), officer.username).status_code == 302


def test_second_factor_codes_count_toward_the_same_rate(officer, address, settings):
    settings.LOGIN_RATE_PER_IP = "3/5min"
    totp_device(officer)
    browser = Client(REMOTE_ADDR=address)
    assert sign_in_password(browser, officer.username).status_code == 302
    assert browser.post(VERIFY, {"code": "000000"}).status_code == 400
    assert browser.post(VERIFY, {"code": "000001"}).status_code == 400
    response = browser.post(VERIFY, {"code": "000002"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Language"] == "es"  # the staff UI's default language


def test_failed_token_attempts_are_rate_limited_per_address(settings, address):
    settings.API_TOKEN_FAILURE_RATE_PER_IP = "3/min"
    _token, raw = ApiToken.objects.create(user=f.partner_user(), expiry=dt.timedelta(days=1), name="sync")
    guesser = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    for attempt in range(3):
        guesser.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 63}{attempt}")
        assert guesser.get("/api/v1/partner/referrals/").status_code in (401, 403)
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {'1' * 64}")
    response = guesser.get("/api/v1/partner/referrals/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert body["status"] == 429
    assert body["title"] == "Too many requests"  # the language asked for (Accept-Language: en)
    assert "Request was throttled" in body["detail"]
    # From that address even a valid token waits; from the partner's own address it works.
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert guesser.get("/api/v1/partner/referrals/").status_code == 429
    partner = APIClient(REMOTE_ADDR="198.51.100.50")
    partner.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert partner.get("/api/v1/partner/referrals/").status_code == 200


def test_failed_staff_app_tokens_share_the_per_address_budget(settings, address):
    """Bearer access tokens of staff apps are guessed no faster than partner tokens: the same budget."""
    settings.API_TOKEN_FAILURE_RATE_PER_IP = "3/min"
    guesser = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    guesser.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 64}")
    assert guesser.get("/api/v1/cases/").status_code in (401, 403)
    for attempt in range(2):
        guesser.credentials(HTTP_AUTHORIZATION=f"Bearer not-a-token-{attempt}")
        assert guesser.get("/api/v1/cases/").status_code in (401, 403)
    guesser.credentials(HTTP_AUTHORIZATION="Bearer yet-another-guess")
    response = guesser.get("/api/v1/cases/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    other = APIClient(REMOTE_ADDR="198.51.100.51")
    other.credentials(HTTP_AUTHORIZATION="Bearer a-guess-from-elsewhere")
    assert other.get("/api/v1/cases/").status_code in (401, 403)


def test_issuing_tokens_is_rate_limited_per_administrator(settings):
    settings.API_TOKEN_ISSUE_RATE_PER_USER = "2/h"
    admin_browser = Client()
    login_verified(admin_browser, f.administrator())
    partner_user = f.partner_user()
    for _ in range(2):
        response = admin_browser.post(
            "/admin/api/apitoken/add/", {"user": partner_user.pk, "name": "sync", "valid_days": 30}
        )
        assert response.status_code == 200  # the page showing the new token once
    response = admin_browser.post(
        "/admin/api/apitoken/add/", {"user": partner_user.pk, "name": "sync", "valid_days": 30}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert ApiToken.objects.filter(user=partner_user).count() == 2
