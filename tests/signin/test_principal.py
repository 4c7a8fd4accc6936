"""A signed-in request reads its user and second-factor device from the shared cache (signin/principal.py),
and any change to them, to a membership, a consulate or a partner is seen by the very next request.

Outside a transaction, as a request is served (inside one nothing is cached): these tests are
transactional, so each is a whole story, to keep their number (and the suite's time) small."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from consulates.models import Consulate, StaffMembership
from signin import principal
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/consulates/?limit=1"


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    assert settings.PRINCIPAL_CACHE, "the suite runs with Redis (REDIS_URL): the cache is on"
    cache.clear()
    yield
    cache.clear()


def _signed_in(user):
    client = APIClient()
    device = login_verified(client, user)
    return client, device


def _auth_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return [q["sql"] for q in captured if "auth_user" in q["sql"] or "otp_" in q["sql"]]


def test_kept_between_requests_and_never_trusted_after_a_change(settings):
    user = f.officer("dallas")
    client, _ = _signed_in(user)
    assert len(_auth_queries(client)) == 2  # the first request: the user with memberships, the device
    assert _auth_queries(client) == []  # the next ones: neither

    key = principal.user_key(user.pk)
    assert principal.cached(key, user.pk, lambda: "read again").pk == user.pk
    Consulate.objects.filter(pk=user.staff_membership.consulate_id).update(phone="+1 214 555 0100")
    assert principal.cached(key, user.pk, lambda: "read again") == "read again"

    # A slow request read the user before a change and stores it after it: its stamp is the old one.
    stale = type(user).objects.get(pk=user.pk)
    principal.cached(key, user.pk, lambda: stale)
    user.first_name = "Cambiado"
    user.save()
    fresh = principal.cached(key, user.pk, lambda: type(user).objects.get(pk=user.pk))
    assert fresh.first_name == "Cambiado"

    cache.clear()  # a flushed cache: a miss, never a match
    assert principal.cached(key, user.pk, lambda: "after flush") == "after flush"

    with transaction.atomic():  # inside a transaction: read, nothing stored
        principal.cached(principal.user_key(0), 0, lambda: "inside")
    assert principal.cached(principal.user_key(0), 0, lambda: "outside") == "outside"

    partner = f.partner_user()
    principal.cached(principal.user_key(partner.pk), partner.pk, lambda: partner)
    loaded = APIClient()
    loaded.force_login(partner)
    loaded.get(URL)
    entry = principal.cached(principal.user_key(partner.pk), partner.pk, lambda: None)
    assert "webhook_secret" not in entry.partner_membership.partner.__dict__  # never loaded, never cached

    settings.PRINCIPAL_CACHE = False
    assert len(_auth_queries(client)) == 2
    assert len(_auth_queries(client)) == 2


def test_a_moved_officer_sees_the_new_consulate_at_once():
    user = f.officer("dallas")
    client, _ = _signed_in(user)
    houston, dallas = f.consulate("houston"), f.consulate("dallas")
    case = f.make_case(f.officer("houston"))
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    membership = user.staff_membership
    membership.consulate = houston
    membership.save()
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    StaffMembership.objects.filter(user=user).update(consulate=dallas)  # no signal: the queryset forgets
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404


def test_a_disabled_user_or_a_removed_device_counts_at_the_next_request():
    user = f.officer("dallas")
    client, _ = _signed_in(user)
    client.get(URL)
    user.is_active = False
    user.save()
    assert client.get(URL).status_code in (401, 403)

    other = f.officer("dallas")
    client, device = _signed_in(other)
    client.get(URL)
    device.delete()
    assert client.get(URL).status_code == 403


def test_the_user_and_the_device_come_in_one_round_trip():
    import redis.client

    client, _ = _signed_in(f.officer("dallas"))
    assert client.get(URL).status_code == 200
    reads = []
    original = redis.client.Redis.execute_command

    def counted(self, *args, **kwargs):
        reads.append(args[0])
        return original(self, *args, **kwargs)

    redis.client.Redis.execute_command = counted
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        redis.client.Redis.execute_command = original
    assert reads.count("MGET") == 1, reads  # the generations, the user and the device together


def test_an_api_call_counts_its_users_budget_with_its_principal(monkeypatch):
    import redis.client

    from api import throttling

    for throttle in (throttling.TokenRateThrottle, throttling.UserRateThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"token": "100/min", "user": "3/min"})
    client, _ = _signed_in(f.officer("dallas"))
    assert client.get(URL).status_code == 200
    calls = []
    original, original_pipeline = redis.client.Redis.execute_command, redis.client.Pipeline.execute

    def command(self, *args, **kwargs):
        calls.append(args[0])
        return original(self, *args, **kwargs)

    def pipeline(self, *args, **kwargs):
        calls.append(tuple(c[0][0] for c in self.command_stack))
        return original_pipeline(self, *args, **kwargs)

    redis.client.Redis.execute_command, redis.client.Pipeline.execute = command, pipeline
    try:
        assert client.get(URL).status_code == 200
    finally:
        redis.client.Redis.execute_command, redis.client.Pipeline.execute = original, original_pipeline
    assert calls == ["GET", ("MGET", "INCRBY", "EXPIRE", "GET")], calls  # the session; the rest together
    # The budget counted there is the one the throttle holds the session to: the fourth call is refused.
    assert client.get(URL).status_code == 200
    assert client.get(URL).status_code == 429
