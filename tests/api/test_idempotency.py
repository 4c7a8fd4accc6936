"""``Idempotency-Key`` on POST, one caller at a time (the concurrent retries are in test_concurrency)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.models import IdempotencyRecord
from cases import services
from cases.models import CaseEvent, Person
from cases.services import privacy
from tests import factories as f
from tests.api.conftest import token_client
from tests.auth import login_verified
from tests.factories.crossoffice import make_referral

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
    assert set(response.json()) == {"type", "code", "title", "status", "detail", "errors"}
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


# --- A replay shows what the caller may see now, and the records keep no personal data -------------


def _partner_client(partner_user) -> APIClient:
    client, _token = token_client(partner_user)
    return client


def _secrets(person) -> list[str]:
    person.refresh_from_db()
    return [value for value in (person.curp, person.a_number, person.phone, person.full_name) if value]


def test_a_replay_after_consent_withdrawal_shows_no_case_data(officer):
    """The reviewer's reproduction: accept with key K, consent withdrawn, replay K."""
    person = f.make_person(officer, a_number="A-233-441-559", phone="+1 214 555 0199")
    case = f.make_case(officer, person=person)
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation"])
    referral = make_referral(officer, case, partner, service="legal_representation")
    client = _partner_client(f.partner_user(partner))
    path = f"/api/v1/partner/referrals/{referral.pk}/accept/"
    first = client.post(path, {}, format="json", headers={"Idempotency-Key": "K"})
    assert first.status_code == 200
    assert first.json()["case"]["identity"]["curp"] == person.curp
    services.consent_withdraw(actor=officer, consent=referral.consent, note="Ya no")

    again = client.post(path, {}, format="json", headers={"Idempotency-Key": "K"})

    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["case"] is None
    assert again.json() == client.get(f"/api/v1/partner/referrals/{referral.pk}/").json()
    leaked = [value for value in _secrets(person) if value in again.content.decode()]
    assert leaked == []


def test_a_replay_renders_the_resource_as_it_is_now_with_its_current_etag(officer, case):
    client = _client(officer)
    path = f"/api/v1/cases/{case.pk}/assign/"
    first = client.post(path, {"assignee": officer.pk}, format="json", headers={"Idempotency-Key": "a"})
    services.case_note_add(actor=officer, case=case, text="Después")  # the case moved on
    current = client.get(f"/api/v1/cases/{case.pk}/")

    again = client.post(path, {"assignee": officer.pk}, format="json", headers={"Idempotency-Key": "a"})

    assert again.status_code == first.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == current.json() != first.json()
    assert again["ETag"] == current["ETag"] != first["ETag"]


def test_a_replay_of_what_the_caller_no_longer_sees_is_404(officer, case):
    client = _client(officer)
    path = f"/api/v1/cases/{case.pk}/notes/"
    assert _post_note(client, case, {"text": "Visita"}, "n").status_code == 201
    transfer = services.transfer_request(
        actor=officer, case=case, to_consulate=f.consulate("el_paso"), reason="Vive en El Paso"
    )
    services.transfer_accept(actor=f.supervisor("el_paso"), transfer=transfer)

    again = client.post(path, {"text": "Visita"}, format="json", headers={"Idempotency-Key": "n"})

    assert again.status_code == 404
    assert again["Idempotent-Replayed"] == "true"
    assert set(again.json()) == {"type", "code", "title", "status", "detail", "errors"}
    assert "Visita" not in again.content.decode()


def _record_text() -> str:
    return str(list(IdempotencyRecord.objects.values()))


def test_idempotency_records_keep_no_personal_data(officer):
    client = _client(officer)
    body = {
        "given_names": "Rosa Elvira",
        "paternal_surname": "Registro",
        "curp": f.make_curp(),
        "a_number": "A-233-441-560",
        "phone": "+1 214 555 0142",
        "us_address": "7311 Placeholder Dr\nDallas, TX 75217",
    }
    person = client.post("/api/v1/persons/", body, format="json", headers={"Idempotency-Key": "p"})
    assert person.status_code == 201
    case_body = {"person": person.json()["id"], "category": "migratorio", "subtype": "detencion_migratoria"}
    case = client.post("/api/v1/cases/", case_body, format="json", headers={"Idempotency-Key": "c"})
    assert case.status_code == 201

    stored = _record_text()
    values = [body["curp"], "233441560", body["phone"], "7311 Placeholder Dr", "Rosa Elvira", "Registro"]
    assert [value for value in values if value in stored] == []
    assert "response_body" not in {field.name for field in IdempotencyRecord._meta.get_fields()}


def test_a_refusal_that_echoes_the_input_is_replayed_without_it(officer, case):
    client = _client(officer)
    curp = f.make_curp()
    path = f"/api/v1/cases/{case.pk}/notes/"
    first = client.post(path, {"kind": curp, "text": "x"}, format="json", headers={"Idempotency-Key": "e"})
    assert first.status_code == 400
    assert curp in first.content.decode()  # DRF's choice error names the value sent

    again = client.post(path, {"kind": curp, "text": "x"}, format="json", headers={"Idempotency-Key": "e"})

    assert again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert set(again.json()["errors"]) == {"kind"}
    assert again.json()["type"] == first.json()["type"]
    assert curp not in again.content.decode()
    assert curp not in _record_text()


def test_erasure_forgets_the_idempotency_records_of_the_person(officer):
    client = _client(officer)
    erased, kept = f.make_case(officer), f.make_case(officer)
    for case, key in ((erased, "erased"), (kept, "kept")):
        assert _post_note(client, case, {"text": "Llamada"}, key).status_code == 201
    refused = _post_note(client, erased, {"text": ""}, "erased-refusal")
    assert refused.status_code == 400
    services.case_close_request(actor=officer, case=erased, outcome="resolved")
    assert IdempotencyRecord.objects.count() == 3

    privacy.person_erase(actor=f.administrator(), person=erased.person, reason="Solicitud por escrito")

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["kept"]


def test_a_json_retry_is_matched_by_its_content_not_its_spelling(officer, case):
    client = _client(officer)
    path = f"/api/v1/cases/{case.pk}/notes/"
    first = client.post(
        path,
        '{"kind": "call", "text": "Llamada"}',
        content_type="application/json",
        headers={"Idempotency-Key": "j"},
    )
    again = client.post(
        path,
        '{"text":"Llamada","kind":"call"}',
        content_type="application/json",
        headers={"Idempotency-Key": "j"},
    )
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_a_body_that_does_not_parse_is_replayed_as_its_refusal_without_its_text(officer, case):
    client = _client(officer)
    curp = f.make_curp()
    path = f"/api/v1/cases/{case.pk}/notes/"
    broken = '{"text": "' + curp + '", '
    first = client.post(path, broken, content_type="application/json", headers={"Idempotency-Key": "b"})
    again = client.post(path, broken, content_type="application/json", headers={"Idempotency-Key": "b"})
    assert first.status_code == again.status_code == 400
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["type"] == first.json()["type"]
    assert curp not in _record_text()
