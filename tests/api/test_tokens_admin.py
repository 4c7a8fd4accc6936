"""consulates/admin/tokens.py: administrators issue partner API tokens (shown once) and revoke them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.test import APIClient

from api.models import ApiToken
from tests import factories as f
from tests.api.conftest import url
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

ADD = "/admin/api/apitoken/add/"
CHANGELIST = "/admin/api/apitoken/"
SHOWN = re.compile(r'<code class="shown-once-secret">([^<]+)</code>')


@pytest.fixture
def admin_client_():
    administrator = f.administrator()
    client = Client()
    login_verified(client, administrator)
    client.administrator = administrator
    return client


def _issue(client, user, *, name="case system sync", days=30):
    return client.post(ADD, {"user": user.pk, "name": name, "valid_days": days})


def test_administrator_issues_a_token_shown_once(admin_client_, api_partner_user):
    assert admin_client_.get(ADD).status_code == 200
    response = _issue(admin_client_, api_partner_user)
    assert response.status_code == 200  # the answer to the POST itself shows the token
    assert "no-store" in response["Cache-Control"]
    assert CHANGELIST in response.content.decode()
    (raw,) = SHOWN.findall(response.content.decode())
    token = ApiToken.objects.get(user=api_partner_user)
    assert token.name == "case system sync"
    assert token.issued_by == admin_client_.administrator
    assert raw.startswith(token.token_key)
    assert raw not in token.digest
    assert abs(token.expiry - (timezone.now() + dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    # The page says when it expires, in words and in the administrator's language (Spanish by default).
    assert date_format(timezone.localtime(token.expiry), "DATE_FORMAT") in response.content.decode()
    assert " de " in date_format(timezone.localtime(token.expiry), "DATE_FORMAT")

    again = admin_client_.get(CHANGELIST).content.decode()
    assert raw not in again
    assert token.token_key in again

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(url("partner/referrals/")).status_code == 200


def test_tokens_go_to_partner_users_only(admin_client_):
    officer = f.officer("dallas")
    response = admin_client_.post(ADD, {"user": officer.pk, "name": "x", "valid_days": 30})
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=officer).exists()


@pytest.mark.parametrize("days", [0, 366])
def test_validity_is_bounded(admin_client_, api_partner_user, days):
    response = admin_client_.post(ADD, {"user": api_partner_user.pk, "name": "x", "valid_days": days})
    assert "valid_days" in response.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=api_partner_user).exists()


@pytest.mark.parametrize("make", [lambda: f.officer("dallas"), lambda: f.supervisor("dallas"), f.manager])
def test_other_staff_get_403(make, api_partner_user):
    client = Client()
    login_verified(client, make())
    assert client.get(ADD).status_code == 403
    assert client.get(CHANGELIST).status_code == 403
    response = client.post(ADD, {"user": api_partner_user.pk, "name": "x", "valid_days": 30})
    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=api_partner_user).exists()


def test_revoke_deletes_the_token(admin_client_, api_partner_user):
    token, raw = ApiToken.objects.create(user=api_partner_user, name="x")
    keep, keep_raw = ApiToken.objects.create(user=api_partner_user, name="keep")
    response = admin_client_.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not ApiToken.objects.filter(pk=token.pk).exists()
    assert ApiToken.objects.filter(pk=keep.pk).exists()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert client.get(url("partner/referrals/")).status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {keep_raw}")
    assert client.get(url("partner/referrals/")).status_code == 200


def test_tokens_cannot_be_edited(admin_client_, api_partner_user):
    token, _raw = ApiToken.objects.create(user=api_partner_user, name="x")
    response = admin_client_.post(f"/admin/api/apitoken/{token.pk}/change/", {"name": "renamed"})
    token.refresh_from_db()
    assert token.name == "x"
    assert response.status_code in (200, 403)


def test_the_new_token_travels_in_no_cookie_message_or_session(admin_client_, api_partner_user):
    """Django's messages go in a signed cookie that anyone holding it can read: the token is shown in the
    page that answers the POST, and stored nowhere on the way."""
    response = _issue(admin_client_, api_partner_user)
    (raw,) = SHOWN.findall(response.content.decode())
    set_cookies = " ".join(morsel.OutputString() for morsel in response.cookies.values())
    assert raw not in set_cookies
    kept = [morsel.value for morsel in admin_client_.cookies.values()]
    assert not [value for value in kept if raw in value]
    from django.contrib.messages.storage.cookie import CookieStorage

    for value in kept:
        decoded = CookieStorage(response.wsgi_request)._decode(value)
        assert raw not in str(decoded or "")
    assert raw not in str(dict(admin_client_.session.items()))
    following = admin_client_.get(CHANGELIST).content.decode()
    assert raw not in following
    assert [str(m) for m in response.context["messages"]] == []
