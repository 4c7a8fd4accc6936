"""The whole flow of a native staff app against the real server (see conftest): sign-in with password and
authenticator code in the browser, consent, code for tokens with PKCE, API calls under the user's own
visibility and the token's scopes, rotation of refresh tokens, reuse detection, revocation, and the
record of every use."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
import time_machine
from oauth2_provider.models import get_refresh_token_model

from oauth.models import AppTokenUse
from tests import factories as f
from tests.oauth.conftest import pkce_pair

pytestmark = pytest.mark.django_db(transaction=True)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.text
    return {row["id"] for row in response.json()["results"]}


def test_a_native_app_signs_in_with_the_second_factor_and_calls_the_api_as_the_user(native_app, officer):
    own = f.make_case(officer)
    foreign = f.make_case(f.officer("houston"))

    verifier, challenge = pkce_pair()
    # Not signed in: the authorize step sends the browser through the staff sign-in and back.
    response = native_app.browser.get(native_app.authorize_url(challenge))
    assert urlsplit(response.url).path == "/admin/login/"
    consent = native_app.sign_in(response, officer)
    assert urlsplit(consent.url).path == "/oauth/authorize/", consent.url
    assert "Expedientes (escritorio)" in consent.text
    assert not native_app.loopback.received  # nothing is given before the user allows it

    native_app.allow(consent)
    answer = native_app.received()
    assert answer["state"] == "st4te"
    code = answer["code"]

    # The code is useless without the verifier it was bound to.
    wrong = native_app.exchange(code, pkce_pair()[0])
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"

    # The failed try spent the code; the browser is still signed in: allowing again gives a new one.
    verifier, challenge = pkce_pair()
    native_app.allow(native_app.browser.get(native_app.authorize_url(challenge)))
    code = native_app.received()["code"]
    tokens = native_app.exchange(code, verifier)
    assert tokens.status_code == 200, tokens.text
    tokens = tokens.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 15 * 60
    assert tokens["scope"] == "cases:read"

    # The user's own visibility: their consulate's case, not another's.
    seen = _ids(native_app.api("GET", "cases/", tokens["access_token"]))
    assert own.pk in seen
    assert foreign.pk not in seen
    assert native_app.api("GET", f"cases/{foreign.pk}/", tokens["access_token"]).status_code == 404

    # Scopes: a read-only token cannot write, nor read the reports.
    refused = native_app.api("POST", f"cases/{own.pk}/assign/", tokens["access_token"], json={})
    assert refused.status_code == 403
    assert native_app.api("GET", "reports/", tokens["access_token"]).status_code == 403

    # Every use is recorded, refused ones included: app, user, path, status; no token, no query.
    uses = list(AppTokenUse.objects.order_by("at", "id").values_list("user_id", "path", "status"))
    assert (officer.pk, "/api/v1/cases/", 200) in uses
    assert (officer.pk, f"/api/v1/cases/{own.pk}/assign/", 403) in uses
    assert len(uses) == 4
    assert AppTokenUse.objects.filter(application_id=native_app_id(native_app)).count() == 4

    # Refresh: a new pair; the old refresh token is spent, the old access token stops working.
    first_refresh = tokens["refresh_token"]
    rotated = native_app.refresh(first_refresh)
    assert rotated.status_code == 200, rotated.text
    rotated = rotated.json()
    assert rotated["refresh_token"] != first_refresh
    assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 401
    assert native_app.api("GET", "cases/", rotated["access_token"]).status_code == 200

    # Someone replays the spent refresh token: refused, and the whole family is revoked.
    replay = native_app.refresh(first_refresh)
    assert replay.status_code == 400
    assert native_app.api("GET", "cases/", rotated["access_token"]).status_code == 401
    assert native_app.refresh(rotated["refresh_token"]).status_code == 400


def native_app_id(native_app) -> int:
    from oauth2_provider.models import get_application_model

    return get_application_model().objects.get(client_id=native_app.client_id).pk


def test_pkce_s256_is_required_and_redirects_match_exactly(native_app, officer):
    verifier, challenge = pkce_pair()
    native_app.sign_in_and_get_tokens(officer)  # signed in, app allowed

    no_pkce = native_app.browser.get(
        native_app.authorize_url(challenge)
        .replace("code_challenge=", "x=")
        .replace("code_challenge_method=S256", "")
    )
    plain = native_app.browser.get(native_app.authorize_url(verifier, method="plain"))
    other_host = native_app.browser.get(
        native_app.authorize_url(challenge).replace("127.0.0.1%3A", "localhost%3A"), allow_redirects=False
    )
    # Without a challenge: refused on the spot. With "plain": refused back to the app. Never a code.
    assert no_pkce.status_code == 400
    assert "code=" not in no_pkce.url.split("?", 1)[1].replace("response_type=code", "")
    assert [q["error"] for q in native_app.loopback.received] == [["invalid_request"]]
    assert "code" not in native_app.loopback.received[0]
    assert urlsplit(plain.url).path == "/callback"
    # An unregistered redirect URI is never redirected to.
    assert other_host.status_code == 400
    assert "localhost" not in other_host.headers.get("Location", "")


def test_the_revocation_endpoint_ends_a_refresh_token(native_app, officer):
    tokens = native_app.sign_in_and_get_tokens(officer)
    import requests

    revoked = requests.post(
        f"{native_app.base}/oauth/revoke/",
        data={"token": tokens["refresh_token"], "client_id": native_app.client_id},
        timeout=10,
    )
    assert revoked.status_code == 200
    assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 401
    assert native_app.refresh(tokens["refresh_token"]).status_code == 400


def test_a_write_needs_cases_write_and_reports_need_reports_read(native_app, officer):
    case = f.make_case(officer)
    tokens = native_app.sign_in_and_get_tokens(officer, scope="cases:read cases:write reports:read")
    assert native_app.api("GET", "reports/", tokens["access_token"]).status_code == 200
    assigned = native_app.api(
        "POST", f"cases/{case.pk}/assign/", tokens["access_token"], json={"assignee": officer.pk}
    )
    assert assigned.status_code != 403, assigned.text


def test_disabling_the_user_changing_the_password_or_resetting_the_second_factor_revokes(native_app, officer):
    from signin.totp import second_factor_reset

    for step, act in enumerate(
        (
            lambda: (setattr(officer, "is_active", False), officer.save()),
            lambda: (officer.set_password("otra-clave-larga-de-prueba-2026"), officer.save()),
            lambda: second_factor_reset(user=officer, actor=None),
        ),
        start=1,
    ):
        officer.refresh_from_db()
        officer.is_active = True
        officer.set_password("una-clave-larga-de-prueba-2026")
        officer.save()
        from tests.auth import totp_device

        totp_device(officer)
        native_app.browser.cookies.clear()
        with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=2 * step), tick=True):
            tokens = native_app.sign_in_and_get_tokens(officer)
            assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 200
            act()
            assert native_app.api("GET", "cases/", tokens["access_token"]).status_code == 401
            assert native_app.refresh(tokens["refresh_token"]).status_code == 400
    assert not get_refresh_token_model().objects.filter(user=officer, revoked__isnull=True).exists()
