"""cases/api/partner.py and api/auth.py: a partner integration with its API token sees its own
referrals with only the data the person consented to share, answers them, posts updates and documents."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from cases import services
from cases.models import CaseEvent, Document, Referral
from cases.models.work import EventKind
from tests import factories as f
from tests.api.conftest import token_client, url
from tests.api.test_case_actions import PNG
from tests.factories.crossoffice import make_consent

pytestmark = pytest.mark.django_db

CATEGORIES = ("identity", "contact", "custody", "hearings")


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def post(client, path, data=None, **extra):
    return client.post(url(path), data or {}, format="json", **extra)


def staff_timeline_kinds(client, case) -> list[tuple[str, int | None]]:
    body = client.get(url(f"cases/{case.pk}/timeline/"), {"limit": 100}).json()
    return [(row["kind"], (row["actor"] or {}).get("id")) for row in body["results"]]


def _refer(officer, case, partner, scope):
    make_consent(officer, case, partner, scope=scope)
    return services.referral_create(actor=officer, case=case, partner=partner, service="shelter")


@pytest.fixture
def prepared_case(api_officer):
    from consulates.models import DetentionFacility

    person = f.make_person(
        api_officer,
        phone="+1 214 555 0199",
        email="familia@example.invalid",
        us_address="901 Nowhere Ct\nDallas, TX 75211",
        mexico_address="Calle Demostración 6, Centro\nDurango, Durango",
    )
    case = f.make_case(
        api_officer,
        person=person,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=dt.date(2025, 3, 1),
    )
    services.hearing_schedule(
        actor=api_officer,
        case=case,
        kind="bond",
        starts_at=timezone.now() + dt.timedelta(days=9),
        location="Dallas Immigration Court",
    )
    return case


# --- authentication -------------------------------------------------------------------------------


def test_token_authenticates_and_records_last_use(api_partner_user, api_referral):
    client, token = token_client(api_partner_user)
    assert token.last_used_at is None
    assert rows(client.get(url("partner/referrals/")))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


def test_only_a_digest_is_stored(api_partner_user):
    token, raw = ApiToken.objects.create(user=api_partner_user, name="x")
    assert raw not in (token.digest, token.token_key)
    assert raw.startswith(token.token_key)


def test_expired_token_is_401(api_partner_user):
    client, token = token_client(api_partner_user, expiry=dt.timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(url("partner/referrals/"))
    assert response.status_code == 401
    assert response.json()["type"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_revoked_token_is_401(api_partner_user):
    client, token = token_client(api_partner_user)
    assert client.get(url("partner/referrals/")).status_code == 200
    token.delete()
    assert client.get(url("partner/referrals/")).status_code == 401


def test_token_of_a_deactivated_user_is_401(api_partner_user):
    client, _token = token_client(api_partner_user)
    api_partner_user.is_active = False
    api_partner_user.save()
    assert client.get(url("partner/referrals/")).status_code == 401


def test_a_tampered_token_is_401(api_partner_user):
    _token, raw = ApiToken.objects.create(user=api_partner_user, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw[:-1]}{'0' if raw[-1] != '0' else '1'}")
    assert client.get(url("partner/referrals/")).status_code == 401


@pytest.mark.parametrize(
    "path",
    ["cases/", "persons/", "transfers/", "referrals/", "consents/", "tasks/"],
)
def test_partner_gets_403_on_staff_routes(api_partner_client, path):
    response = api_partner_client.get(url(path))
    assert response.status_code == 403
    assert response.json()["type"] == "permission_denied"


def test_partner_cannot_act_through_staff_routes(api_partner_client, api_referral):
    case = api_referral.case
    assert post(api_partner_client, f"cases/{case.pk}/notes/", {"text": "x"}).status_code == 403
    assert (
        post(api_partner_client, f"referrals/{api_referral.pk}/withdraw/", {"reason": "x"}).status_code == 403
    )
    assert not CaseEvent.objects.filter(case=case, text="x").exists()


# --- what a partner sees --------------------------------------------------------------------------


def test_full_consent_shows_every_category(api_officer, api_partner, api_partner_client, prepared_case):
    referral = _refer(api_officer, prepared_case, api_partner, list(CATEGORIES) + ["notes"])
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    assert row["id"] == referral.pk
    case = row["case"]
    assert case["reference"] == prepared_case.reference
    assert case["identity"]["curp"] == prepared_case.person.curp
    assert case["contact"]["phone"] == "+1 214 555 0199"
    assert case["custody"]["in_custody"] is True
    facility = prepared_case.facility
    assert case["custody"]["facility"] == {
        "id": facility.pk,
        "name": "Prairieland Detention Center",
        "kind": "detention_facility",
        "city": facility.city,
    }
    assert case["custody"]["reception_point"] is None
    assert [h["kind"] for h in case["hearings"]] == ["bond"]


def test_coded_fields_explain_themselves(api_officer, api_partner, api_partner_client, prepared_case):
    """Languages as ISO 639 codes with their names; sex and the case's codes as documented enums."""
    from consulates.models import ReceptionPoint

    person = prepared_case.person
    services.person_update(
        actor=api_officer, person=person, languages=["Español", "tsotsil", "mixteco", "español"]
    )
    point = ReceptionPoint.objects.order_by("pk").first()
    services.case_update(actor=api_officer, case=prepared_case, reception_point=point)
    _refer(api_officer, prepared_case, api_partner, list(CATEGORIES))
    (row,) = rows(api_partner_client.get(url("partner/referrals/"), HTTP_ACCEPT_LANGUAGE="en"))
    identity = row["case"]["identity"]
    person.refresh_from_db()
    assert identity["sex"] == person.sex  # the registry's code (H hombre, M mujer), described in the schema
    assert identity["languages"] == [
        {"code": "es", "label": "Spanish"},
        {"code": "tzo", "label": "Tsotsil"},
        {"code": None, "label": "mixteco"},  # many languages, no single ISO 639 code
    ]
    (row,) = rows(api_partner_client.get(url("partner/referrals/"), HTTP_ACCEPT_LANGUAGE="es"))
    assert row["case"]["identity"]["languages"][0] == {"code": "es", "label": "Español"}
    assert row["case"]["custody"]["reception_point"] == {
        "id": point.pk,
        "name": point.name,
        "kind": point.kind,
        "city": point.mx_city,
    }


