"""A partner reads back the documents of its active referrals: those it uploaded, and those whose kind the
person's consent covers (consulates.policy.DOCUMENT_CATEGORIES); each download is in the access log."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import AccessLog
from cases.models.access import AccessAction
from consulates.policy import DOCUMENT_CATEGORIES
from tests.api.conftest import url
from tests.factories.crossoffice import make_consent
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db


def _staff_upload(officer, case, kind):
    upload = SimpleUploadedFile(f"{kind}.pdf", valid_pdf_bytes(), content_type="application/pdf")
    return services.document_upload(actor=officer, case=case, file=upload, kind=kind)


def _listed(client, referral) -> set[int]:
    response = client.get(url(f"partner/referrals/{referral.pk}/documents/"))
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.fixture
def referral(api_officer, api_case, api_partner, api_partner_user):
    make_consent(api_officer, api_case, api_partner, scope=["identity", "hearings"])
    referral = services.referral_create(
        actor=api_officer, case=api_case, partner=api_partner, service="shelter"
    )
    services.referral_accept(actor=api_partner_user, referral=referral)
    return referral


def test_a_partner_reads_what_it_uploaded_and_what_the_consent_covers(
    api_officer, api_case, api_partner_client, referral
):
    identity = _staff_upload(api_officer, api_case, "identity")  # consent: identity
    court = _staff_upload(api_officer, api_case, "court")  # consent: hearings
    repatriation = _staff_upload(api_officer, api_case, "repatriation")  # custody: not consented
    medical = _staff_upload(api_officer, api_case, "medical")  # no category: never shared
    consent_form = _staff_upload(api_officer, api_case, "consent_form")
    mine = api_partner_client.post(
        url(f"partner/referrals/{referral.pk}/documents/"),
        {"file": SimpleUploadedFile("carta.pdf", valid_pdf_bytes()), "kind": "medical"},
        format="multipart",
    )
    assert mine.status_code == 201, mine.content

    assert _listed(api_partner_client, referral) == {identity.pk, court.pk, mine.json()["id"]}
    for hidden in (repatriation, medical, consent_form):
        path = url(f"partner/referrals/{referral.pk}/documents/{hidden.pk}/")
        assert api_partner_client.get(path).status_code == 404


def test_a_download_is_the_file_and_is_recorded(api_officer, api_case, api_partner_client, referral):
    document = _staff_upload(api_officer, api_case, "identity")
    response = api_partner_client.get(url(f"partner/referrals/{referral.pk}/documents/{document.pk}/"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == document.file.open("rb").read()
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"document-{document.pk}.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    log = AccessLog.objects.filter(action=AccessAction.DOWNLOAD, document_id=document.pk).get()
    assert (log.partner_id, log.case_id) == (referral.partner_id, api_case.pk)


def test_nothing_once_the_referral_ends(api_officer, api_case, api_partner_client, referral):
    document = _staff_upload(api_officer, api_case, "identity")
    services.consent_withdraw(actor=api_officer, consent=referral.consent)
    assert _listed(api_partner_client, referral) == set()
    path = url(f"partner/referrals/{referral.pk}/documents/{document.pk}/")
    assert api_partner_client.get(path).status_code == 404


def test_another_partner_never_reads_them(api_officer, api_case, api_client, referral):
    from tests import factories as f
    from tests.api.conftest import token_client

    document = _staff_upload(api_officer, api_case, "identity")
    other, _token = token_client(f.partner_user(f.PartnerFactory(covers=["dallas"], services=["shelter"])))
    assert other.get(url(f"partner/referrals/{referral.pk}/documents/")).status_code == 404
    assert other.get(url(f"partner/referrals/{referral.pk}/documents/{document.pk}/")).status_code == 404


def test_the_mapping_names_real_kinds_and_categories():
    from cases.models.crossoffice import DataCategory
    from cases.models.document import DocumentKind

    assert set(DOCUMENT_CATEGORIES) <= set(DocumentKind.values)
    assert set(DOCUMENT_CATEGORIES.values()) <= set(DataCategory.values)
    assert "medical" not in DOCUMENT_CATEGORIES
    assert "consent_form" not in DOCUMENT_CATEGORIES
