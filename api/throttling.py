"""Rate limits per API token and per user; a throttled call gets 429 with ``Retry-After``.

With Redis, each budget is a sliding-window counter: one pipelined round trip per request (increment this
window's count, read the previous window's), the previous window weighted by how much of it still
overlaps the last ``duration`` seconds. DRF's own throttle keeps every request's time in one cached
list, read and written back whole on each request (a list of up to the rate's size, and two round trips);
it remains the path without Redis (one process's memory, in development)."""

from __future__ import annotations

import math

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class CountingRateThrottle(SimpleRateThrottle):
    def _client(self):
        backend = getattr(self.cache, "_cache", None)
        return backend.get_client(write=True) if hasattr(backend, "get_client") else None

    def _window_keys(self, request, view) -> tuple[str, str] | None:
        """This budget's key for the current and the previous window (``None``: not this caller's)."""
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.elapsed = self.now - window * self.duration
        current_key = self.cache.make_and_validate_key(f"{self.key}:{window}")
        return current_key, self.cache.make_and_validate_key(f"{self.key}:{window - 1}")

    def allow_request(self, request, view):
        client = None if self.rate is None else self._client()
        if client is None:
            return super().allow_request(request, view)
        keys = self._window_keys(request, view)
        if keys is None:
            return True
        counted = _counted_together(request, view, client)
        if keys[0] not in counted:
            counted.update(_count(client, [keys], self.duration))
        current, previous = counted[keys[0]]
        self.current, self.previous = current - 1, previous  # before this request
        if self.current + self.previous * (1 - self.elapsed / self.duration) >= self.num_requests:
            client.decr(keys[0])  # a refused request does not use the budget
            return False
        return True

    def wait(self):
        if not hasattr(self, "current"):
            return super().wait()
        if self.current >= self.num_requests or not self.previous:
            return max(1.0, self.duration - self.elapsed)  # until this window ends
        # The previous window's weight falls as it slides out; the request fits once it is low enough.
        fits_at = self.duration * (1 - (self.num_requests - self.current) / self.previous)
        return max(1.0, math.ceil(fits_at - self.elapsed))


def _count(client, keys: list[tuple[str, str]], duration: int) -> dict:
    """Count this request in each budget's current window and read its previous one: one round trip."""
    pipe = client.pipeline(transaction=False)
    for current_key, previous_key in keys:
        pipe.incr(current_key)
        pipe.expire(current_key, 2 * duration)
        pipe.get(previous_key)
    results = pipe.execute()
    return {
        current_key: (results[3 * i], int(results[3 * i + 2] or 0)) for i, (current_key, _) in enumerate(keys)
    }


def _counted_together(request, view, client) -> dict:
    """Every counting budget of the view that concerns this caller (a partner's token and its user), counted
    in one round trip when the first of them asks; the others then read their count here. A session's user
    budget was counted with its principal (``session_budget``)."""
    counted = getattr(request, "_rate_counts", None)
    if counted is None and getattr(request, "counted_ahead", None) is not None:
        counted = request._rate_counts = dict(request.counted_ahead)
    if counted is None:
        counted = request._rate_counts = {}
        keys, durations = [], set()
        for throttle_class in view.throttle_classes:
            if issubclass(throttle_class, CountingRateThrottle):
                throttle = throttle_class()
                found = throttle._window_keys(request, view) if throttle.rate is not None else None
                if found is not None:
                    keys.append(found)
                    durations.add(throttle.duration)
        if keys and len(durations) == 1:
            counted.update(_count(client, keys, durations.pop()))
    return counted


def session_budget(request, user_id) -> list[tuple[str, str, int]]:
    """A signed-in session's call to the API: its user's budget, counted with the session's principal in
    one round trip (``signin.principal.REQUEST_COUNTERS``), under the keys ``UserRateThrottle`` uses."""
    if not request.path.startswith("/api/v1/"):
        return []
    throttle = UserRateThrottle()
    if throttle.rate is None:
        return []
    window = int(throttle.timer() // throttle.duration)
    key = throttle.cache_format % {"scope": throttle.scope, "ident": user_id}
    return [(f"{key}:{window}", f"{key}:{window - 1}", 2 * throttle.duration)]


class TokenRateThrottle(CountingRateThrottle):
    """Each partner token has its own budget, so one integration's loop cannot starve another's."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(CountingRateThrottle):
    """Each user's budget across all their tokens and sessions."""

    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
