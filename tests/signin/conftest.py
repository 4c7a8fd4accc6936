"""Sign-in tests post real passwords and codes through the real middleware and views.

Each test gets its own client address (a documentation address, 203.0.113.0/24, never contacted) and a
clean cache, so the per-address counters of one test do not reach the next."""

from __future__ import annotations

import itertools
from base64 import b32decode

import pytest
from django.core.cache import cache
from django.test import Client
from django_otp.oath import TOTP

from tests import factories as f

PASSWORD = "una-clave-larga-de-prueba-2026"
LOGIN = "/admin/login/"
VERIFY = "/account/second-factor/"
ENROL = "/account/second-factor/enrol/"
_addresses = itertools.count(10)


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def address() -> str:
    return f"203.0.113.{next(_addresses) % 250 + 1}"


@pytest.fixture
def browser(address) -> Client:
    """A browser at its own address."""
    return Client(REMOTE_ADDR=address)


@pytest.fixture
def officer():
    user = f.officer("dallas", username="oficial.pruebas")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in_password(client, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **extra)


def code_from_secret(secret: str, *, step_offset: int = 0) -> str:
    """What an authenticator app set up with ``secret`` (base32) shows."""
    totp = TOTP(b32decode(secret))
    totp.time += step_offset * 30
    return f"{totp.token():06d}"
