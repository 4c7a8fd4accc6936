"""The mandatory second factor: after the password, a staff user reaches nothing (admin, reports, the API
with the session, document downloads) until a TOTP code is verified; a user without an authenticator
sets one up first. Partner tokens are not affected."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.auth import login_verified, totp_code, totp_device
from tests.signin.conftest import ENROL, VERIFY, code_from_secret, sign_in_password

pytestmark = pytest.mark.django_db

PROTECTED = [
    "/admin/",
    "/admin/cases/case/",
    "/reports/",
    "/reports/overview.csv",
    "/cases/documents/1/download/",
]


def _password_only(officer, address) -> Client:
    browser = Client(REMOTE_ADDR=address)
    response = sign_in_password(browser, officer.username)
    assert response.status_code == 302
    return browser


@pytest.mark.parametrize("has_device", [False, True], ids=["no-authenticator", "authenticator"])
def test_nothing_answers_before_the_second_factor(officer, address, has_device):
    if has_device:
        totp_device(officer)
    browser = _password_only(officer, address)
    target = VERIFY if has_device else ENROL
    for path in PROTECTED:
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(f"{target}?next="), (path, response["Location"])

    api = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    api.cookies = browser.cookies
    for path in ("/api/v1/cases/", "/api/v1/persons/", "/api/v1/reports/", "/api/v1/consulates/"):
        response = api.get(path)
        assert response.status_code == 403, path
        body = response.json()
        assert set(body) == {"type", "code", "title", "status", "detail", "errors"}
        assert "second factor" in body["detail"]


def test_enrolment_end_to_end(officer, address):
    browser = _password_only(officer, address)
    response = browser.get("/admin/cases/case/")
    assert response["Location"] == f"{ENROL}?next=%2Fadmin%2Fcases%2Fcase%2F"

    page = browser.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    uri = unescape(re.search(r'id="totp-uri">([^<]+)<', html).group(1))
    assert uri.startswith("otpauth://totp/Consular%20protection%3Aoficial.pruebas?")
    assert f"secret={secret}" in uri
    assert "issuer=Consular%20protection" in uri
    assert "<svg" in html
    assert "qr-path" in html
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    # Reloading shows the same secret (the device is pending until confirmed).
    assert secret in browser.get(response["Location"]).content.decode()
    assert TOTPDevice.objects.get(user=officer).confirmed is False

    session_before = browser.cookies["sessionid"].value
    confirmed = browser.post(ENROL, {"code": code_from_secret(secret), "next": "/admin/cases/case/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/admin/cases/case/"
    assert browser.cookies["sessionid"].value != session_before  # a new session key with the new rights
    assert TOTPDevice.objects.get(user=officer).confirmed is True
    assert browser.get("/admin/cases/case/").status_code == 200
    assert browser.get("/reports/").status_code == 200

    # The next sign-in asks for a code, not for a new enrolment.
    other = _password_only(officer, "198.51.100.20")
    assert other.get("/admin/")["Location"].startswith(f"{VERIFY}?next=")
    assert other.get(ENROL)["Location"].startswith(VERIFY)


def test_a_wrong_code_is_refused_and_a_right_one_lets_in(officer, address):
    totp_device(officer)
    browser = _password_only(officer, address)
    browser.cookies["django_language"] = "en"
    page = browser.get(f"{VERIFY}?next=/reports/")
    assert page.status_code == 200
    assert 'name="code"' in page.content.decode()

    right = totp_code(officer)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = browser.post(VERIFY, {"code": wrong, "next": "/reports/"})
    assert refused.status_code == 400
    assert "errorlist" in refused.content.decode()
    assert browser.get("/reports/").status_code == 302  # still not in

    not_digits = browser.post(VERIFY, {"code": "abc", "next": "/reports/"})
    assert not_digits.status_code == 400

    # django-otp throttles after failures: the next try must wait (1 s, then 2, 4...).
    with time_machine.travel(dt.timedelta(seconds=5)):
        accepted = browser.post(VERIFY, {"code": totp_code(officer), "next": "/reports/"})
    assert accepted.status_code == 302
    assert accepted["Location"] == "/reports/"
    assert browser.get("/reports/").status_code == 200


def test_repeated_wrong_codes_are_throttled(officer, address):
    device = totp_device(officer)
    browser = _password_only(officer, address)
    browser.cookies["django_language"] = "en"
    right = totp_code(officer)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    browser.post(VERIFY, {"code": wrong})
    response = browser.post(VERIFY, {"code": right})  # right, but within the wait after a failure
    assert response.status_code == 400
    assert "Too many wrong codes. Wait 1 seconds" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1


def test_a_code_cannot_be_used_twice(officer, address):
    totp_device(officer)
    first = _password_only(officer, address)
    code = totp_code(officer)
    assert first.post(VERIFY, {"code": code})["Location"] == "/"  # the staff home
    second = _password_only(officer, "198.51.100.30")
    assert second.post(VERIFY, {"code": code}).status_code == 400


def test_next_cannot_lead_off_site(officer, address):
    totp_device(officer)
    browser = _password_only(officer, address)
    response = browser.post(VERIFY, {"code": totp_code(officer), "next": "https://evil.example/"})
    assert response["Location"] == "/"  # the staff home, not the address given


def test_a_new_password_sign_in_needs_a_new_code(officer, address):
    browser = Client(REMOTE_ADDR=address)
    login_verified(browser, officer)
    assert browser.get("/admin/").status_code == 200
    assert sign_in_password(browser, officer.username).status_code == 302
    assert browser.get("/admin/")["Location"].startswith(VERIFY)


def test_an_administrator_resets_a_users_second_factor(officer, address):
    officer_browser = Client(REMOTE_ADDR=address)
    login_verified(officer_browser, officer)
    assert officer_browser.get("/admin/").status_code == 200

    admin_browser = Client()
    login_verified(admin_browser, f.administrator())
    users = admin_browser.get("/admin/auth/user/")
    assert users.status_code == 200
    response = admin_browser.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [officer.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=officer).exists()

    # The officer's session is no longer verified: next request goes to enrolment.
    assert officer_browser.get("/admin/")["Location"].startswith(ENROL)


def test_only_administrators_may_reset_and_nobody_sees_secrets(officer):
    device = totp_device(officer)
    supervisor = Client()
    login_verified(supervisor, f.supervisor("dallas"))
    response = supervisor.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [officer.pk]}
    )
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=officer).exists()

    administrator = Client()
    login_verified(administrator, f.administrator())
    assert administrator.get("/admin/otp_totp/totpdevice/").status_code == 404
    page = administrator.get(f"/admin/auth/user/{officer.pk}/change/").content.decode()
    assert device.key not in page


def test_partner_tokens_need_no_second_factor():
    partner_user = f.partner_user()
    _token, raw = ApiToken.objects.create(user=partner_user, name="sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get("/api/v1/partner/referrals/").status_code == 200


def test_a_verified_session_reaches_the_api(officer):
    client = APIClient()
    login_verified(client, officer)
    assert client.get("/api/v1/cases/").status_code == 200
