"""The API's upload door (``POST /api/v1/partner/referrals/<id>/documents/``, the only API route that
takes a file) checks the whole file through ``document_upload``: the security review's files answer 400
with a ``file`` error in the API's error shape and store nothing; real files are accepted, images
stored without their metadata; what the API reports (size, checksum) is what is stored and served, and
the download is named after the document. The staff API has no upload route of its own."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from PIL import ExifTags, Image

from cases.models import Document
from cases.services.document_checks import REFUSALS
from tests.api.conftest import url
from tests.cases import document_samples as s
from tests.factories.documents import photo_with_gps_bytes, valid_pdf_bytes

pytestmark = pytest.mark.django_db


def _upload(client, referral, name, content):
    return client.post(
        url(f"partner/referrals/{referral.pk}/documents/"),
        {"file": SimpleUploadedFile(name, content), "kind": "other", "description": "Informe"},
        format="multipart",
    )


def _stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("informe.html", s.PDF_THEN_HTML, "hidden_content"),
        ("image.svg", s.PNG_THEN_SVG, "hidden_content"),
        ("scan.pdf.bat", s.PDF_THEN_BATCH, "unreadable"),
        ("informe.pdf", valid_pdf_bytes() + s.HTML, "hidden_content"),
        ("informe.pdf", s.pdf_with_attachment(), "active_content"),
    ],
    ids=["pdf-then-html", "png-then-svg", "pdf-then-batch", "real-pdf-then-html", "pdf-attachment"],
)
def test_the_review_files_answer_400_on_file_and_store_nothing(
    api_partner_client, api_referral, api_media_root, name, content, code
):
    response = _upload(api_partner_client, api_referral, name, content)
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["status"], set(body["errors"])) == (400, {"file"})
    assert body["errors"]["file"][0]
    assert not Document.objects.filter(case=api_referral.case).exists()
    assert _stored_files(api_media_root) == []


def test_a_pdf_named_bat_is_stored_as_a_pdf_and_served_as_one(
    api_officer_client, api_partner_client, api_referral, api_media_root
):
    content = valid_pdf_bytes()
    response = _upload(api_partner_client, api_referral, "scan.pdf.bat", content)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["content_type"], body["original_name"], body["size"]) == (
        "application/pdf",
        "scan.pdf.bat",
        len(content),
    )
    download = api_officer_client.get(reverse("cases:document_download", args=[body["id"]]))
    assert download["Content-Disposition"] == f'attachment; filename="document-{body["id"]}.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == content


def test_a_photo_is_stored_without_its_gps_position(
    api_officer_client, api_partner_client, api_referral, api_media_root
):
    photo = photo_with_gps_bytes()
    response = _upload(api_partner_client, api_referral, "IMG_2041.jpg", photo)
    assert response.status_code == 201, response.json()
    body = response.json()
    download = api_officer_client.get(reverse("cases:document_download", args=[body["id"]]))
    stored = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == f'attachment; filename="document-{body["id"]}.jpg"'
    assert (body["content_type"], body["size"], body["sha256"]) == (
        "image/jpeg",
        len(stored),
        hashlib.sha256(stored).hexdigest(),
    )
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    image = Image.open(io.BytesIO(stored))
    assert not image.getexif()
    assert image.size == (48, 64)  # upright: the orientation tag was applied


@pytest.mark.parametrize(
    ("content", "code"),
    [(b"hola", "not_allowed"), (s.PDF_THEN_HTML, "hidden_content")],
    ids=["not-allowed", "html"],
)
def test_the_reason_is_in_the_callers_language(
    api_partner_client, api_referral, api_media_root, content, code
):
    with translation.override("es"):
        spanish = str(REFUSALS[code]) % {"kind": "PDF", "limit": 50}
    response = api_partner_client.post(
        url(f"partner/referrals/{api_referral.pk}/documents/"),
        {"file": SimpleUploadedFile("informe.html", content), "kind": "other"},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [spanish]
