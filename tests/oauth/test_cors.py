"""A single-page staff app on its own origin (``STAFF_APP_ORIGINS``) may call the API and the token and
revocation endpoints from the browser, with a bearer token and never with cookies; any other origin, and
every other page of the site, gets no CORS header at all."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from tests.oauth.conftest import issue_access_token

pytestmark = pytest.mark.django_db

APP = "https://expedientes.consulmex.example"


@pytest.fixture(autouse=True)
def _one_app_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [APP]


def _preflight(path: str, origin: str = APP, headers: str = "authorization, if-match, idempotency-key"):
    return Client().options(
        path,
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


@pytest.mark.parametrize("path", ["/api/v1/cases/1/", "/oauth/token/", "/oauth/revoke/"])
def test_the_apps_origin_may_call_the_api_and_the_token_endpoints(path):
    response = _preflight(path)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "if-match", "idempotency-key"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens only, never the session


def test_an_api_answer_shows_the_app_its_etag():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    token = issue_access_token(officer, "cases:read")
    response = Client().get(
        f"/api/v1/cases/{case.pk}/", HTTP_ORIGIN=APP, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP
    assert "etag" in response["Access-Control-Expose-Headers"].lower()


@pytest.mark.parametrize(
    ("path", "origin"),
    [
        ("/api/v1/cases/1/", "https://otro-sitio.example"),  # an origin nobody registered
        ("/oauth/authorize/", APP),  # the sign-in is a page of this site, not an API call
        ("/admin/", APP),
    ],
)
def test_other_origins_and_pages_get_no_cors(path, origin):
    response = _preflight(path, origin=origin)
    assert "Access-Control-Allow-Origin" not in response


def test_no_origin_is_allowed_unless_configured(settings):
    settings.CORS_ALLOWED_ORIGINS = []
    assert "Access-Control-Allow-Origin" not in _preflight("/api/v1/cases/1/")
