"""What a signed-in session has already proved, kept in the shared cache between its requests.

Each request with a session cookie needs its user (with the memberships that give the role and the
consulate's time zone) and the second-factor device the session was verified with. Both change rarely
and are read on every request, so they are kept in the cache (Redis) instead of two queries per request.

Correctness rests on generations, not on deleting entries: every entry is stored with the generation
stamps it was read under, a user's own and the network's (consulates and partners, which every user's
entry embeds), read together with it in one round trip. A change of any of those rows sets a new
random generation (``forget_user`` / ``forget_everyone``, from the models' save and delete signals), so an
entry read before the change, even one written back after it by a slow request, no longer matches and
the database is read again. A missing generation (a flushed or restarted cache) is a miss, never a
match. Nothing is read or stored inside a transaction. Only with a cache shared by every process
(``PRINCIPAL_CACHE``: on where Redis is configured); otherwise every request reads the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from redis.exceptions import RedisError

ENTRY_SECONDS = 300
_MISSING = object()
_namespace: list[str] = []
# What ``prefetched`` read in one round trip: (user id, the keys asked for, what the cache answered).
_prefetched: ContextVar[tuple[str, frozenset, dict] | None] = ContextVar("principal_prefetched", default=None)
# Counters an upper layer counts in the same round trip as a request's principal (the API's per-user rate
# limit): callables ``(request, user_id) -> [(current_key, previous_key, seconds)]``, cache keys as given to
# ``cache``; each current key is incremented (and expires after ``seconds``), each previous one read. The
# counts are left on the request as ``request.counted_ahead``: {made current key: (count, previous count)}.
REQUEST_COUNTERS: list[Callable] = []


def _ns() -> str:
    """The database's own name and oid: a database dropped and created again under the same name (a
    restore, a test run) shares nothing with the entries of the one before it."""
    if not _namespace:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_database(), oid FROM pg_database WHERE datname = current_database()"
            )
            name, oid = cursor.fetchone()
        _namespace.append(f"principal:{name}:{oid}")
    return _namespace[0]


def _network_gen() -> str:
    return f"{_ns()}:gen:network"


def _user_gen(user_id) -> str:
    return f"{_ns()}:gen:user:{user_id}"


def user_key(user_id) -> str:
    return f"{_ns()}:user:{user_id}"


def device_key(persistent_id: str) -> str:
    return f"{_ns()}:device:{persistent_id}"


def _new_generation() -> str:
    return uuid.uuid4().hex


def cached(key: str, user_id, load: Callable[[], Any]) -> Any:
    """The value under ``key`` for ``user_id`` if it is still current, else ``load()`` (stored)."""
    if not settings.PRINCIPAL_CACHE or user_id is None or connection.in_atomic_block:
        # Inside a transaction the database may show what that transaction changed and has not
        # committed (and may yet roll back, which no generation would record): read it, cache nothing.
        # A request resolves its user in the middleware, before any view opens a transaction.
        return load()
    try:
        return _cached(key, user_id, load)
    except RedisError:  # the cache is down: the database still answers (each request reads it)
        return load()


@contextmanager
def prefetched(user_id, keys: list[str], request=None) -> Iterator[None]:
    """Read the generations and ``keys`` (a request's user and device entries) in one round trip, with the
    request's ``REQUEST_COUNTERS``: the ``cached`` calls inside, for that user and those keys, use what it
    read instead of asking again."""
    if not settings.PRINCIPAL_CACHE or user_id is None or connection.in_atomic_block:
        yield
        return
    counters = [c for counter in REQUEST_COUNTERS for c in counter(request, user_id)] if request else []
    try:
        found = _read_and_count(request, [_network_gen(), _user_gen(user_id), *keys], counters)
    except RedisError:
        yield
        return
    token = _prefetched.set((str(user_id), frozenset(keys), found))
    try:
        yield
    finally:
        _prefetched.reset(token)


def _read_and_count(request, keys: list[str], counters: list[tuple[str, str, int]]) -> dict:
    if not counters:
        return cache.get_many(keys)
    backend = cache._cache
    made = [cache.make_and_validate_key(key) for key in keys]
    pipe = backend.get_client(write=True).pipeline(transaction=False)
    pipe.mget(made)
    for current, previous, seconds in counters:
        current = cache.make_and_validate_key(current)
        pipe.incr(current)
        pipe.expire(current, seconds)
        pipe.get(cache.make_and_validate_key(previous))
    values, *counts = pipe.execute()
    request.counted_ahead = {
        cache.make_and_validate_key(current): (counts[3 * i], int(counts[3 * i + 2] or 0))
        for i, (current, _previous, _seconds) in enumerate(counters)
    }
    return {key: backend._serializer.loads(v) for key, v in zip(keys, values, strict=True) if v is not None}


def _read(key: str, user_id, generation_keys: list[str]) -> dict:
    ahead = _prefetched.get()
    if ahead is not None and ahead[0] == str(user_id) and key in ahead[1]:
        return ahead[2]
    return cache.get_many([*generation_keys, key])


def _cached(key: str, user_id, load: Callable[[], Any]) -> Any:
    generation_keys = [_network_gen(), _user_gen(user_id)]
    found = _read(key, user_id, generation_keys)
    stamp = tuple(found.get(name) for name in generation_keys)
    entry = found.get(key, _MISSING)
    if None not in stamp and entry is not _MISSING and entry[0] == stamp:
        return entry[1]
    if None in stamp:
        for name in generation_keys:
            cache.add(name, _new_generation(), None)
        found = cache.get_many(generation_keys)
        stamp = tuple(found.get(name) for name in generation_keys)
    value = load()  # read after the stamps: a change from here on makes this entry stale
    if None not in stamp:
        cache.set(key, (stamp, value), ENTRY_SECONDS)
    return value


def _renew(key: str) -> None:
    cache.set(key, _new_generation(), None)


def _renew_now_and_at_commit(key: str) -> None:
    """Now (a read later in the same transaction sees the change) and again once the change is
    committed: a request that read the row before the commit stored it under the first new generation."""
    try:
        _renew(key)
        transaction.on_commit(lambda: _renew(key))
    except RedisError:  # entries expire after ENTRY_SECONDS anyway; the change itself must not fail
        pass


def forget_user(user_id) -> None:
    """The user, their memberships or their devices changed."""
    if settings.PRINCIPAL_CACHE and user_id is not None:
        _renew_now_and_at_commit(_user_gen(user_id))


def forget_everyone() -> None:
    """A consulate or a partner organisation changed: it is in the entries of all its users."""
    if settings.PRINCIPAL_CACHE:
        _renew_now_and_at_commit(_network_gen())