def test_a_partner_never_sees_the_street_addresses(
    api_officer, api_partner, api_partner_client, prepared_case
):
    """Not even with every category consented: a partner reaches the person by phone or email, and where
    a person or their family lives is what those who hunt them want most (SECURITY.md)."""
    referral = _refer(api_officer, prepared_case, api_partner, list(CATEGORIES) + ["notes"])
    listed = api_partner_client.get(url("partner/referrals/")).content.decode()
    retrieved = api_partner_client.get(url(f"partner/referrals/{referral.pk}/")).content.decode()
    assert "+1 214 555 0199" in listed  # the contact category is shared
    for body in (listed, retrieved):
        assert "address" not in body
        assert "Nowhere Ct" not in body
        assert "Demostraci" not in body


def test_identity_only_consent_hides_the_rest(api_officer, api_partner, api_partner_client, prepared_case):
    _refer(api_officer, prepared_case, api_partner, ["identity"])
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    case = row["case"]
    assert case["scope"] == ["identity"]
    assert case["identity"]["given_names"] == prepared_case.person.given_names
    assert case["contact"] is None
    assert case["custody"] is None
    assert case["hearings"] is None
    flat = str(row)
    assert "+1 214 555 0199" not in flat
    assert "familia@example.invalid" not in flat
    assert "Dallas Immigration Court" not in flat


def test_contact_without_custody(api_officer, api_partner, api_partner_client, prepared_case):
    _refer(api_officer, prepared_case, api_partner, ["identity", "contact"])
    case = rows(api_partner_client.get(url("partner/referrals/")))[0]["case"]
    assert case["contact"]["email"] == "familia@example.invalid"
    assert case["custody"] is None
    assert case["hearings"] is None


