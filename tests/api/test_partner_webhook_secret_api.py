"""A partner replaces its own webhook signing secret through the API; it is shown once."""

from __future__ import annotations

import base64

import pytest

from consulates.models import Partner
from consulates.services import partner_webhook_secret_rotate
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def test_a_partner_rotates_its_secret_and_sees_it_once(api_partner, api_partner_client):
    before = Partner.objects.get(pk=api_partner.pk).webhook_secret
    first = api_partner_client.post(url("partner/webhook-secret/"), HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert first.status_code == 201, first.content
    secret = first.json()["webhook_secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert Partner.objects.get(pk=api_partner.pk).webhook_secret == secret != before

    replay = api_partner_client.post(url("partner/webhook-secret/"), HTTP_IDEMPOTENCY_KEY="rotate-1")
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert secret not in replay.content.decode()
    assert Partner.objects.get(pk=api_partner.pk).webhook_secret == secret  # not rotated twice


def test_staff_cannot_rotate_through_the_partner_door(api_officer_client):
    assert api_officer_client.post(url("partner/webhook-secret/")).status_code == 403


def test_the_service_lets_no_partner_rotate_anothers_secret(api_partner, api_partner_user):
    from django.core.exceptions import PermissionDenied

    other = f.PartnerFactory(covers=["dallas"], services=["shelter"])
    with pytest.raises(PermissionDenied):
        partner_webhook_secret_rotate(actor=api_partner_user, partner=other)
    assert partner_webhook_secret_rotate(actor=api_partner_user, partner=api_partner).startswith("whsec_")
