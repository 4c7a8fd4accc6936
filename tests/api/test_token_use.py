"""Every call made with a partner token leaves one compact row (token key, time, method, path without the
query string, status, address); rows older than the retention period are purged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken, ApiTokenUse
from api.tasks import purge_token_uses
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def test_every_token_call_is_recorded_with_its_status():
    partner_user = f.partner_user()
    token, raw = ApiToken.objects.create(user=partner_user, expiry=dt.timedelta(days=1), name="sync")
    client = APIClient(REMOTE_ADDR="198.51.100.60")
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

    # A parameter the list does not have is refused (and the call is still recorded).
    assert client.get("/api/v1/partner/referrals/?status=pending&search=Ruiz").status_code == 400
    assert client.get("/api/v1/partner/referrals/999999/").status_code == 404
    assert client.get("/api/v1/cases/").status_code == 403
    assert client.get("/api/v1/partner/referrals/").status_code == 200

    uses = list(
        ApiTokenUse.objects.order_by("id").values_list("token_key", "user_id", "method", "path", "status")
    )
    assert uses == [
        (token.token_key, partner_user.pk, "GET", "/api/v1/partner/referrals/", 400),
        (token.token_key, partner_user.pk, "GET", "/api/v1/partner/referrals/999999/", 404),
        (token.token_key, partner_user.pk, "GET", "/api/v1/cases/", 403),
        (token.token_key, partner_user.pk, "GET", "/api/v1/partner/referrals/", 200),
    ]
    assert set(ApiTokenUse.objects.values_list("ip_address", flat=True)) == {"198.51.100.60"}
    # The query string (which could carry a name) is never kept.
    assert not ApiTokenUse.objects.filter(path__contains="Ruiz").exists()

    # The records outlive the token's revocation.
    token.delete()
    assert ApiTokenUse.objects.count() == 4


def test_session_calls_and_bad_tokens_are_not_token_uses():
    client = APIClient()
    login_verified(client, f.officer("dallas"))
    client.get("/api/v1/cases/")
    anonymous = APIClient()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 64}")
    anonymous.get("/api/v1/partner/referrals/")
    assert not ApiTokenUse.objects.exists()


def test_old_records_are_purged(settings):
    settings.API_TOKEN_USE_RETENTION_DAYS = 30
    old = ApiTokenUse.objects.create(token_key="k", user_id=1, method="GET", path="/api/v1/x/", status=200)
    recent = ApiTokenUse.objects.create(token_key="k", user_id=1, method="GET", path="/api/v1/x/", status=200)
    ApiTokenUse.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=31))
    assert purge_token_uses() == 1
    assert list(ApiTokenUse.objects.values_list("pk", flat=True)) == [recent.pk]
