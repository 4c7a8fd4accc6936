"""A module's test world, built once and rolled back at the module's end."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back(django_db_blocker):
    """Open the database to a module-scoped fixture inside one transaction that is rolled back when the
    fixture ends: the world it builds is shared by the module's tests (each runs in a savepoint of it)
    and leaves nothing behind."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
