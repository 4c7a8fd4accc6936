"""Behind reverse proxies (``TRUSTED_PROXY_COUNT``) lockouts, rate limits and the access log key on the
client's address from ``X-Forwarded-For``; without that setting the header is never believed."""

from __future__ import annotations

import types

import pytest
from axes.models import AccessAttempt
from django.test import Client

from audit.client_address import forwarded_client
from cases.models.access import AccessLog
from tests import factories as f
from tests.auth import login_verified
from tests.signin.conftest import sign_in_password


@pytest.fixture(autouse=True)
def _one_rate_window(monkeypatch):
    """The sign-in limit counts in fixed windows (``signin.ratelimit``): the clock it reads stays in the
    middle of one, so a test that counts several attempts never straddles a window's end."""
    monkeypatch.setattr("signin.ratelimit.time", types.SimpleNamespace(time=lambda: 1_800_000_150.0))


PROXY = "10.0.0.5"


@pytest.mark.parametrize(
    ("header", "proxies", "expected"),
    [
        ("198.51.100.7", 0, None),  # no proxy configured: the header is ignored
        ("198.51.100.7", 1, "198.51.100.7"),
        ("6.6.6.6, 198.51.100.7", 1, "198.51.100.7"),  # the left part is the client's own writing
        ("6.6.6.6, 198.51.100.7, 192.0.2.1", 2, "198.51.100.7"),
        (" 198.51.100.7 ,192.0.2.1", 2, "198.51.100.7"),
        ("192.0.2.1", 2, None),  # did not pass through both proxies
        ("", 1, None),
        (None, 1, None),
        ("not-an-address", 1, None),
        ("198.51.100.7:4431", 1, None),
        ("2001:db8::1", 1, "2001:db8::1"),
        ("2001:DB8:0:0::1", 1, "2001:db8::1"),  # normalised, so one client has one key
    ],
)
def test_the_client_is_the_entry_the_nearest_trusted_proxy_wrote(header, proxies, expected):
    assert forwarded_client(header, proxies) == expected


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_changes_nothing(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.LOGIN_RATE_PER_IP = "2/5min"
    for forged in ("198.51.100.1", "198.51.100.2"):
        sign_in_password(Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged), "nadie", "x")
    # Both attempts counted against the peer address: a new forged value does not buy a fresh count.
    third = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.3")
    assert sign_in_password(third, officer.username).status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_sign_in_rate(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_RATE_PER_IP = "2/5min"
    sprayer = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert [sign_in_password(sprayer, f"u{i}", "x").status_code for i in range(2)] == [200, 200]
    assert sign_in_password(sprayer, officer.username).status_code == 429
    # Another consulate behind the same proxy signs in; prepending a fake address does not escape.
    colleague = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.21")
    assert sign_in_password(colleague, officer.username).status_code == 302
    escaping = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.20")
    assert sign_in_password(escaping, officer.username).status_code == 429


@pytest.mark.django_db
def test_behind_a_proxy_lockouts_record_the_client(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 1
    browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.30")
    sign_in_password(browser, officer.username, "no-es-la-clave")
    attempt = AccessAttempt.objects.get(username=officer.username)
    assert attempt.ip_address == "198.51.100.30"


@pytest.mark.django_db
def test_behind_a_proxy_the_access_log_records_the_client(settings, officer):
    settings.TRUSTED_PROXY_COUNT = 1
    person = f.make_person(officer)
    browser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.40")
    login_verified(browser, officer)
    assert browser.get(f"/admin/cases/person/{person.pk}/change/").status_code == 200
    row = AccessLog.objects.get(person_id=person.pk)
    assert row.ip_address == "198.51.100.40"
