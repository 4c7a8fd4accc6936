"""Small database-level assertions shared by the tests."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection

from cases.models import CaseEvent


def row_xmin(obj) -> int:
    """The id of the (sub)transaction that last wrote ``obj``'s row (PostgreSQL's ``xmin``).

    Rows written by one service call share it; tests run inside a transaction, and each service's
    ``atomic()`` opens a savepoint with its own id, so two calls never share one.
    """
    table = obj._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT xmin::text::bigint FROM "{table}" WHERE id = %s', [obj.pk])  # noqa: S608
        return cursor.fetchone()[0]


def new_events(case, after: int = 0) -> list[CaseEvent]:
    """The case's timeline rows with a pk above ``after``, oldest first."""
    return list(CaseEvent.objects.filter(case=case, pk__gt=after).order_by("pk"))


def last_event_pk(case) -> int:
    return CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True).first() or 0


def error_fields(error: ValidationError) -> set[str]:
    """The field keys of a ValidationError (``__all__`` for a message without a field)."""
    return set(error.message_dict) if hasattr(error, "error_dict") else {"__all__"}


def error_codes(error: ValidationError) -> set[str]:
    return {item.code for item in error.error_list} if not hasattr(error, "error_dict") else set()
