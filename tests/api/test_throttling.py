"""Rate limits: per API token, and per user across all their tokens and sessions.

DRF reads the rates into the throttle classes when they are imported, so the tests set the classes'
``THROTTLE_RATES`` rather than the settings. The counters live in the cache (Redis when ``REDIS_URL`` is
set, as in CI; process memory otherwise): it is cleared around each test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api import throttling
from api.models import ApiToken
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

URL = "/api/v1/consulates/"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rates(monkeypatch):
    """``rates(token="3/min", user="100/min")``."""

    def set_rates(*, token: str, user: str):
        table = {"token": token, "user": user}
        for throttle in (throttling.TokenRateThrottle, throttling.UserRateThrottle):
            monkeypatch.setattr(throttle, "THROTTLE_RATES", table)

    return set_rates


def _token_client(user) -> APIClient:
    _, raw = ApiToken.objects.create(user=user, expiry=dt.timedelta(days=1), name="sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    return client


def _assert_throttled(response):
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    body = response.json()
    assert set(body) == {"type", "code", "title", "status", "detail", "errors"}
    assert body["type"] == "throttled"
    assert body["status"] == 429
    assert body["title"] == "Demasiadas solicitudes"  # Spanish, like the detail


def test_a_token_over_its_rate_gets_429_with_retry_after(rates):
    rates(token="3/min", user="100/min")
    client = _token_client(f.partner_user())

    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    _assert_throttled(client.get(URL))


def test_each_token_has_its_own_budget(rates):
    rates(token="2/min", user="100/min")
    user = f.partner_user()
    first, second = _token_client(user), _token_client(user)

    assert [first.get(URL).status_code for _ in range(2)] == [200, 200]
    assert first.get(URL).status_code == 429
    assert second.get(URL).status_code == 200


def test_the_user_limit_holds_across_two_tokens_of_the_same_user(rates):
    rates(token="100/min", user="4/min")
    user = f.partner_user()
    first, second = _token_client(user), _token_client(user)

    statuses = [client.get(URL).status_code for client in (first, second, first, second)]
    assert statuses == [200, 200, 200, 200]
    _assert_throttled(first.get(URL))
    _assert_throttled(second.get(URL))
    # Another user of the same partner keeps a budget of their own.
    colleague = _token_client(f.partner_user(user.partner_membership.partner))
    assert colleague.get(URL).status_code == 200


def test_staff_sessions_have_a_per_user_limit(rates):
    rates(token="1/min", user="2/min")
    client = APIClient()
    login_verified(client, f.officer("dallas"))

    # The token budget does not apply to a session; the user budget does.
    assert [client.get(URL).status_code for _ in range(2)] == [200, 200]
    _assert_throttled(client.get(URL))


def test_a_partner_tokens_two_budgets_are_counted_in_one_round_trip():
    import redis.client

    client = _token_client(f.partner_user())
    assert client.get(URL).status_code == 200
    pipelines = []
    original = redis.client.Pipeline.execute

    def counted(self, *args, **kwargs):
        pipelines.append([command[0][0] for command in self.command_stack])
        return original(self, *args, **kwargs)

    redis.client.Pipeline.execute = counted
    try:
        assert client.get(URL).status_code == 200
    finally:
        redis.client.Pipeline.execute = original
    budgets = [p for p in pipelines if "INCRBY" in p or "INCR" in p]
    assert len(budgets) == 1, pipelines
    assert sum(command.startswith("INCR") for command in budgets[0]) == 2  # the token's and the user's