def test_retrieve_applies_the_same_scope(api_officer, api_partner, api_partner_client, prepared_case):
    referral = _refer(api_officer, prepared_case, api_partner, ["identity", "hearings"])
    response = api_partner_client.get(url(f"partner/referrals/{referral.pk}/"))
    assert response.status_code == 200
    case = response.json()["case"]
    assert case["contact"] is None
    assert [h["location"] for h in case["hearings"]] == ["Dallas Immigration Court"]


def test_after_consent_withdrawal_the_case_is_gone(
    api_officer, api_officer_client, api_partner, api_partner_client, prepared_case
):
    referral = _refer(api_officer, prepared_case, api_partner, list(CATEGORIES) + ["notes"])
    services.case_note_add(actor=api_officer, case=prepared_case, text="Nota del consulado")
    assert rows(api_partner_client.get(url(f"partner/referrals/{referral.pk}/timeline/")))
    services.consent_withdraw(actor=api_officer, consent=referral.consent)
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    assert row["status"] == "withdrawn"
    assert row["case"] is None
    timeline = api_partner_client.get(url(f"partner/referrals/{referral.pk}/timeline/"))
    assert timeline.status_code == 404 or timeline.json()["results"] == []
    assert post(api_partner_client, f"partner/referrals/{referral.pk}/notes/", {"text": "x"}).status_code in (
        409,
        403,
        404,
    )


def test_partner_timeline_shows_only_consented_kinds(
    api_officer, api_partner, api_partner_client, prepared_case
):
    referral = _refer(api_officer, prepared_case, api_partner, ["identity"])
    services.case_note_add(actor=api_officer, case=prepared_case, text="Nota interna")
    kinds = {
        r["kind"] for r in rows(api_partner_client.get(url(f"partner/referrals/{referral.pk}/timeline/")))
    }
    assert "referred" in kinds
    assert not kinds & {"note", "hearing_scheduled", "custody"}


def test_partner_timeline_with_notes_consent(api_officer, api_partner, api_partner_client, prepared_case):
    referral = _refer(api_officer, prepared_case, api_partner, ["identity", "notes"])
    services.case_note_add(actor=api_officer, case=prepared_case, text="Nota compartida")
    found = rows(api_partner_client.get(url(f"partner/referrals/{referral.pk}/timeline/"), {"kind": "note"}))
    assert [r["text"] for r in found] == ["Nota compartida"]


def test_list_filters(api_officer, api_partner, api_partner_client, prepared_case):
    referral = _refer(api_officer, prepared_case, api_partner, ["identity"])
    assert [
        r["id"] for r in rows(api_partner_client.get(url("partner/referrals/"), {"status": "pending"}))
    ] == [referral.pk]
    assert rows(api_partner_client.get(url("partner/referrals/"), {"status": "accepted"})) == []
    future = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert rows(api_partner_client.get(url("partner/referrals/"), {"updated_since": future})) == []


# --- other partners -------------------------------------------------------------------------------


def test_another_partner_cannot_see_or_act(api_referral):
    other_partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation"])
    other, _token = token_client(f.partner_user(other_partner))
    assert rows(other.get(url("partner/referrals/"))) == []
    base = f"partner/referrals/{api_referral.pk}/"
    assert other.get(url(base)).status_code == 404
    assert other.get(url(base + "timeline/")).status_code == 404
    for action, data in [
        ("accept/", {}),
        ("decline/", {"reason": "x"}),
        ("start/", {}),
        ("complete/", {"outcome_note": "x"}),
        ("notes/", {"text": "x"}),
    ]:
        assert post(other, base + action, data).status_code == 404, action
    upload = other.post(
        url(base + "documents/"),
        {"file": SimpleUploadedFile("a.png", PNG), "kind": "other"},
        format="multipart",
    )
    assert upload.status_code == 404
    api_referral.refresh_from_db()
    assert api_referral.status == "pending"


def test_staff_user_without_partner_membership_gets_403(api_officer_client, api_referral):
    assert api_officer_client.get(url("partner/referrals/")).status_code == 403


# --- answering ------------------------------------------------------------------------------------


