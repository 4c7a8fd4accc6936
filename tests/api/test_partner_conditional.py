"""``If-Match`` and ``ETag`` on the partner's actions (cases/api/partner.py): a stale or garbage ETag is
refused with 412 and changes nothing; without one the action runs (as the staff's case actions); each
answer carries the referral's new ETag, which the next action can send."""

from __future__ import annotations

import pytest
from django.utils import timezone

from api.conditional import etag_for
from cases.models import CaseEvent, Referral
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def _post(client, referral, action, data=None, etag=None):
    headers = {"If-Match": etag} if etag is not None else {}
    return client.post(
        url(f"partner/referrals/{referral.pk}/{action}/"), data or {}, format="json", headers=headers
    )


def _etag(client, referral) -> str:
    response = client.get(url(f"partner/referrals/{referral.pk}/"))
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.parametrize(
    "etag",
    [
        pytest.param("stale", id="stale"),
        pytest.param('"referral-1-2001-01-01T00:00:00+00:00"', id="another-referral"),
        pytest.param("garbage", id="garbage"),
    ],
)
@pytest.mark.parametrize(
    ("action", "data", "status_before"),
    [
        ("accept", {}, "pending"),
        ("decline", {"reason": "Sin cupo"}, "pending"),
        ("start", {"note": "Empezamos"}, "accepted"),
        ("complete", {"outcome_note": "Listo"}, "accepted"),
    ],
)
def test_a_stale_or_garbage_etag_is_refused(
    api_partner_client, api_referral, action, data, status_before, etag
):
    expected = "stale_version" if etag == "stale" else "precondition_failed"
    if status_before == "accepted":
        assert _post(api_partner_client, api_referral, "accept").status_code == 200
    if etag == "stale":
        etag = _etag(api_partner_client, api_referral)
        Referral.objects.filter(pk=api_referral.pk).update(
            request_note="Cambiada por el consulado", updated_at=timezone.now()
        )
    events = CaseEvent.objects.count()
    response = _post(api_partner_client, api_referral, action, data, etag)
    assert response.status_code == 412, response.content
    body = response.json()
    assert (body["type"], body["status"]) == (expected, 412)
    assert set(body) >= {"type", "code", "title", "status", "detail", "errors"}
    assert Referral.objects.get(pk=api_referral.pk).status == status_before
    assert CaseEvent.objects.count() == events


def test_the_current_etag_goes_through_and_the_answer_carries_the_next(api_partner_client, api_referral):
    first = _etag(api_partner_client, api_referral)
    accepted = _post(api_partner_client, api_referral, "accept", etag=first)
    assert accepted.status_code == 200
    assert accepted["ETag"] != first
    assert accepted["ETag"] == etag_for(Referral.objects.get(pk=api_referral.pk))
    assert accepted["ETag"] == _etag(api_partner_client, api_referral)

    started = _post(api_partner_client, api_referral, "start", {"note": "Empezamos"}, accepted["ETag"])
    assert started.status_code == 200
    # The answer before last is stale now.
    again = _post(api_partner_client, api_referral, "complete", {"outcome_note": "Listo"}, accepted["ETag"])
    assert again.status_code == 412
    done = _post(api_partner_client, api_referral, "complete", {"outcome_note": "Listo"}, started["ETag"])
    assert done.status_code == 200
    assert Referral.objects.get(pk=api_referral.pk).status == "completed"


def test_without_if_match_the_actions_run_and_still_answer_the_etag(api_partner_client, api_referral):
    response = _post(api_partner_client, api_referral, "accept")
    assert response.status_code == 200
    assert response["ETag"] == etag_for(Referral.objects.get(pk=api_referral.pk))
    assert _post(api_partner_client, api_referral, "start", etag="*").status_code == 200
