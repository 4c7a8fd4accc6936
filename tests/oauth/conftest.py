"""A native staff app, as it runs on a user's computer: it opens the browser at the authorize page, the
user signs in there (password, then authenticator code) and allows it, and the browser is sent back to a
loopback address where the app listens (RFC 8252). Here ``requests`` is the browser and the app, and a
real ``http.server`` on 127.0.0.1 receives the redirect; the service is the real Django server
(``live_server``). Nothing of ours is patched."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone
from oauth2_provider.models import get_application_model

from tests import factories as f
from tests.auth import totp_code, totp_device

PASSWORD = "una-clave-larga-de-prueba-2026"
REDIRECT_PATH = "/callback"


class _Callback(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.received.append(parse_qs(urlsplit(self.path).query))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"You can close this window.")

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    """The native app's redirect listener on 127.0.0.1, on a port the system picks."""
    server = HTTPServer(("127.0.0.1", 0), _Callback)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _clean_counters():
    cache.clear()
    yield
    cache.clear()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def hidden_fields(page: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", page):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    return fields


@dataclass
class NativeApp:
    """The staff app and the user's browser."""

    base: str
    client_id: str
    loopback: HTTPServer
    browser: requests.Session = field(default_factory=requests.Session)

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.loopback.server_port}{REDIRECT_PATH}"

    def authorize_url(self, challenge: str, *, scope="cases:read", state="st4te", method="S256", **extra):
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope,
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": method,
            **extra,
        }
        return f"{self.base}/oauth/authorize/?{urlencode(query)}"

    def sign_in(self, response, user, password=PASSWORD):
        """From the sign-in page the authorize step sent the browser to: password, then code."""
        assert urlsplit(response.url).path == "/admin/login/", response.url
        form = hidden_fields(response.text)
        form.update(username=user.username, password=password)
        response = self.browser.post(response.url, data=form)
        assert urlsplit(response.url).path == "/account/second-factor/", response.url
        return self.give_code(response, user)

    def give_code(self, response, user):
        form = hidden_fields(response.text)
        form["code"] = totp_code(user)
        return self.browser.post(response.url, data=form)

    def allow(self, consent):
        assert urlsplit(consent.url).path == "/oauth/authorize/", consent.url
        form = hidden_fields(consent.text)
        form["allow"] = "Allow"
        return self.browser.post(consent.url, data=form)

    def received(self) -> dict[str, str]:
        assert self.loopback.received, "the browser never reached the app's loopback address"
        return {k: v[0] for k, v in self.loopback.received.pop().items()}

    def exchange(self, code: str, verifier: str) -> requests.Response:
        return requests.post(
            f"{self.base}/oauth/token/",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self.client_id,
                "code_verifier": verifier,
            },
            timeout=10,
        )

    def refresh(self, refresh_token: str) -> requests.Response:
        return requests.post(
            f"{self.base}/oauth/token/",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id},
            timeout=10,
        )

    def api(self, method: str, path: str, access_token: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            f"{self.base}/api/v1/{path.lstrip('/')}",
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=10,
            **kwargs,
        )

    def sign_in_and_get_tokens(self, user, *, scope="cases:read") -> dict:
        """The whole flow for a pre-approved app: tokens."""
        verifier, challenge = pkce_pair()
        response = self.browser.get(self.authorize_url(challenge, scope=scope))
        if urlsplit(response.url).path == "/admin/login/":
            response = self.sign_in(response, user)
        if urlsplit(response.url).path == "/oauth/authorize/":
            response = self.allow(response)
        code = self.received()["code"]
        tokens = self.exchange(code, verifier)
        assert tokens.status_code == 200, tokens.text
        return tokens.json()


@pytest.fixture
def officer():
    user = f.officer("dallas", username="oficial.app")
    user.set_password(PASSWORD)
    user.save()
    totp_device(user)
    return user


@pytest.fixture
def staff_app(db):
    return get_application_model().objects.create(
        name="Expedientes (escritorio)",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris=f"http://127.0.0.1{REDIRECT_PATH}",
        algorithm="",
    )


@pytest.fixture
def native_app(live_server, staff_app, loopback):
    return NativeApp(base=live_server.url, client_id=staff_app.client_id, loopback=loopback)


def issue_access_token(user, scope: str, *, application=None) -> str:
    """An access token as the token endpoint stores one at the end of the authorization code flow (by
    its checksum only, with the refresh token that names the signed-in device, its family), without the
    browser steps: for tests about what a token may do rather than how it is obtained."""
    from oauth2_provider.models import get_access_token_model, get_refresh_token_model, set_token_value

    application = application or get_application_model().objects.create(
        name="Expedientes (prueba)",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris=f"http://127.0.0.1{REDIRECT_PATH}",
        algorithm="",
    )
    raw = secrets.token_urlsafe(32)
    access = get_access_token_model()(
        user=user, application=application, scope=scope, expires=timezone.now() + dt.timedelta(minutes=15)
    )
    set_token_value(access, raw)
    access.save()
    refresh = get_refresh_token_model()(
        user=user, application=application, access_token=access, token_family=uuid.uuid4()
    )
    set_token_value(refresh, secrets.token_urlsafe(32))
    refresh.save()
    return raw
