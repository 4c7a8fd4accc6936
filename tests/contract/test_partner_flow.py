"""A partner organisation's whole integration, written from the API guide and the schema alone, with the
typed client generated from the live schema (see conftest): list its referrals, read one, accept it
(``If-Match`` with the ETag it read, an ``Idempotency-Key``), start the work, upload a document, list and
download the documents it may read, complete; and the refusals it must handle (409 with a stable
``code``, 412 for a stale ETag) read as the schema's typed error model.

The client raises on any status the schema does not declare for an operation
(``raise_on_unexpected_status``), and every answer is parsed into the schema's model: an answer that no
longer matches its declared shape fails here as it would fail the partner."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import ApiToken
from cases import services
from tests import factories as f
from tests.factories.crossoffice import make_referral
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _media_and_counters(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()  # rate-limit counters of earlier tests
    yield
    cache.clear()


@pytest.fixture
def world():
    """A Dallas case referred to a legal-aid partner (full consent), the consulate's identity document
    and medical record on it, and the partner user's API token."""
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation"])
    case = f.make_case(officer)
    referral = make_referral(officer, case, partner, request_note="Audiencia en dos semanas")
    shared, not_shared = (
        services.document_upload(
            actor=officer,
            case=case,
            file=SimpleUploadedFile(f"{kind}.pdf", valid_pdf_bytes(), content_type="application/pdf"),
            kind=kind,
        )
        for kind in ("identity", "medical")
    )
    _token, raw = ApiToken.objects.create(
        user=f.partner_user(partner), expiry=dt.timedelta(days=30), name="contract"
    )
    return {"case": case, "referral": referral, "shared": shared, "not_shared": not_shared, "token": raw}


