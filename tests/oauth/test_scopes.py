"""Every API door asks a staff app's token for the scope of its kind of call (``oauth.scopes``), and the
partners' doors take no staff app's token at all, whoever it was issued to and whatever its scopes."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories as f
from tests.oauth.conftest import issue_access_token

pytestmark = pytest.mark.django_db

ALL_SCOPES = "cases:read cases:write reports:read"


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/partner/referrals/"),
        ("post", "/api/v1/partner/webhook-secret/"),
    ],
)
@pytest.mark.parametrize("who", ["officer", "partner_user"])
def test_the_partners_doors_refuse_any_staff_app_token(method, path, who):
    partner = f.PartnerFactory(covers=["dallas"])
    user = f.officer("dallas") if who == "officer" else f.partner_user(partner)
    secret_before = partner.webhook_secret
    response = getattr(_client(issue_access_token(user, ALL_SCOPES)), method)(path)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "insufficient_scope"
    partner.refresh_from_db()
    assert partner.webhook_secret == secret_before  # nothing was rotated


def test_a_token_reaches_only_the_calls_of_its_scopes():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    reader = _client(issue_access_token(officer, "cases:read"))
    assert reader.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    refused = reader.post(f"/api/v1/cases/{case.pk}/notes/", {"text": "Llamada"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    assert reader.get("/api/v1/reports/").json()["code"] == "insufficient_scope"
    writer = _client(issue_access_token(officer, ALL_SCOPES))
    assert (
        writer.post(f"/api/v1/cases/{case.pk}/notes/", {"text": "Llamada"}, format="json").status_code == 201
    )
    assert writer.get("/api/v1/reports/").status_code == 200
