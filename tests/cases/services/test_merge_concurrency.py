"""A merge while another officer edits one of the persons: two connections (threads) race; exactly one
wins, the other gets a clean refusal, and nothing is half-written (no half-merge, no lost edit).

``transaction=True`` tests end with a flush of every table: the network is reloaded as
tests/api/test_concurrency.py does.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.conditional import etag_for
from cases import services
from cases.models import Case, Person, PersonMerge
from cases.services.merges import persons_merge
from consulates.models import Consulate
from tests import factories as f
from tests.auth import login_verified
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db, monkeypatch):
    if not Consulate.objects.exists():
        network_restore()
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])


@pytest.fixture
def pair():
    boss = f.supervisor("dallas")
    officer = f.officer("dallas")
    older = f.make_person(officer, given_names="Pedro", paternal_surname="Ramos", a_number="A-201-555-071")
    newer = f.make_person(officer, given_names="Pedro", paternal_surname="Ramoz", curp="")
    f.make_case(officer, person=older)
    f.make_case(officer, person=newer)
    return boss, officer, Person.objects.get(pk=older.pk), Person.objects.get(pk=newer.pk)


def in_threads(*functions):
    """Each function in its own thread (own connection), released together; results or exceptions."""
    start = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def work(index, function):
        try:
            start.wait()
            results[index] = function()
        except BaseException as exc:  # the refusal is a result here
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _whole(older: Person, newer: Person, merged: bool) -> None:
    """Either the merge happened completely or not at all."""
    newer = Person.objects.get(pk=newer.pk)
    assert (newer.merged_into_id == older.pk) is merged
    assert PersonMerge.objects.exists() is merged
    assert Case.objects.filter(person_id=newer.pk).exists() is not merged
    assert Case.objects.filter(person_id=older.pk).count() == (2 if merged else 1)


@pytest.mark.parametrize("attempt", range(3))
def test_merge_and_edit_race_exactly_one_wins(pair, attempt):
    boss, officer, older, newer = pair
    seen = {p.pk: p.updated_at.isoformat() for p in (older, newer)}

    def merge():
        return persons_merge(
            actor=boss, survivor=older.pk, merged=newer.pk, reason="Misma", expected_versions=seen
        )

    def edit():
        person = Person.objects.get(pk=newer.pk)
        return services.person_update(
            actor=officer, person=person, expected_version=seen[newer.pk], phone="+1 214 555 0177"
        )

    merged, edited = in_threads(merge, edit) if attempt % 2 == 0 else in_threads(edit, merge)[::-1]
    outcomes = [isinstance(result, Exception) for result in (merged, edited)]
    assert outcomes.count(True) == 1, (merged, edited)
    loser = merged if outcomes[0] else edited
    assert isinstance(loser, ValidationError)
    assert loser.code in ("stale", "merged")
    _whole(older, newer, merged=not outcomes[0])
    if outcomes[0]:  # the edit won: it is there, whole
        assert Person.objects.get(pk=newer.pk).phone == "+1 214 555 0177"


def test_an_api_update_in_flight_when_a_merge_commits_answers_409(pair):
    """The PATCH read the record before the merge committed; it waits on the row lock the merge holds and
    is then refused: 409 ``person_merged``, nothing written."""
    boss, officer, older, newer = pair
    client = APIClient()
    login_verified(client, officer)
    etag = etag_for(newer)
    holding = threading.Event()

    def merge():
        with transaction.atomic():
            persons_merge(actor=boss, survivor=older.pk, merged=newer.pk, reason="Misma")
            holding.set()
            time.sleep(1.5)  # the PATCH arrives while the merge holds its locks

    def patch():
        holding.wait(10)
        return client.patch(
            f"/api/v1/persons/{newer.pk}/", {"phone": "+1 214 555 0188"}, format="json", HTTP_IF_MATCH=etag
        )

    _none, response = in_threads(merge, patch)
    assert not isinstance(response, Exception), response
    assert response.status_code == 409, response.content
    assert "person_merged" in response.content.decode()
    assert Person.objects.get(pk=newer.pk).phone != "+1 214 555 0188"
    _whole(older, newer, merged=True)
