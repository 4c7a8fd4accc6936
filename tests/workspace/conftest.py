"""The workspace's test world: Dallas and El Paso staff and records (``tests.cases.admin.conftest``), built
once per module and rolled back at its end; each test runs in a savepoint of it."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.cases.admin.conftest import build_world, strict_templates  # noqa: F401


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(module_world):
    for name in ("case_a", "case_b", "task_a", "task_b"):
        getattr(module_world, name).refresh_from_db()
    return module_world
