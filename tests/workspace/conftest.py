"""The workspace's test world: Dallas and El Paso staff and records (``tests.cases.admin.conftest``), built
once per module and rolled back at its end; each test runs in a savepoint of it."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.cases.admin.conftest import build_world, strict_templates  # noqa: F401
from tests.workspace import calendar_world as calendar
from tests.worlds import rolled_back


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(module_world):
    for name in ("case_a", "case_b", "hearing_a", "task_a", "task_b"):
        getattr(module_world, name).refresh_from_db()
    return module_world


# The calendar tests' fixtures (``tests.workspace.calendar_world``; ``cal`` is its
# ``world``: the home tests have theirs).


@pytest.fixture(scope="module")
def calendar_world(django_db_setup, django_db_blocker):
    """Built once for the module and rolled back at its end; each test runs in a savepoint of it."""
    with rolled_back(django_db_blocker):
        yield calendar.build_world()


@pytest.fixture
def cal(calendar_world, db) -> calendar.World:
    for user in (calendar_world.officer_a, calendar_world.inactive):
        user.refresh_from_db()
        if hasattr(user, "_network_access"):
            del user._network_access
    return calendar_world


@pytest.fixture
def clean_cache():
    """Rate-limit counters of one test do not reach the next."""
    cache.clear()
    yield
    cache.clear()
