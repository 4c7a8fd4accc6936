"""An ended referral (declined, completed, withdrawn) stays listed for its partner as a row, without the
consulate's notes about the person, without a timeline and without a way to the case (cases/api/partner.py),
even while the case is shared with the partner through another referral."""

from __future__ import annotations

import io

import pytest

from cases import services
from cases.models import Document
from tests.api.conftest import url
from tests.factories.crossoffice import make_referral
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db

REFERRAL_KINDS = ("referred", "referral_answered", "referral_progress", "referral_withdrawn", "partner_note")
NOTE = "Necesita representación; la familia vive en Garland"


def _detail(client, referral) -> dict:
    response = client.get(url(f"partner/referrals/{referral.pk}/"))
    assert response.status_code == 200
    return response.json()


def _timeline(client, referral) -> list:
    response = client.get(url(f"partner/referrals/{referral.pk}/timeline/"), {"limit": 100})
    assert response.status_code == 200
    return response.json()["results"]


def _end(how, referral, partner_user, officer):
    if how == "declined":
        services.referral_decline(actor=partner_user, referral=referral, reason="Sin cupo")
        return
    services.referral_accept(actor=partner_user, referral=referral)
    services.referral_note_add(actor=partner_user, referral=referral, text="Primera cita hecha")
    if how == "completed":
        services.referral_complete(actor=partner_user, referral=referral, outcome_note="Fianza obtenida")
    else:
        services.referral_withdraw(actor=officer, referral=referral, reason="Ya no hace falta")


@pytest.mark.parametrize("how", ["declined", "completed", "withdrawn"])
def test_an_ended_referral_keeps_no_notes_and_no_timeline(
    api_officer, api_case, api_partner, api_partner_user, api_partner_client, how
):
    referral = make_referral(
        api_officer, api_case, api_partner, service="legal_representation", request_note=NOTE
    )
    active = _detail(api_partner_client, referral)
    assert active["request_note"] == NOTE
    assert _timeline(api_partner_client, referral)

    _end(how, referral, api_partner_user, api_officer)
    ended = _detail(api_partner_client, referral)
    assert ended["status"] == how
    assert (ended["request_note"], ended["outcome_note"], ended["case"]) == ("", "", None)
    assert _timeline(api_partner_client, referral) == []
    listed = api_partner_client.get(url("partner/referrals/")).json()["results"]
    assert [(row["id"], row["request_note"], row["outcome_note"]) for row in listed] == [
        (referral.pk, "", "")
    ]


def test_a_referral_ended_while_the_case_is_referred_again_is_no_way_to_the_case(
    api_officer, api_case, api_partner, api_partner_user, api_partner_client
):
    ended = make_referral(
        api_officer, api_case, api_partner, service="legal_representation", request_note=NOTE
    )
    _end("withdrawn", ended, api_partner_user, api_officer)
    again = make_referral(api_officer, api_case, api_partner, service="shelter", request_note="Albergue")
    services.referral_accept(actor=api_partner_user, referral=again)

    assert _timeline(api_partner_client, ended) == []
    entries = _timeline(api_partner_client, again)
    about_referrals = [row for row in entries if row["kind"] in REFERRAL_KINDS]
    assert about_referrals
    assert {row["payload"]["referral_id"] for row in about_referrals} == {again.pk}
    assert "Primera cita hecha" not in str(entries)

    upload = io.BytesIO(valid_pdf_bytes())
    upload.name = "carta.pdf"
    response = api_partner_client.post(
        url(f"partner/referrals/{ended.pk}/documents/"),
        {"file": upload, "kind": "correspondence"},
        format="multipart",
    )
    assert response.status_code == 409, response.content
    assert not Document.objects.filter(case=api_case).exists()
    notes = api_partner_client.post(url(f"partner/referrals/{ended.pk}/notes/"), {"text": "x"}, format="json")
    assert notes.status_code == 409
