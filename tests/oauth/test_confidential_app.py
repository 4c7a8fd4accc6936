"""A confidential staff app (a server-side app holding a client secret) goes through the same flow, with
PKCE too, and must authenticate with its secret to exchange a code or refresh: without it, or with a wrong
one, the token endpoint refuses (401 ``invalid_client``) and gives nothing."""

from __future__ import annotations

import pytest
import requests
from oauth2_provider.models import get_application_model

from tests.oauth.conftest import REDIRECT_PATH, NativeApp, pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "un-secreto-de-cliente-largo-y-aleatorio-0123456789"


@pytest.fixture
def web_app(live_server, loopback):
    app = get_application_model().objects.create(
        name="Expedientes (servidor)",
        client_type="confidential",
        client_secret=SECRET,  # stored hashed by the toolkit
        authorization_grant_type="authorization-code",
        redirect_uris=f"http://127.0.0.1{REDIRECT_PATH}",
        algorithm="",
    )
    return NativeApp(base=live_server.url, client_id=app.client_id, loopback=loopback)


def _exchange(app: NativeApp, code: str, verifier: str, secret: str | None) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": app.redirect_uri,
        "code_verifier": verifier,
    }
    auth = (app.client_id, secret) if secret is not None else None
    if auth is None:
        data["client_id"] = app.client_id
    return requests.post(f"{app.base}/oauth/token/", data=data, auth=auth, timeout=10)


def _code(app: NativeApp, user) -> tuple[str, str]:
    verifier, challenge = pkce_pair()
    response = app.browser.get(app.authorize_url(challenge))
    response = app.sign_in(response, user)
    app.allow(response)
    return app.received()["code"], verifier


def test_a_confidential_app_needs_its_secret_for_tokens(web_app, officer):
    code, verifier = _code(web_app, officer)
    for secret in (None, "not-the-secret"):
        refused = _exchange(web_app, code, verifier, secret)
        assert refused.status_code == 401, refused.text
        assert refused.json()["error"] == "invalid_client"
        assert "access_token" not in refused.json()

    tokens = _exchange(web_app, code, verifier, SECRET)
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert web_app.api("GET", "cases/", body["access_token"]).status_code == 200

    # Refreshing needs the secret too; with it, a new pair.
    anonymous = requests.post(
        f"{web_app.base}/oauth/token/",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": web_app.client_id,
        },
        timeout=10,
    )
    assert anonymous.status_code == 401
    renewed = requests.post(
        f"{web_app.base}/oauth/token/",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=(web_app.client_id, SECRET),
        timeout=10,
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["refresh_token"] != body["refresh_token"]
