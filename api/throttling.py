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

    def allow_request(self, request, view):
        client = None if self.rate is None else self._client()
        if client is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.elapsed = self.now - window * self.duration
        current_key = self.cache.make_and_validate_key(f"{self.key}:{window}")
        previous_key = self.cache.make_and_validate_key(f"{self.key}:{window - 1}")
        pipe = client.pipeline(transaction=False)
        pipe.incr(current_key)
        pipe.expire(current_key, 2 * self.duration)
        pipe.get(previous_key)
        current, _, previous = pipe.execute()
        self.current, self.previous = current - 1, int(previous or 0)  # before this request
        if self.current + self.previous * (1 - self.elapsed / self.duration) >= self.num_requests:
            client.decr(current_key)  # a refused request does not use the budget
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
