"""Fixed-window rate limits kept in the cache (Redis when ``REDIS_URL`` is set, so every web process shares
the count; process memory in the zero-config mode).

A rate is written ``"<count>/<period>"``: ``"30/5min"``, ``"20/min"``, ``"100/h"``, ``"1000/d"``.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.core.cache import cache

# Failed API credentials (a partner's token, a staff app's access token) per client address: one budget,
# ``API_TOKEN_FAILURE_RATE_PER_IP``, so neither kind of token can be guessed at speed.
TOKEN_FAILURE_SCOPE = "api-token-failure"  # noqa: S105 - a counter's name, not a secret

_UNITS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str | None) -> Rate | None:
    """``"30/5min"`` -> ``Rate(30, 300)``; empty or ``None`` -> ``None`` (no limit)."""
    if not text:
        return None
    match = _RATE.match(text.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"Not a rate: {text!r} (write e.g. '30/5min', '20/min', '100/h').")
    multiplier = int(match.group(2) or 1)
    return Rate(count=int(match.group(1)), seconds=multiplier * _UNITS[match.group(3)])


def _key(scope: str, ident: str, rate: Rate, now: float) -> tuple[str, int]:
    window = int(now // rate.seconds)
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    return f"rl:{scope}:{ident}:{rate.seconds}:{window}", retry_after


def hit(scope: str, ident: str, rate: Rate | None) -> int | None:
    """Count one event; return ``None`` while within the rate, else the seconds until the window ends."""
    if rate is None:
        return None
    key, retry_after = _key(scope, ident, rate, time.time())
    if cache.add(key, 1, timeout=rate.seconds + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.seconds + 1)
            count = 1
    return retry_after if count > rate.count else None


def exceeded(scope: str, ident: str, rate: Rate | None) -> int | None:
    """Whether the window is already full (without counting); seconds to wait, or ``None``."""
    if rate is None:
        return None
    key, retry_after = _key(scope, ident, rate, time.time())
    count = cache.get(key) or 0
    return retry_after if count >= rate.count else None
