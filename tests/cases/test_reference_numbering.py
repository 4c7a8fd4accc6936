"""Case references under concurrency: real threads, real PostgreSQL transactions, no duplicates."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection

from cases.models import Case, CaseSequence
from consulates.models import Consulate
from tests import factories as f
from tests.network import network_restore

THREADS = 8
CASES_PER_THREAD = 10


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table, the network included.

    This module-scoped teardown runs after that flush and reloads the network (committed), so the
    tests that follow still find the 13 consulates the session started with.
    """
    yield
    with django_db_blocker.unblock():
        network_restore()
        assert Consulate.objects.count() == 13


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_creation_never_duplicates_a_reference():
    officers = [f.officer("dallas") for _ in range(THREADS)]
    persons = [f.make_person(officer) for officer in officers]
    start = threading.Barrier(THREADS)
    references: list[list[str]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            start.wait(timeout=30)
            for _ in range(CASES_PER_THREAD):
                case = f.make_case(officers[index], person=persons[index], category="penal")
                references[index].append(case.reference)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    handed_out = [ref for refs in references for ref in refs]
    assert len(handed_out) == THREADS * CASES_PER_THREAD
    assert len(set(handed_out)) == len(handed_out)
    assert all(re.fullmatch(r"DAL-\d{4}-\d{6}", ref) for ref in handed_out)
    # Each thread's own references increase; together they are one gap-free run.
    for refs in references:
        assert refs == sorted(refs)
    numbers = sorted(int(ref[-6:]) for ref in handed_out)
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    stored = set(Case.objects.filter(consulate__slug="dallas").values_list("reference", flat=True))
    assert stored == set(handed_out)
    sequence = CaseSequence.objects.get(consulate__slug="dallas")
    assert sequence.last_number == numbers[-1]
