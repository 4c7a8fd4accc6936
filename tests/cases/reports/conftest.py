"""The hand-built report world (``builders.build``, seconds to build) is built once per test module."""

from __future__ import annotations

import pytest

from tests.cases.reports import builders as b


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with b.world_transaction(django_db_blocker) as world:
        yield world


@pytest.fixture
def world(module_world):
    """The module's world, its cases re-read first: the database is back as built (the previous test's
    savepoint was rolled back), and so are the in-memory cases a previous test may have moved on."""
    for spec in module_world.specs.values():
        spec.case.refresh_from_db()
    return module_world
