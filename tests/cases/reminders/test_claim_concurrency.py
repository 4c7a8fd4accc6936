"""claim_due under real concurrency: two dispatchers, each in its own thread and PostgreSQL connection,
claim at the same moment and never take the same row (``FOR UPDATE SKIP LOCKED``).

``transaction=True`` tests end with a flush of every table, the consular network included: the module
reloads it at its end for the tests that follow (as ``tests/cases/test_reference_numbering.py`` does).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Reminder
from cases.reminders.dispatch import claim_due
from consulates.models import Consulate
from tests.network import network_restore

ROWS = 40


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()
        assert Consulate.objects.count() == 13


def _due_rows(count: int) -> set[int]:
    now = timezone.now()
    rows = Reminder.objects.bulk_create(
        Reminder(
            kind="task_due",
            channel="email",
            subject_type="task",
            subject_id=30_000_000 + i,
            recipient_key="user:1",
            due_at=now - dt.timedelta(minutes=1, seconds=i),
        )
        for i in range(count)
    )
    return {r.pk for r in rows}


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_claiming_at_once_get_disjoint_rows():
    """The first dispatcher holds its row locks (its transaction is still open, its leases not yet
    committed) while the second claims: the second skips the locked rows instead of waiting or
    taking them."""
    due = _due_rows(ROWS)
    first_claimed = threading.Event()
    second_done = threading.Event()
    claimed: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction.atomic():  # claim_due's own block becomes a savepoint: locks stay held
                claimed["first"] = claim_due(limit=ROWS // 2)
                first_claimed.set()
                assert second_done.wait(timeout=30), "the second dispatcher blocked on locked rows"
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
            first_claimed.set()
        finally:
            connection.close()

    def second() -> None:
        try:
            assert first_claimed.wait(timeout=30)
            claimed["second"] = claim_due(limit=ROWS)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(claimed["first"]) == ROWS // 2
    assert set(claimed["first"]).isdisjoint(claimed["second"])
    assert set(claimed["first"]) | set(claimed["second"]) == due
    # both committed their leases: a third dispatcher finds nothing to take
    assert claim_due() == []
    assert Reminder.objects.filter(pk__in=due, lease_until__isnull=True).count() == 0
