"""Two imports of overlapping lists at once, each in its own thread and PostgreSQL connection (as two
Celery workers would run them), create no duplicate person: the rows about the same person wait for each
other on the identity's advisory lock, and the second finds the person the first created.

``transaction=True``: the imports commit row by row, as in production; the module reloads the network
after the flush that ends such a test."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cases.models import Case, Person
from consulates.models import Consulate
from intake.imports import services
from intake.models import RowDecision
from tests import factories as f
from tests.network import network_restore

HEADER = "Last Name,First Name,DOB,Gender,A-Number,Facility,Book-In Date\n"
SHARED = [
    f"SHARED{chr(65 + i)}Z,PERSONA{chr(65 + i)},0{1 + i % 9}/1{i % 9}/198{i % 10},M,A2080000{i:02d},Prairieland Detention Center,11/30/2026\n"
    for i in range(12)
]
ONLY_A = [
    f"SOLOA{chr(65 + i)},UNO,02/0{1 + i}/1990,F,,Prairieland Detention Center,11/30/2026\n" for i in range(4)
]
ONLY_B = [
    f"SOLOB{chr(65 + i)},DOS,03/0{1 + i}/1991,F,,Prairieland Detention Center,11/30/2026\n" for i in range(4)
]


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_imports_at_once_create_each_person_once():
    officer_a, officer_b = f.officer("dallas"), f.officer("dallas")
    dallas = f.consulate("dallas")
    # The shared rows in another order in the second list: the locks, not the order, keep them apart. (With
    # their A-numbers: a certain match. Without, the matcher sends a same-name, same-birthday row without a
    # maternal surname to review, imported one after the other as well as at once.)
    list_a = HEADER + "".join(SHARED + ONLY_A)
    list_b = HEADER + "".join(list(reversed(SHARED)) + ONLY_B)
    batches = {}
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run(name: str, actor, content: str) -> None:
        try:
            batch = services.import_upload(
                actor=actor, consulate=dallas, filename=f"{name}.csv", content=content.encode()
            )
            batch = services.import_preview(actor=actor, batch=batch, match=False)
            batch = services.import_start(actor=actor, batch=batch, run_async=False)
            start.wait(timeout=30)
            batches[name] = services.import_run(actor=actor, batch_id=batch.pk)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=("a", officer_a, list_a)),
        threading.Thread(target=run, args=("b", officer_b, list_b)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    surnames = [row.split(",")[0].title() for row in SHARED]
    for surname in surnames:
        assert Person.objects.filter(paternal_surname=surname).count() == 1, surname
        assert Case.objects.filter(person__paternal_surname=surname).count() == 1, surname
    decisions = [row.decision for batch in batches.values() for row in batch.rows.all()]
    assert RowDecision.ERROR not in decisions
    assert Person.objects.count() == len(SHARED) + len(ONLY_A) + len(ONLY_B)
