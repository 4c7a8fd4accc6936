"""Signing in for the first time, in a real browser: password, then setting up the authenticator from the
enrolment page (the secret read off the page, as a person types it into an app), then the staff UI.
A screenshot of the enrolment page is kept (test-artifacts/second-factor-enrol.png)."""

from __future__ import annotations

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from consulates.models import Consulate, Role, StaffMembership
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def new_officer(django_user_model):
    network_restore()  # transactional tests start from an empty database
    user = django_user_model.objects.create_user("oficial.nueva", password=PASSWORD, is_staff=True)
    StaffMembership.objects.create(
        user=user, role=Role.OFFICER, consulate=Consulate.objects.get(slug="dallas")
    )
    return user


def test_first_sign_in_sets_up_the_authenticator(page, live_server, new_officer, artifacts):
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "oficial.nueva")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/account/second-factor/enrol/.*"), wait_until="domcontentloaded")

    qr = page.locator(".totp-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150  # large enough for a phone's camera
    secret = page.inner_text("#totp-secret").strip()
    page.screenshot(path=str(artifacts / "second-factor-enrol.png"), full_page=True)

    page.fill("#id_code", "000000" if TOTP(b32decode(secret)).token() != 0 else "111111")
    page.click("#second-factor-form input[type=submit]")
    assert page.locator(".errorlist").is_visible()
    assert page.url.startswith(f"{live_server.url}/account/second-factor/enrol/")

    page.wait_for_timeout(1100)  # django-otp makes the next try after a wrong code wait a second
    page.fill("#id_code", f"{TOTP(b32decode(secret)).token():06d}")
    page.click("#second-factor-form input[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/$"), wait_until="domcontentloaded")
    assert page.locator("#site-name").is_visible()
    assert TOTPDevice.objects.get(user=new_officer).confirmed
