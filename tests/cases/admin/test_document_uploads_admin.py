"""The staff UI's upload door (the documents inline of the case page) checks the whole file through
``document_upload``: the security review's files are refused next to the upload field with nothing
stored, real files are accepted (images without their GPS position), the uploader's file name is
shown as escaped text, and the download is named after the document, not after the upload."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from cases.models import Document
from tests.auth import login_verified
from tests.cases import document_samples as s
from tests.cases.admin.test_repatriation_admin import _case_post, _document_rows, _stored_files
from tests.factories import make_case, officer
from tests.factories.documents import photo_with_gps_bytes, valid_pdf_bytes, valid_png_bytes
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    """A Dallas officer and an open case, built once for the module and rolled back at its end."""
    with rolled_back(django_db_blocker):
        owner = officer("dallas", first_name="Alicia", last_name="Dávila")
        yield SimpleNamespace(officer=owner, case=make_case(owner))


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post(client, place, *uploads):
    login_verified(client, place.officer)
    url = reverse("admin:cases_case_change", args=[place.case.pk])
    return client.post(url, _case_post(place.case, **_document_rows(place.case, *uploads)))


def _upload_errors(response) -> list[str]:
    [formset] = [f for f in response.context["inline_admin_formsets"] if f.opts.model is Document]
    return formset.formset.forms[0].errors.get("upload", [])


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("informe.html", s.PDF_THEN_HTML),
        ("image.svg", s.PNG_THEN_SVG),
        ("scan.pdf.bat", s.PDF_THEN_BATCH),
        ("informe.pdf", valid_pdf_bytes() + s.HTML),
        ("foto.png", valid_png_bytes() + s.SVG),
        ("informe.pdf", s.pdf_with_javascript()),
    ],
    ids=[
        "pdf-then-html",
        "png-then-svg",
        "pdf-then-batch",
        "real-pdf-then-html",
        "real-png-then-svg",
        "pdf-js",
    ],
)
def test_the_review_files_are_refused_next_to_the_field_and_nothing_is_stored(
    client, place, media, name, content
):
    response = _post(
        client, place, ("identity", SimpleUploadedFile(name, content, content_type="application/pdf"))
    )
    assert response.status_code == 200
    (message,) = _upload_errors(response)
    assert name not in message
    assert not Document.objects.filter(case=place.case).exists()
    assert _stored_files(media) == []


def test_real_files_are_stored_shown_by_their_escaped_name_and_served_by_number(client, place, media):
    photo = photo_with_gps_bytes()
    uploads = (
        (
            "court",
            SimpleUploadedFile("scan.pdf.bat", valid_pdf_bytes(), content_type="application/x-msdos-program"),
        ),
        ("identity", SimpleUploadedFile("IMG_2041.jpg", photo, content_type="image/jpeg")),
        (
            "other",
            SimpleUploadedFile(
                "<img src=x onerror=alert(1)>.png", valid_png_bytes(), content_type="image/png"
            ),
        ),
    )
    response = _post(client, place, *uploads)
    assert response.status_code == 302, _upload_errors(response)
    pdf, jpeg, png = Document.objects.filter(case=place.case).order_by("pk")
    assert [d.content_type for d in (pdf, jpeg, png)] == ["application/pdf", "image/jpeg", "image/png"]
    assert len(_stored_files(media)) == 3

    html = client.get(reverse("admin:cases_case_change", args=[place.case.pk])).content.decode()
    assert "scan.pdf.bat" in html  # the uploader's name, as text
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in html
    assert "<img src=x" not in html

    bodies = {}
    for document, extension in ((pdf, ".pdf"), (jpeg, ".jpg"), (png, ".png")):
        download = client.get(reverse("cases:document_download", args=[document.pk]))
        assert download.status_code == 200
        assert download["Content-Disposition"] == f'attachment; filename="document-{document.pk}{extension}"'
        assert download["Content-Type"] == document.content_type
        assert download["X-Content-Type-Options"] == "nosniff"
        bodies[document.pk] = b"".join(download.streaming_content)
        assert len(bodies[document.pk]) == document.size

    # the phone photo had a GPS position; the stored one has none
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not Image.open(io.BytesIO(bodies[jpeg.pk])).getexif().get_ifd(ExifTags.IFD.GPSInfo)