def test_accept(api_officer_client, api_partner_user, api_partner_client, api_referral):
    response = post(api_partner_client, f"partner/referrals/{api_referral.pk}/accept/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "accepted"
    assert response.json()["case"]["identity"] is not None
    api_referral.refresh_from_db()
    assert api_referral.status == "accepted"
    assert api_referral.responded_by == api_partner_user
    assert ("referral_answered", api_partner_user.pk) in staff_timeline_kinds(
        api_officer_client, api_referral.case
    )
    again = post(api_partner_client, f"partner/referrals/{api_referral.pk}/accept/")
    assert again.status_code == 409
    assert again.json()["code"] == "referral_not_pending"
    assert set(again.json()["errors"]) == {"non_field_errors"}


def test_decline_needs_a_reason(api_officer_client, api_partner_user, api_partner_client, api_referral):
    path = f"partner/referrals/{api_referral.pk}/decline/"
    for data in ({}, {"reason": ""}, {"reason": "   "}):
        response = post(api_partner_client, path, data)
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"reason"}
    response = post(api_partner_client, path, {"reason": "Sin cupo este mes"})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decline_reason"]) == ("declined", "Sin cupo este mes")
    assert body["case"] is None  # no longer active
    assert ("referral_answered", api_partner_user.pk) in staff_timeline_kinds(
        api_officer_client, api_referral.case
    )


def test_start_and_complete(api_officer_client, api_partner_user, api_partner_client, api_referral):
    base = f"partner/referrals/{api_referral.pk}/"
    assert post(api_partner_client, base + "start/").status_code == 409  # not accepted yet
    post(api_partner_client, base + "accept/")
    started = post(api_partner_client, base + "start/", {"note": "Primera cita el lunes"})
    assert started.status_code == 200
    assert started.json()["status"] == "in_progress"
    assert post(api_partner_client, base + "complete/", {}).json()["errors"].keys() == {"outcome_note"}
    done = post(api_partner_client, base + "complete/", {"outcome_note": "Representación obtenida"})
    assert done.status_code == 200
    # An ended referral shows no notes about the person, the outcome included (it is on the record).
    assert (done.json()["status"], done.json()["outcome_note"]) == ("completed", "")
    api_referral.refresh_from_db()
    assert api_referral.completed_at is not None
    assert api_referral.outcome_note == "Representación obtenida"
    progress = [
        k for k in staff_timeline_kinds(api_officer_client, api_referral.case) if k[0] == "referral_progress"
    ]
    assert progress == [("referral_progress", api_partner_user.pk)] * 2


def test_notes_appear_on_the_staff_timeline_by_the_partner_user(
    api_officer_client, api_partner_user, api_partner_client, api_referral
):
    base = f"partner/referrals/{api_referral.pk}/"
    refused = post(api_partner_client, base + "notes/", {"text": "antes de aceptar"})
    assert (refused.status_code, refused.json()["code"]) == (409, "referral_not_active")
    post(api_partner_client, base + "accept/")
    assert post(api_partner_client, base + "notes/", {"text": ""}).json()["errors"].keys() == {"text"}
    response = post(api_partner_client, base + "notes/", {"text": "Entrevista realizada"})
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "partner_note"
    assert response.json()["actor"]["id"] == api_partner_user.pk
    staff = api_officer_client.get(
        url(f"cases/{api_referral.case_id}/timeline/"), {"kind": "partner_note"}
    ).json()
    (event,) = staff["results"]
    assert (event["text"], event["actor"]["id"]) == ("Entrevista realizada", api_partner_user.pk)
    mine = rows(api_partner_client.get(url(base + "timeline/"), {"kind": "partner_note"}))
    assert [r["text"] for r in mine] == ["Entrevista realizada"]


# --- documents ------------------------------------------------------------------------------------


def _upload(client, referral, content, name="scan.png", kind="identity"):
    return client.post(
        url(f"partner/referrals/{referral.pk}/documents/"),
        {"file": SimpleUploadedFile(name, content), "kind": kind, "description": "Acta"},
        format="multipart",
    )


