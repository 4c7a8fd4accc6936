"""The access-checked download of case documents (``cases.views.document_download``): only those who
see the document get its bytes; everyone else gets 404, anonymous users the login page. A document is
served as ``document-<id>.<extension of its checked type>``, never under the uploader's file name."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases import services
from tests.auth import login_verified
from tests.factories import PartnerFactory, make_case, manager, officer, partner_user
from tests.factories.documents import valid_pdf_bytes, valid_png_bytes

pytestmark = pytest.mark.django_db

PDF = valid_pdf_bytes(pages=2, title="Acta de nacimiento")


@pytest.fixture
def document(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    owner = officer("dallas")
    case = make_case(owner)
    upload = SimpleUploadedFile("Acta de nacimiento Núñez.pdf", PDF, content_type="text/plain")
    return services.document_upload(actor=owner, case=case, file=upload, kind="identity", description="Acta")


def _get(client, user, document):
    if user is not None:
        login_verified(client, user)
    return client.get(reverse("cases:document_download", args=[document.pk]))


def test_the_url_is_not_under_media():
    url = reverse("cases:document_download", args=[1])
    assert url == "/cases/documents/1/download/"


@pytest.mark.parametrize("who", ["owner_officer", "manager"])
def test_those_who_see_the_case_get_the_bytes(client, document, who):
    user = officer("dallas") if who == "owner_officer" else manager()
    response = _get(client, user, document)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"  # the sniffed type, not the declared one
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"] == f'attachment; filename="document-{document.pk}.pdf"'
    assert response["Content-Length"] == str(len(PDF))


@pytest.mark.parametrize(
    ("name", "content", "content_type", "served_as"),
    [
        # The security review's names; the content is a real PDF or PNG, so the upload is accepted.
        ("informe.html", PDF, "application/pdf", ".pdf"),
        ("image.svg", valid_png_bytes(), "image/png", ".png"),
        ("scan.pdf.bat", PDF, "application/pdf", ".pdf"),
        ('foto"; filename=x.html', valid_png_bytes(), "image/png", ".png"),
    ],
    ids=["html-name", "svg-name", "double-extension", "header-injection"],
)
def test_the_uploaders_name_never_reaches_the_download(
    client, document, name, content, content_type, served_as
):
    owner = document.uploaded_by
    upload = SimpleUploadedFile(name, content, content_type="text/html")
    uploaded = services.document_upload(actor=owner, case=document.case, file=upload, kind="other")
    assert uploaded.original_name == name  # kept, to be shown as text
    response = _get(client, owner, uploaded)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'attachment; filename="document-{uploaded.pk}{served_as}"'
    assert b"".join(response.streaming_content) == content


def test_a_document_stored_before_the_checks_is_served_under_its_number(client, document):
    """Rows written before whole-file checks existed keep their uploader's name: it is not used."""
    from cases.models import Document

    legacy = Document.objects.create(
        case=document.case,
        kind="other",
        file=document.file.name,
        original_name="informe.html",
        content_type="application/pdf",
        size=document.size,
        sha256=document.sha256,
        uploaded_by=document.uploaded_by,
    )
    response = _get(client, document.uploaded_by, legacy)
    assert response["Content-Disposition"] == f'attachment; filename="document-{legacy.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_an_officer_of_another_consulate_gets_not_found(client, document):
    assert _get(client, officer("el_paso"), document).status_code == 404


def test_a_partner_user_without_a_referral_gets_not_found(client, document):
    user = partner_user(PartnerFactory(covers=["dallas"]))
    assert _get(client, user, document).status_code == 404


def test_unknown_document_is_not_found(client, document):
    login_verified(client, officer("dallas"))
    response = client.get(reverse("cases:document_download", args=[document.pk + 1000]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_the_login_page(client, document):
    response = _get(client, None, document)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_missing_file_is_not_found_rather_than_an_error(client, document):
    document.file.storage.delete(document.file.name)
    assert _get(client, officer("dallas"), document).status_code == 404


def test_only_reading_methods(client, document):
    login_verified(client, officer("dallas"))
    response = client.post(reverse("cases:document_download", args=[document.pk]))
    assert response.status_code == 405


def test_a_referred_partner_downloads_what_it_uploaded_and_what_the_consent_covers(client, document):
    partner = PartnerFactory(covers=["dallas"])
    user = partner_user(partner)
    owner, case = document.uploaded_by, document.case
    services.consent_record(actor=owner, case=case, partner=partner, scope=["identity"], method="verbal")
    services.referral_create(actor=owner, case=case, partner=partner, service="legal_representation")
    upload = SimpleUploadedFile("informe.pdf", PDF, content_type="application/pdf")
    own = services.document_upload(actor=user, case=case, file=upload, kind="other")
    assert _get(client, user, own).status_code == 200
    assert _get(client, user, document).status_code == 200  # an identity document, 'identity' consented
    medical = services.document_upload(
        actor=owner,
        case=case,
        file=SimpleUploadedFile("m.pdf", PDF, content_type="application/pdf"),
        kind="medical",
    )
    assert _get(client, user, medical).status_code == 404  # medical records are never shared


# --- The access log -------------------------------------------------------------------------------


def test_a_download_writes_one_access_log_row(client, document):
    from cases.models import AccessLog
    from cases.models.access import AccessAction

    reader = manager()
    login_verified(client, reader)
    response = client.get(reverse("cases:document_download", args=[document.pk]), REMOTE_ADDR="192.0.2.44")
    assert response.status_code == 200
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert (row.user_id, row.action, row.document_id, row.case_id, row.person_id, row.ip_address) == (
        reader.pk,
        AccessAction.DOWNLOAD,
        document.pk,
        document.case_id,
        document.case.person_id,
        "192.0.2.44",
    )
    assert "Núñez" not in row.what  # the original file name may carry a name: never logged


@pytest.mark.parametrize("who", ["foreign_officer", "partner", "auditor", "missing_file"])
def test_a_refused_download_writes_nothing(client, document, who):
    from cases.models import AccessLog
    from tests.factories import auditor

    user = {
        "foreign_officer": lambda: officer("el_paso"),
        "partner": lambda: partner_user(PartnerFactory(covers=["dallas"])),
        "auditor": auditor,
        "missing_file": lambda: officer("dallas"),
    }[who]()
    if who == "missing_file":
        document.file.storage.delete(document.file.name)
    assert _get(client, user, document).status_code == 404
    assert AccessLog.objects.count() == 0
