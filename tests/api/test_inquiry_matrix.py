"""Partner inquiries through the API (``/api/v1/partner/inquiries/``): who may send, list and read; the
consulate named or found from the county of arrest; the basis for sharing required; the status a partner
sees and what it never sees; the list's cost; an idempotent retry."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient
from rest_framework.views import APIView

from consulates.models import DetentionFacility
from intake.inquiries import services
from intake.models import Inquiry, LocateResult, LocateWhere
from tests import factories as f
from tests.api.conftest import csrf_client, token_client

pytestmark = pytest.mark.django_db
LIST = "/api/v1/partner/inquiries/"
BODY = {
    "consulate": None,
    "sharing_basis": "Consentimiento escrito de la hermana, 5 de diciembre",
    "caller_name": "Rosa Luna",
    "caller_phone": "+1 214 555 0142",
    "sought_given_names": "José Luis",
    "sought_paternal_surname": "Hernández",
    "sought_a_number": "A201555123",
}


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    monkeypatch.setattr(APIView, "get_throttles", lambda self: [])


@pytest.fixture
def people(db):
    dallas = f.consulate("dallas")
    partner_a, partner_b = f.PartnerFactory(), f.PartnerFactory()
    return {
        "dallas": dallas,
        "partner": f.partner_user(partner_a),
        "colleague": f.partner_user(partner_a),  # same organisation
        "other_partner": f.partner_user(partner_b),
        "officer_own": f.officer("dallas"),
        "officer_foreign": f.officer("el_paso"),
        "supervisor": f.supervisor("dallas"),
        "manager": f.manager(),
        "administrator": f.administrator(),
        "auditor": f.auditor(),
    }


def client_of(people, role) -> APIClient:
    if role == "anonymous":
        return APIClient()
    user = people[role]
    if role in ("partner", "colleague", "other_partner"):
        return token_client(user)[0]
    return csrf_client(user)


def body(people, **more):
    return {**BODY, "consulate": people["dallas"].pk, **more}


# role -> (POST, list, detail of the partner's inquiry)
MATRIX = {
    "anonymous": (401, 401, 401),
    "partner": (201, 200, 200),
    "colleague": (201, 200, 200),  # the organisation's inquiries, whoever of it sent them
    "other_partner": (201, 200, 404),
    "officer_own": (403, 403, 403),
    "officer_foreign": (403, 403, 403),
    "supervisor": (403, 403, 403),
    "manager": (403, 403, 403),
    "administrator": (403, 403, 403),
    "auditor": (403, 403, 403),
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_matrix(people, role):
    sent = services.inquiry_send(
        actor=people["partner"],
        consulate=people["dallas"],
        sharing_basis="Consentimiento",
        sought_paternal_surname="Pérez",
    )
    client = client_of(people, role)
    posted = client.post(LIST, body(people), format="json")
    listed = client.get(LIST)
    detail = client.get(f"{LIST}{sent.pk}/")
    assert (posted.status_code, listed.status_code, detail.status_code) == MATRIX[role]
    if listed.status_code == 200:
        ids = {row["id"] for row in listed.json()["results"]}
        assert (sent.pk in ids) is (role in ("partner", "colleague"))
        assert ids <= set(
            Inquiry.objects.filter(partner=people[role].partner_membership.partner).values_list(
                "pk", flat=True
            )
        )


def test_sent_inquiry_is_recorded_for_the_consulate_with_its_basis(people):
    client = client_of(people, "partner")
    response = client.post(LIST, body(people), format="json")
    assert response.status_code == 201, response.content
    inquiry = Inquiry.objects.get(pk=response.json()["id"])
    assert inquiry.consulate == people["dallas"]
    assert inquiry.channel == "ngo"
    assert inquiry.sharing_basis.startswith("Consentimiento")
    assert inquiry.sought_a_number == "201555123"
    assert inquiry.respond_by == inquiry.received_at + dt.timedelta(
        hours=people["dallas"].inquiry_hours_normal
    )
    # The officers of the consulate see it in their queue.
    assert Inquiry.objects.visible_to(people["officer_own"]).filter(pk=inquiry.pk).exists()
    assert not Inquiry.objects.visible_to(people["officer_foreign"]).filter(pk=inquiry.pk).exists()


def test_the_consulate_from_the_county_of_arrest(people):
    response = client_of(people, "partner").post(LIST, {**BODY, "arrest_county": "48201"}, format="json")
    assert response.status_code == 201, response.content
    inquiry = Inquiry.objects.get(pk=response.json()["id"])
    assert inquiry.consulate.slug == "houston"
    assert "Harris" in inquiry.arrest_place


def test_the_basis_and_a_consulate_are_required(people):
    client = client_of(people, "partner")
    response = client.post(
        LIST, {**BODY, "consulate": people["dallas"].pk, "sharing_basis": ""}, format="json"
    )
    assert response.status_code == 400
    assert "sharing_basis" in response.json()["errors"]
    response = client.post(LIST, {**BODY, "consulate": None}, format="json")
    assert response.status_code == 400
    assert "consulate" in response.json()["errors"]
    response = client.post(
        LIST,
        {
            **BODY,
            "consulate": people["dallas"].pk,
            "sought_given_names": "",
            "sought_paternal_surname": "",
            "sought_a_number": "",
        },
        format="json",
    )
    assert response.status_code == 400


def test_the_status_and_never_the_person_case_or_searches(people):
    client = client_of(people, "partner")
    inquiry_id = client.post(LIST, body(people), format="json").json()["id"]
    inquiry = Inquiry.objects.get(pk=inquiry_id)

    def read():
        return client.get(f"{LIST}{inquiry_id}/").json()

    assert read()["status"] == "in_progress"
    officer = people["officer_own"]
    services.locate_attempt_add(
        actor=officer,
        inquiry=inquiry,
        where=LocateWhere.ICE_LOCATOR,
        result=LocateResult.NOT_FOUND,
        notes="Nada en el localizador",
    )
    assert read()["status"] == "not_located"
    facility = (
        f.DetentionFacility.objects.filter(active=True).first() if hasattr(f, "DetentionFacility") else None
    )

    facility = DetentionFacility.objects.filter(active=True).first()
    services.locate_attempt_add(
        actor=officer,
        inquiry=inquiry,
        where=LocateWhere.FACILITY,
        result=LocateResult.FOUND,
        facility=facility,
    )
    assert read()["status"] == "located"
    assert read()["answered_at"] is None
    services.inquiry_answer(
        actor=officer, inquiry=inquiry, answer="Está en el centro de detención; le llamamos."
    )
    shown = read()
    assert shown["status"] == "answered"
    assert shown["answered_at"]
    text = str(shown)
    for secret in (
        "Nada en el localizador",
        facility.name,
        "le llamamos",
        "Rosa Luna",
        "555 0142",
        "201555123",
    ):
        assert secret not in text
    assert not {"person", "case", "answer", "locate_attempts", "caller_name", "caller_phone"} & set(shown)


def test_reads_are_in_the_access_log(people):
    from cases.models import AccessLog

    client = client_of(people, "partner")
    inquiry_id = client.post(LIST, body(people), format="json").json()["id"]
    client.get(f"{LIST}{inquiry_id}/")
    client.get(LIST)
    rows = list(AccessLog.objects.filter(user=people["partner"]).order_by("pk").values_list("action", "what"))
    assert rows == [
        ("api_retrieve", f"api: partner inquiry {inquiry_id}"),
        ("list", "api: partner inquiry list"),
    ]


def test_the_list_costs_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    client = client_of(people, "partner")
    for _n in range(12):
        services.inquiry_send(
            actor=people["partner"],
            consulate=people["dallas"],
            sharing_basis="Consentimiento",
            sought_paternal_surname="Pérez",
        )
    client.get(LIST)
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.json()["count"] == 12


def test_an_idempotent_retry_creates_nothing_new(people):
    client = client_of(people, "partner")
    first = client.post(LIST, body(people), format="json", headers={"Idempotency-Key": "inq-1"})
    again = client.post(LIST, body(people), format="json", headers={"Idempotency-Key": "inq-1"})
    assert first.status_code == again.status_code == 201
    assert again.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert Inquiry.objects.filter(partner=people["partner"].partner_membership.partner).count() == 1