def test_upload_a_document(
    api_officer_client, api_partner, api_partner_user, api_partner_client, api_referral, api_media_root
):
    response = _upload(api_partner_client, api_referral, PNG)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["size"], body["case"]) == ("image/png", len(PNG), api_referral.case_id)
    document = Document.objects.get(pk=body["id"])
    assert document.uploaded_by == api_partner_user
    assert document.uploaded_by_partner == api_partner
    assert str(api_media_root) in document.file.path
    assert ("document_uploaded", api_partner_user.pk) in staff_timeline_kinds(
        api_officer_client, api_referral.case
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [(b"just some text, not an image", "notes.png"), (b"%!PS-Adobe", "x.pdf"), (b"", "empty.png")],
)
def test_upload_refuses_what_is_not_pdf_jpeg_or_png(api_partner_client, api_referral, content, name):
    response = _upload(api_partner_client, api_referral, content, name=name)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"file"}
    assert not Document.objects.filter(case=api_referral.case).exists()


def test_upload_needs_a_kind(api_partner_client, api_referral):
    response = _upload(api_partner_client, api_referral, PNG, kind="selfie")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind"}


def test_upload_as_json_is_415(api_partner_client, api_referral):
    response = post(api_partner_client, f"partner/referrals/{api_referral.pk}/documents/", {"kind": "other"})
    assert response.status_code == 415
    assert response.json()["status"] == 415


def test_no_uploads_after_consent_is_withdrawn(api_officer, api_partner_client, api_referral):
    services.consent_withdraw(actor=api_officer, consent=api_referral.consent)
    response = _upload(api_partner_client, api_referral, PNG)
    assert response.status_code == 409  # the referral ended with the consent
    assert response.json()["code"] == "referral_not_active"
    assert not Document.objects.filter(case=api_referral.case).exists()


def test_referral_rows_of_ended_referrals_stay_listed(api_officer, api_partner_client, api_referral):
    services.referral_withdraw(actor=api_officer, referral=api_referral, reason="Otro aliado")
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    assert (row["status"], row["withdrawal_reason"], row["case"]) == ("withdrawn", "Otro aliado", None)
    assert Referral.objects.get(pk=api_referral.pk).status == "withdrawn"
    assert EventKind.REFERRAL_WITHDRAWN in CaseEvent.objects.filter(case=api_referral.case).values_list(
        "kind", flat=True
    )


def test_after_consent_withdrawal_the_consulates_note_is_gone_too(
    api_officer, api_partner, api_partner_client, prepared_case
):
    make_consent(api_officer, prepared_case, api_partner, scope=list(CATEGORIES))
    referral = services.referral_create(
        actor=api_officer,
        case=prepared_case,
        partner=api_partner,
        service="shelter",
        request_note="Necesita albergue con su hija de 4 años",
    )
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    assert row["request_note"] == "Necesita albergue con su hija de 4 años"
    services.consent_withdraw(actor=api_officer, consent=referral.consent)
    (row,) = rows(api_partner_client.get(url("partner/referrals/")))
    assert row["request_note"] == ""
    assert api_partner_client.get(url(f"partner/referrals/{referral.pk}/")).json()["request_note"] == ""


# --- the compiled output -------------------------------------------------------------------------


@pytest.mark.parametrize("scope", [CATEGORIES, ("identity",), ("identity", "custody")])
def test_the_compiled_output_writes_what_drf_writes(
    api_officer, api_partner_user, prepared_case, scope, monkeypatch
):
    """The referral list and detail (``FastOutputMixin`` on the partner serializers, only the columns they
    show loaded) answer exactly what DRF's own serializers answer from whole rows."""
    from django.db.models import QuerySet
    from rest_framework import serializers

    from api.fast_output import FastOutputMixin

    partner_org = api_partner_user.partner_membership.partner
    referral = _refer(api_officer, prepared_case, partner_org, list(scope))
    client, _ = token_client(api_partner_user)
    fast = [
        client.get(url("partner/referrals/")).json(),
        client.get(url(f"partner/referrals/{referral.pk}/")).json(),
    ]

    monkeypatch.setattr(FastOutputMixin, "to_representation", serializers.Serializer.to_representation)
    monkeypatch.setattr(QuerySet, "only", lambda self, *fields: self)  # whole rows
    plain = [
        client.get(url("partner/referrals/")).json(),
        client.get(url(f"partner/referrals/{referral.pk}/")).json(),
    ]
    assert fast == plain
    assert fast[1]["case"]["scope"] == list(scope)
