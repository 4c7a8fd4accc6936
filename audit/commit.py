"""Records that need not wait for the disk: the access log and the API token uses."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def asynchronous_commit():
    """Commit what is written inside without waiting for the write-ahead log to reach the disk
    (``synchronous_commit = off`` for that transaction only): a read's log row costs its insert, not a
    disk flush. Consistency is unchanged; a crash of the database server (not of the application) may
    lose the rows committed in its last moments, at most three times ``wal_writer_delay`` (600 ms with
    PostgreSQL's default of 200 ms; SECURITY.md). Inside a transaction someone else opened (a service
    that also writes), the row simply commits with that transaction, synchronously."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
