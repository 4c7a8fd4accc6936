"""The retention job under real concurrency: two runs at once, and rows another transaction holds.

Threads each have their own PostgreSQL connection. ``transaction=True`` tests end with a flush of every
table, the consular network included: each test reloads the network if a flush removed it, and the module
reloads it at its end for the tests that follow (as tests/api/test_concurrency.py does).
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.apps import apps
from django.db import connection, transaction

from cases import services
from cases.models import Case, Person
from cases.services import privacy
from consulates.models import Consulate
from tests import factories as f
from tests.cases.privacy.builders import close_at
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

LONG_AGO = dt.datetime(2015, 5, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()
        assert Consulate.objects.count() == 13


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


def old_persons(count: int) -> list[Person]:
    officer = f.officer("dallas")
    persons = []
    for _ in range(count):
        case = f.make_case(officer)
        services.case_close_request(actor=officer, case=case, outcome="released")
        close_at(case, LONG_AGO)
        persons.append(case.person)
    return persons


def in_threads(*functions):
    """Run each function in its own thread (and database connection), released together."""
    start = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list[BaseException] = []

    def work(index, function):
        try:
            start.wait()
            results[index] = function()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


def test_two_runs_at_once_anonymise_each_person_once():
    persons = old_persons(8)
    results = in_threads(*(lambda: privacy.retention_run(batch_size=2) for _ in range(2)))
    assert sum(done for done, _more in results) == 8
    history = apps.get_model("cases", "PersonHistory")
    for person in persons:
        assert Person.objects.get(pk=person.pk).anonymised_at is not None
        assert history.objects.filter(pgh_obj_id=person.pk, anonymised_at__isnull=False).count() == 1
    assert privacy.retention_run() == (0, False)


def test_a_case_held_by_another_transaction_is_left_for_the_next_run():
    held, free = old_persons(2)
    locked = threading.Event()
    release = threading.Event()

    def hold():
        with transaction.atomic():
            list(Case.objects.select_for_update().filter(person=held))
            locked.set()
            release.wait(30)

    holder = threading.Thread(target=lambda: (hold(), connection.close()))
    holder.start()
    try:
        assert locked.wait(30)
        started = time.monotonic()
        done, more = privacy.retention_run()
        assert time.monotonic() - started < 10  # skipped, not waited for
    finally:
        release.set()
        holder.join(30)
    assert (done, more) == (1, False)
    assert Person.objects.get(pk=free.pk).anonymised_at is not None
    assert Person.objects.get(pk=held.pk).anonymised_at is None
    assert privacy.retention_run() == (1, False)
    assert Person.objects.get(pk=held.pk).anonymised_at is not None
