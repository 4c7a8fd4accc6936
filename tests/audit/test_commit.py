"""The access log's rows commit without waiting for the disk (``audit.commit.asynchronous_commit``), and
only they: the setting is local to their own transaction, and a row written inside someone else's
transaction commits with it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import RequestFactory

from audit.commit import asynchronous_commit
from cases.access import AccessAction, record_access
from cases.models import AccessLog


def _setting() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_read_is_recorded_with_an_asynchronous_commit_of_its_own():
    assert _setting() == "on"
    with asynchronous_commit():
        assert _setting() == "off"
    assert _setting() == "on"  # SET LOCAL: nothing else in the connection commits asynchronously
    record_access(RequestFactory().get("/cases/1/"), AccessAction.VIEW, case_id=None, what="page: probe")
    assert AccessLog.objects.filter(what="page: probe").count() == 1  # committed and visible
    assert _setting() == "on"


@pytest.mark.django_db(transaction=True)
def test_inside_a_service_transaction_the_row_commits_with_it():
    with transaction.atomic(), asynchronous_commit():
        assert _setting() == "on"  # the outer transaction keeps its durable commit
        record_access(RequestFactory().get("/cases/2/"), AccessAction.VIEW, what="page: inside")
    assert AccessLog.objects.filter(what="page: inside").exists()
