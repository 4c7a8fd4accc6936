"""An organisation the network stopped working with sees nothing, through any door, even with a credential
that survived its deactivation: the partner API (list, detail and the case data in it, timeline, notes,
documents, answers), the records' visibility rules, the document download and the services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent, Consent, Document, EmergencyContact, Hearing, Person, Referral
from cases.selectors.repatriation import document_for_download
from consulates.models import Partner
from tests.api.conftest import token_client, url
from tests.auth import login_verified
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def working_partner(api_officer, api_partner, api_partner_user, api_referral):
    """The partner accepted the referral, posted a note and uploaded a document; then the consulate
    deactivated it without revoking its token."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client, _token = token_client(api_partner_user)
    assert client.post(url(f"partner/referrals/{api_referral.pk}/accept/")).status_code == 200
    services.referral_note_add(actor=api_partner_user, referral=api_referral, text="Entrevista hecha")
    document = services.document_upload(
        actor=api_partner_user,
        case=api_referral.case,
        file=SimpleUploadedFile("carta.pdf", valid_pdf_bytes(), content_type="application/pdf"),
        kind="correspondence",
    )
    services.hearing_schedule(
        actor=api_officer,
        case=api_referral.case,
        kind="bond",
        starts_at=timezone.now() + dt.timedelta(days=9),
        location="Dallas Immigration Court",
    )
    Partner.objects.filter(pk=api_partner.pk).update(active=False)
    user = type(api_partner_user).objects.get(pk=api_partner_user.pk)  # a new request's user
    return client, user, api_referral, document


def test_every_partner_route_refuses_a_deactivated_organisation(working_partner):
    client, _user, referral, _document = working_partner
    curp = referral.case.person.curp
    base = f"partner/referrals/{referral.pk}/"
    calls = [
        ("get", "partner/referrals/", None),
        ("get", base, None),
        ("get", f"{base}timeline/", None),
        ("post", f"{base}notes/", {"text": "Otra nota"}),
        ("post", f"{base}start/", {}),
        ("post", f"{base}complete/", {"outcome_note": "Hecho"}),
        ("post", f"{base}decline/", {"reason": "x"}),
        ("post", f"{base}accept/", {}),
    ]
    events_before = CaseEvent.objects.count()
    for method, path, data in calls:
        response = getattr(client, method)(url(path), data, format="json")
        assert response.status_code in (403, 404), (method, path, response.status_code)
        assert curp not in response.content.decode(), path
    upload = client.post(
        url(f"{base}documents/"),
        {"file": _pdf_upload(), "kind": "correspondence"},
        format="multipart",
    )
    assert upload.status_code in (403, 404)
    assert CaseEvent.objects.count() == events_before
    assert Referral.objects.get(pk=referral.pk).status == "accepted"


def _pdf_upload():
    import io

    upload = io.BytesIO(valid_pdf_bytes())
    upload.name = "carta.pdf"
    return upload


def test_no_record_is_visible_to_a_deactivated_organisation(working_partner):
    _client, user, referral, document = working_partner
    for model in (Case, Person, Referral, Consent, Document, CaseEvent, Hearing, EmergencyContact):
        assert not model.objects.visible_to(user).exists(), model.__name__
    assert document_for_download(user=user, pk=document.pk) is None


def test_the_services_refuse_a_deactivated_organisation(working_partner):
    _client, user, referral, _document = working_partner
    with pytest.raises(PermissionDenied):
        services.referral_note_add(actor=user, referral=referral, text="Nota")
    with pytest.raises(PermissionDenied):
        services.referral_start(actor=user, referral=referral)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(PermissionDenied):
        services.document_upload(
            actor=user,
            case=referral.case,
            file=SimpleUploadedFile("carta.pdf", valid_pdf_bytes(), content_type="application/pdf"),
            kind="correspondence",
        )


def test_the_download_view_refuses_a_deactivated_organisations_user(working_partner, client):
    """The partner that uploaded a document downloads it while it works the case; not once deactivated."""
    _api, user, referral, document = working_partner
    download = reverse("cases:document_download", args=[document.pk])
    Partner.objects.filter(pk=referral.partner_id).update(active=True)
    login_verified(client, user)
    assert client.get(download).status_code == 200
    Partner.objects.filter(pk=referral.partner_id).update(active=False)
    assert client.get(download).status_code == 404
