"""Records that need not wait for the disk: the access log and the API token uses."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

# Sent in the same round trip as the statement: in autocommit, the two form one implicit transaction,
# so the setting holds for that statement's commit and nothing after it.
_NO_FLUSH = "SET LOCAL synchronous_commit TO OFF; "


def no_flush_prefix() -> str:
    """What to send before a statement so that its implicit transaction commits without waiting for the
    disk (as ``asynchronous_commit``); nothing inside a transaction someone else opened."""
    return "" if connection.in_atomic_block else _NO_FLUSH


def _commit_without_flush(execute, sql, params, many, context):
    if many:
        return execute(sql, params, many, context)
    result = execute(_NO_FLUSH + sql, params, many, context)
    # The cursor stands on the first result (the SET's); move it to the statement's own (its RETURNING).
    while result is not None and result.nextset():
        pass
    return result


@contextmanager
def asynchronous_commit():
    """Commit each statement run inside on its own, without waiting for the write-ahead log to reach the
    disk (``synchronous_commit = off`` for that statement's transaction only): a read's log row costs one
    round trip and its insert, not a disk flush. Consistency is unchanged; a crash of the database server
    (not of the application) may lose the rows committed in its last moments, at most three times
    ``wal_writer_delay`` (600 ms with PostgreSQL's default of 200 ms; SECURITY.md). Inside a transaction
    someone else opened (a service that also writes), the row simply commits with that transaction,
    synchronously."""
    if connection.in_atomic_block:
        yield
        return
    with connection.execute_wrapper(_commit_without_flush):
        yield
