"""Clients and people for the API tests.

Staff call the API with their session, and a session POST needs the CSRF token (the client enforces
CSRF like a browser); partners call it with an API token (``Authorization: Token <raw>``).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils.crypto import get_random_string
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.auth import login_verified
from tests.factories.crossoffice import make_referral

API = "/api/v1"


def url(path: str) -> str:
    """``url("cases/3/assign/")`` -> ``/api/v1/cases/3/assign/``."""
    return f"{API}/{path.lstrip('/')}"


def csrf_client(user) -> APIClient:
    """A logged-in staff client that sends the CSRF cookie and header, as the staff apps do."""
    client = APIClient(enforce_csrf_checks=True)
    login_verified(client, user)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    client.credentials(HTTP_X_CSRFTOKEN=token)
    return client


def token_client(user, *, expiry=dt.timedelta(days=30), name="integration") -> tuple[APIClient, ApiToken]:
    token, raw = ApiToken.objects.create(user=user, expiry=expiry, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client, token


@pytest.fixture(autouse=True)
def api_media_root(settings, tmp_path):
    """Uploaded documents go to a throw-away directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_client():
    """``api_client(user)``: a session client for a staff user, CSRF enforced and satisfied."""
    return csrf_client


@pytest.fixture
def api_token_client():
    """``api_token_client(user)`` -> ``(client, token)``: a partner integration's client."""
    return token_client


@pytest.fixture
def api_officer():
    return f.officer("dallas")


@pytest.fixture
def api_supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def api_officer_client(api_officer):
    return csrf_client(api_officer)


@pytest.fixture
def api_supervisor_client(api_supervisor):
    return csrf_client(api_supervisor)


@pytest.fixture
def api_manager_client():
    return csrf_client(f.manager())


@pytest.fixture
def api_case(api_officer):
    return f.make_case(api_officer)


@pytest.fixture
def api_partner():
    return f.PartnerFactory(covers=["dallas"], services=["legal_representation", "shelter"])


@pytest.fixture
def api_partner_user(api_partner):
    return f.partner_user(api_partner)


@pytest.fixture
def api_partner_client(api_partner_user):
    client, _token = token_client(api_partner_user)
    return client


@pytest.fixture
def api_referral(api_officer, api_case, api_partner):
    """A pending referral of ``api_case`` to ``api_partner``, on a consent covering every category."""
    return make_referral(api_officer, api_case, api_partner, service="legal_representation")
