import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from tests.network import network_load_once, network_restore

# The chaos tests' broker (tests/cases/reminders/test_chaos.py): never a worker's own database.
CHAOS_REDIS_DB = 13


def worker_redis_dbs(base: int, count: int) -> list[int]:
    """Redis databases for ``count`` xdist workers: ``REDIS_URL``'s own first, then the next ones up
    (down once past 15), never the chaos tests' database. With db 12 (a developer here): 12, 14; with
    db 15 (CI): 15, 14."""
    candidates = [*range(base, 16), *range(base - 1, -1, -1)]
    return [db for db in candidates if db != CHAOS_REDIS_DB][:count]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """Each xdist worker gets its own Redis database (cache, throttle counters, the app's broker queue),
    as it gets its own test database from pytest-django. Set in the worker's environment before it
    starts, so the settings, the test harness and the processes the tests start all see it."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    for spec, db in zip(specs, worker_redis_dbs(base, len(specs)), strict=False):
        spec.env["REDIS_URL"] = urlunsplit(
            (parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment)
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The whole consular network, loaded once for the session (as ``make run`` does)."""
    with django_db_blocker.unblock():
        network_load_once()


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, *_ = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """A ``transaction=True`` test ends with a flush of every table: the network is put back right after
    it, whatever runs next (under xdist any test file may follow a transactional one in a worker)."""
    yield
    # After the last test the session's teardown has already dropped the test database.
    if nextitem is not None and _transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            network_restore()
