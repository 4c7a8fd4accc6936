"""The access log's rows commit without waiting for the disk (``audit.commit.asynchronous_commit``), and
only they: the setting is local to their own statement's transaction, and a row written inside someone
else's transaction commits with it."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from audit.commit import asynchronous_commit
from cases.access import AccessAction, record_access
from cases.models import AccessLog


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_read_is_recorded_with_an_asynchronous_commit_of_its_own_in_one_round_trip():
    assert _setting() == "on"
    with asynchronous_commit(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        assert cursor.fetchone()[0] == "off"  # the statement's own transaction
    assert _setting() == "on"  # SET LOCAL: nothing else in the connection commits asynchronously
    with CaptureQueriesContext(connection) as queries:
        row = record_access(RequestFactory().get("/cases/1/"), AccessAction.VIEW, what="page: probe")
    assert [q["sql"].split(";")[0] for q in queries.captured_queries] == [
        "SET LOCAL synchronous_commit TO OFF"
    ]
    assert row.pk is not None  # the INSERT's RETURNING was read past the SET's result
    assert AccessLog.objects.filter(pk=row.pk, what="page: probe").count() == 1  # committed and visible
    assert _setting() == "on"


@pytest.mark.django_db(transaction=True)
def test_inside_a_service_transaction_the_row_commits_with_it():
    with transaction.atomic(), asynchronous_commit():
        assert _setting() == "on"  # the outer transaction keeps its durable commit
        record_access(RequestFactory().get("/cases/2/"), AccessAction.VIEW, what="page: inside")
    assert AccessLog.objects.filter(what="page: inside").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_record_leaves_no_transaction_open():
    with pytest.raises(DataError), asynchronous_commit():
        AccessLog.objects.create(action="not-an-action" * 10, what="page: too long")
    assert not connection.in_atomic_block
    assert _setting() == "on"
    record_access(RequestFactory().get("/cases/3/"), AccessAction.VIEW, what="page: after")
    assert AccessLog.objects.filter(what="page: after").exists()