def test_a_partner_works_a_referral_through_the_generated_client(typed_client, world):
    from consular_client.api.partner import (
        partner_referrals_accept_create,
        partner_referrals_complete_create,
        partner_referrals_documents_create,
        partner_referrals_documents_list,
        partner_referrals_documents_retrieve,
        partner_referrals_list,
        partner_referrals_notes_create,
        partner_referrals_retrieve,
        partner_referrals_start_create,
    )
    from consular_client.models import (
        Document,
        DocumentKindEnum,
        DocumentUploadRequest,
        OutcomeRequest,
        PaginatedDocumentList,
        PaginatedPartnerReferralList,
        PartnerNoteOptionalRequest,
        PartnerNoteRequest,
        PartnerReferral,
        PartnerReferralsListStatusItem,
        Problem,
        ReferralStatusEnum,
    )
    from consular_client.types import File

    client = typed_client(world["token"], prefix="Token")
    case = world["case"]

    # 1. The referrals made to us: the new one is pending, with the consented case data.
    listing = partner_referrals_list.sync(client=client)
    assert isinstance(listing, PaginatedPartnerReferralList)
    assert listing.count == 1
    (listed,) = listing.results
    assert listed.status is ReferralStatusEnum.PENDING
    assert listed.case is not None
    assert listed.case.reference == case.reference
    referral_id = listed.id

    # 2. Read it, keeping its ETag for the answer.
    read = partner_referrals_retrieve.sync_detailed(referral_id, client=client)
    assert read.status_code == 200
    assert isinstance(read.parsed, PartnerReferral)
    assert read.parsed.request_note == "Audiencia en dos semanas"
    etag = read.headers["ETag"]

    # 3. Accept, conditionally and idempotently; a retry with the same key replays the outcome.
    key = str(uuid.uuid4())
    accepted = partner_referrals_accept_create.sync_detailed(
        referral_id, client=client, if_match=etag, idempotency_key=key
    )
    assert accepted.status_code == 200
    assert accepted.parsed.status is ReferralStatusEnum.ACCEPTED
    assert accepted.headers["ETag"] != etag
    replay = partner_referrals_accept_create.sync_detailed(
        referral_id, client=client, if_match=etag, idempotency_key=key
    )
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.parsed.status is ReferralStatusEnum.ACCEPTED

    # Answering again is a state conflict, told by its stable code in the typed error.
    again = partner_referrals_accept_create.sync_detailed(
        referral_id, client=client, idempotency_key=str(uuid.uuid4())
    )
    assert again.status_code == 409
    assert isinstance(again.parsed, Problem)
    assert again.parsed.code == "referral_not_pending"
    assert again.parsed.status == 409
    assert again.parsed.errors.additional_properties["non_field_errors"]

    # A stale ETag (the one read before accepting) is refused, and nothing changes.
    stale = partner_referrals_start_create.sync_detailed(
        referral_id, client=client, if_match=etag, body=PartnerNoteOptionalRequest(note="Empezamos")
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, Problem)
    assert stale.parsed.code == "stale_version"

    # 4. Start the work, with the ETag of the last answer.
    started = partner_referrals_start_create.sync_detailed(
        referral_id,
        client=client,
        if_match=accepted.headers["ETag"],
        idempotency_key=str(uuid.uuid4()),
        body=PartnerNoteOptionalRequest(note="Empezamos"),
    )
    assert started.status_code == 200, started.content
    assert started.parsed.status is ReferralStatusEnum.IN_PROGRESS

    # 5. A note and a document of ours.
    note = partner_referrals_notes_create.sync_detailed(
        referral_id, client=client, body=PartnerNoteRequest(text="Primera entrevista hecha")
    )
    assert note.status_code == 201
    letter = valid_pdf_bytes(title="Carta de representación")
    uploaded = partner_referrals_documents_create.sync_detailed(
        referral_id,
        client=client,
        idempotency_key=str(uuid.uuid4()),
        body=DocumentUploadRequest(
            file=File(payload=io.BytesIO(letter), file_name="carta.pdf", mime_type="application/pdf"),
            kind=DocumentKindEnum.CORRESPONDENCE,
            description="Carta de representación",
        ),
    )
    assert uploaded.status_code == 201, uploaded.content
    assert isinstance(uploaded.parsed, Document)
    assert uploaded.parsed.size == len(letter)
    assert uploaded.parsed.original_name == "carta.pdf"

    # 6. The documents we may read: ours and the consented identity document, not the medical record.
    documents = partner_referrals_documents_list.sync(referral_id, client=client)
    assert isinstance(documents, PaginatedDocumentList)
    assert {d.id for d in documents.results} == {uploaded.parsed.id, world["shared"].pk}
    download = partner_referrals_documents_retrieve.sync_detailed(
        referral_id, uploaded.parsed.id, client=client
    )
    assert download.status_code == 200
    assert download.parsed.payload.read() == letter  # a PDF is stored byte for byte
    hidden = partner_referrals_documents_retrieve.sync_detailed(
        referral_id, world["not_shared"].pk, client=client
    )
    assert hidden.status_code == 404
    assert hidden.parsed.code == "not_found"

    # 7. Complete, then the referral has ended: it takes no more work (409, its own code).
    completed = partner_referrals_complete_create.sync_detailed(
        referral_id,
        client=client,
        if_match=started.headers["ETag"],
        idempotency_key=str(uuid.uuid4()),
        body=OutcomeRequest(outcome_note="Representación concluida"),
    )
    assert completed.status_code == 200, completed.content
    assert completed.parsed.status is ReferralStatusEnum.COMPLETED
    assert completed.parsed.case is None  # an ended referral is a row of history, nothing more
    late = partner_referrals_notes_create.sync_detailed(
        referral_id, client=client, body=PartnerNoteRequest(text="Una más")
    )
    assert late.status_code == 409
    assert late.parsed.code == "referral_not_active"
    completed_ones = partner_referrals_list.sync(
        client=client, status=[PartnerReferralsListStatusItem.COMPLETED]
    )
    assert [(r.id, r.case) for r in completed_ones.results] == [(referral_id, None)]
    assert (
        partner_referrals_list.sync(client=client, status=[PartnerReferralsListStatusItem.PENDING]).count == 0
    )
