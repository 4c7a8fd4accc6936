"""``Idempotency-Key`` on POST, one caller at a time (the concurrent retries are in test_concurrency)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cases.models import CaseEvent, Person
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def case(officer):
    return f.make_case(officer)


def _client(user) -> APIClient:
    client = APIClient()
    login_verified(client, user)
    return client


def _post_note(client, case, body, key):
    return client.post(
        f"/api/v1/cases/{case.pk}/notes/", body, format="json", headers={"Idempotency-Key": key}
    )


def test_a_retry_replays_the_first_answer_and_creates_nothing(officer, case):
    client = _client(officer)
    first = _post_note(client, case, {"text": "Visita en el centro"}, "visit-1")
    events = CaseEvent.objects.count()
    again = _post_note(client, case, {"text": "Visita en el centro"}, "visit-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert CaseEvent.objects.count() == events


def test_the_same_key_with_another_body_is_422_and_creates_nothing(officer, case):
    client = _client(officer)
    assert _post_note(client, case, {"text": "uno"}, "k").status_code == 201
    events = CaseEvent.objects.count()

    response = _post_note(client, case, {"text": "dos"}, "k")

    assert response.status_code == 422
    assert response.json()["type"] == "idempotency_key_reused"
    assert set(response.json()) == {"type", "title", "status", "detail", "errors"}
    assert CaseEvent.objects.count() == events


def test_the_same_key_on_another_path_is_422(officer, case):
    other = f.make_case(officer)
    client = _client(officer)
    assert _post_note(client, case, {"text": "uno"}, "k").status_code == 201
    assert _post_note(client, other, {"text": "uno"}, "k").status_code == 422


def test_a_key_used_by_a_refused_request_replays_the_refusal(officer, case):
    client = _client(officer)
    first = _post_note(client, case, {"text": ""}, "bad")
    assert first.status_code == 400
    events = CaseEvent.objects.count()

    again = _post_note(client, case, {"text": ""}, "bad")

    assert again.status_code == 400
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.count() == events


def test_keys_belong_to_their_user(officer, case):
    colleague = f.officer("dallas")
    first = _post_note(_client(officer), case, {"text": "Llamada"}, "shared-key")
    second = _post_note(_client(colleague), case, {"text": "Llamada"}, "shared-key")

    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["actor"]["id"] == colleague.pk


def test_a_replayed_create_keeps_its_location_free_body_and_etag(officer):
    client = _client(officer)
    body = {
        "given_names": "Rosa",
        "paternal_surname": "Idempotente",
        "registered_by": officer.staff_membership.consulate_id,
    }
    first = client.post("/api/v1/persons/", body, format="json", headers={"Idempotency-Key": "p1"})
    again = client.post("/api/v1/persons/", body, format="json", headers={"Idempotency-Key": "p1"})

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    assert Person.objects.filter(paternal_surname="Idempotente").count() == 1


def test_a_key_longer_than_255_characters_is_refused(officer, case):
    response = _post_note(_client(officer), case, {"text": "uno"}, "k" * 256)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
