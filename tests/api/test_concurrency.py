"""Conditional writes and idempotent creates under real concurrency: threads, each with its own client
and its own PostgreSQL connection, released together by a barrier.

``transaction=True`` tests end with a flush of every table, the consular network included: each test
reloads the network first if a previous flush removed it, and the module reloads it at its end for the
tests that follow (as ``tests/cases/test_reference_numbering.py`` does).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.conditional import etag_for
from api.models import IdempotencyRecord
from cases.models import Case, CaseEvent, Person
from consulates.models import Consulate
from tests import factories as f
from tests.auth import login_verified
from tests.network import network_restore

WRITERS = 20
RETRIES = 10


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()
        assert Consulate.objects.count() == 13


@pytest.fixture(autouse=True)
def _network(transactional_db, monkeypatch):
    if not Consulate.objects.exists():
        network_restore()
    # Rate limits are not what these tests measure (test_throttling does).
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])


def _logged_in(user) -> APIClient:
    client = APIClient()
    login_verified(client, user)
    return client


def run_together(clients, request):
    """Call ``request(client, index)`` from one thread per client, all released at once; return the
    responses in client order. Each thread closes its own database connection."""
    start = threading.Barrier(len(clients))
    responses = [None] * len(clients)
    errors: list[BaseException] = []

    def work(index):
        try:
            start.wait(timeout=30)
            responses[index] = request(clients[index], index)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    return responses


def _one_winner(responses, *, success=200):
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [success] + [412] * (len(responses) - 1), statuses
    for response in responses:
        if response.status_code == 412:
            body = response.json()
            assert body["type"] == "stale_version"  # the ETag was right when read
            assert body["status"] == 412
    return next(i for i, r in enumerate(responses) if r.status_code == success)


def test_20_patches_of_one_case_with_the_same_etag_one_wins_19_get_412():
    officer = f.officer("dallas")
    case = f.make_case(officer, summary="Antes")
    etag = etag_for(case)
    clients = [_logged_in(officer) for _ in range(WRITERS)]

    responses = run_together(
        clients,
        lambda client, i: client.patch(
            f"/api/v1/cases/{case.pk}/",
            {"summary": f"Escrito por el hilo {i}", "priority": "high" if i % 2 else "urgent"},
            format="json",
            headers={"If-Match": etag},
        ),
    )

    winner = _one_winner(responses)
    case.refresh_from_db()
    assert case.summary == f"Escrito por el hilo {winner}"
    assert case.priority == ("high" if winner % 2 else "urgent")
    assert case.version == int(etag.strip('"').rsplit("-", 1)[1]) + 1
    assert responses[winner]["ETag"] == etag_for(case)
    assert responses[winner].json()["summary"] == case.summary


def test_20_patches_of_one_person_with_the_same_etag_one_wins_19_get_412():
    officer = f.officer("dallas")
    person = f.make_person(officer, phone="")
    etag = etag_for(person)
    clients = [_logged_in(officer) for _ in range(WRITERS)]

    responses = run_together(
        clients,
        lambda client, i: client.patch(
            f"/api/v1/persons/{person.pk}/",
            {"phone": f"+1 214 555 01{i:02d}", "needs_interpreter": bool(i % 2)},
            format="json",
            headers={"If-Match": etag},
        ),
    )

    winner = _one_winner(responses)
    person = Person.objects.get(pk=person.pk)
    assert person.phone == f"+1 214 555 01{winner:02d}"
    assert person.needs_interpreter is bool(winner % 2)
    assert responses[winner]["ETag"] == etag_for(person)


def test_10_concurrent_identical_posts_with_one_idempotency_key_create_one_note():
    officer = f.officer("dallas")
    case = f.make_case(officer)
    key = str(uuid.uuid4())
    clients = [_logged_in(officer) for _ in range(RETRIES)]
    notes_before = CaseEvent.objects.filter(case=case, kind="call").count()

    responses = run_together(
        clients,
        lambda client, i: client.post(
            f"/api/v1/cases/{case.pk}/notes/",
            {"kind": "call", "text": "Llamada con la esposa"},
            format="json",
            headers={"Idempotency-Key": key},
        ),
    )

    assert [r.status_code for r in responses] == [201] * RETRIES
    assert CaseEvent.objects.filter(case=case, kind="call").count() == notes_before + 1
    bodies = [r.json() for r in responses]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["text"] == "Llamada con la esposa"
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == RETRIES - 1
    assert IdempotencyRecord.objects.filter(key=key).count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version + 1
