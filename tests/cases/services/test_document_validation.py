"""cases/services/documents.py checks the whole file, not its first bytes (issue 15, item 8).

PDFs are parsed (strictly) and refused with scripts, launch actions, attached files, a password, or
anything after the final ``%%EOF``; images are decoded in full and stored re-encoded (no EXIF, so no
GPS position; the orientation applied); markup hidden in or after a file is refused. A refused file
leaves no row, no stored file and no timeline entry."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from PIL import ExifTags, Image

from cases import services
from cases.models import Document
from cases.services.document_checks import REFUSALS
from tests import factories as f
from tests.cases import document_samples as s
from tests.dbchecks import error_fields, last_event_pk, new_events
from tests.factories.documents import (
    exif_with,
    photo_with_gps_bytes,
    valid_jpeg_bytes,
    valid_pdf_bytes,
    valid_png_bytes,
)
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """An officer and an open case, built once for the module and rolled back at its end."""
    with rolled_back(django_db_blocker):
        officer = f.officer("dallas")
        yield SimpleNamespace(officer=officer, case=f.make_case(officer))


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def send(world, name: str, content: bytes) -> Document:
    return services.document_upload(
        actor=world.officer, case=world.case, file=s.upload(name, content), kind="identity"
    )


def stored_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# --- refused: a field error with its reason, nothing written --------------------------------------


REFUSED = {
    # The security review's files, as it sent them.
    "review-pdf-header-then-html": ("informe.html", s.PDF_THEN_HTML, "hidden_content"),
    "review-png-header-then-svg": ("image.svg", s.PNG_THEN_SVG, "hidden_content"),
    "review-pdf-header-then-batch": ("scan.pdf.bat", s.PDF_THEN_BATCH, "unreadable"),
    # A real file with a web page or a picture-script after its end.
    "valid-pdf-then-html": ("informe.pdf", valid_pdf_bytes() + s.HTML, "hidden_content"),
    "valid-png-then-svg": ("foto.png", valid_png_bytes() + s.SVG, "hidden_content"),
    "valid-jpeg-then-html": ("foto.jpg", valid_jpeg_bytes() + s.HTML, "hidden_content"),
    "valid-pdf-then-binary": ("informe.pdf", valid_pdf_bytes() + b"\x00\x00PK\x03\x04junk", "trailing_data"),
    "valid-png-then-binary": ("foto.png", valid_png_bytes() + b"PK\x03\x04junk", "trailing_data"),
    # Markup inside the file.
    "pdf-markup-in-a-comment": ("informe.pdf", s.hand_made_pdf(comment=s.HTML.strip()), "hidden_content"),
    "pdf-markup-in-metadata": (
        "informe.pdf",
        s.hand_made_pdf(title=b"<svg onload=alert(1)>"),
        "hidden_content",
    ),
    # Active content in a PDF.
    "pdf-document-javascript": ("informe.pdf", s.pdf_with_javascript(), "active_content"),
    "pdf-page-javascript": ("informe.pdf", s.pdf_with_page_javascript(), "active_content"),
    "pdf-launch-action": ("informe.pdf", s.pdf_with_launch_action(), "active_content"),
    "pdf-attached-file": ("informe.pdf", s.pdf_with_attachment(), "active_content"),
    "pdf-with-password": ("informe.pdf", s.pdf_with_password(user_password="secreto"), "encrypted"),
    # Broken files.
    "truncated-pdf": ("informe.pdf", s.truncated(valid_pdf_bytes()), "unreadable"),
    "truncated-png": ("foto.png", s.truncated(s.noisy_png()), "unreadable"),
    "truncated-jpeg": ("foto.jpg", s.truncated(s.noisy_jpeg()), "unreadable"),
    "png-with-a-bad-checksum": ("foto.png", s.png_with_bad_checksum(), "unreadable"),
    # A decompression bomb: 64 megapixels in a few kilobytes.
    "decompression-bomb": ("plano.png", s.huge_png(), "too_many_pixels"),
}


@pytest.mark.parametrize(("name", "content", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_refused_files_say_why_and_leave_nothing_behind(world, media_root, name, content, code):
    before = last_event_pk(world.case)
    with pytest.raises(ValidationError) as exc:
        send(world, name, content)
    assert error_fields(exc.value) == {"file"}
    assert [e.code for e in exc.value.error_dict["file"]] == [code]
    assert not Document.objects.filter(case=world.case).exists()
    assert stored_files(media_root) == []
    assert new_events(world.case, after=before) == []


def test_the_reasons_are_sentences_for_the_uploader(world):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        send(world, "informe.html", s.PDF_THEN_HTML)
    (message,) = exc.value.message_dict["file"]
    assert "PDF" in message
    assert "informe" not in message  # the uploader's name is not echoed back


def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(world, settings):
    settings.DOCUMENT_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as exc:
        send(world, "foto.png", valid_png_bytes(size=(40, 30)))
    assert [e.code for e in exc.value.error_dict["file"]] == ["too_many_pixels"]


# --- accepted PDFs: stored as sent --------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        valid_pdf_bytes(),
        s.hand_made_pdf(comment=b"Generado a mano", title=b"Aviso <urgente>"),
        valid_pdf_bytes(pages=3, title="Aviso de audiencia"),
        valid_pdf_bytes() + b"\r\n \x00\n",  # whitespace after %%EOF is allowed by the PDF standard
        s.pdf_with_two_revisions(),  # an incremental update, as a reader writes when a form is filled in
        s.pdf_with_password(user_password=""),  # restrictions only: it opens without a password
    ],
    ids=[
        "minimal",
        "hand-made",
        "three-pages",
        "trailing-whitespace",
        "two-revisions",
        "owner-password-only",
    ],
)
def test_a_real_pdf_is_stored_byte_for_byte(world, content):
    document = send(world, "Aviso de audiencia.pdf", content)
    assert document.content_type == "application/pdf"
    assert stored_bytes(document) == content
    assert (document.size, document.sha256) == (len(content), hashlib.sha256(content).hexdigest())


def test_the_name_does_not_matter_a_pdf_named_bat_is_a_pdf(world):
    content = valid_pdf_bytes()
    document = send(world, "scan.pdf.bat", content)
    assert (document.content_type, document.original_name) == ("application/pdf", "scan.pdf.bat")
    assert document.file.name.endswith(".pdf")
    assert document.download_name == f"document-{document.pk}.pdf"


# --- accepted images: decoded, re-encoded, no metadata ----------------------------------------------


def _reopen(document: Document) -> Image.Image:
    image = Image.open(io.BytesIO(stored_bytes(document)))
    image.load()
    return image


def test_a_phone_photo_is_stored_without_its_gps_position_and_upright(world):
    content = photo_with_gps_bytes(orientation=6)  # 64x48 as shot, "rotate 90° to display"
    uploaded = Image.open(io.BytesIO(content))
    assert uploaded.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry a position

    document = send(world, "IMG_2041.jpg", content)
    stored = stored_bytes(document)
    image = _reopen(document)
    assert (document.content_type, image.format) == ("image/jpeg", "JPEG")
    assert image.size == (48, 64)  # the orientation was applied to the pixels
    assert not image.getexif()  # no EXIF at all: no position, no camera, no orientation left to apply
    assert b"Exif\x00\x00" not in stored
    assert "Teléfono".encode() not in stored
    assert (document.size, document.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert stored != content


def test_a_png_with_exif_is_stored_without_it(world):
    content = valid_png_bytes(exif=exif_with(gps=True))
    document = send(world, "captura.png", content)
    image = _reopen(document)
    assert (document.content_type, image.format, image.size) == ("image/png", "PNG", (8, 6))
    assert not image.getexif()
    assert b"eXIf" not in stored_bytes(document)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (valid_png_bytes(), "image/png"),
        (valid_png_bytes(mode="RGBA", color=(10, 20, 30, 128)), "image/png"),
        (valid_png_bytes(mode="L", color=200), "image/png"),
        (valid_png_bytes(mode="1", color=1), "image/png"),
    ],
    ids=["rgb", "rgba", "grey", "bilevel"],
)
def test_a_clean_png_comes_back_identical(world, content, content_type):
    """What Pillow wrote without metadata it writes again byte for byte: nothing is lost."""
    document = send(world, "ine.png", content)
    assert document.content_type == content_type
    assert stored_bytes(document) == content


def test_a_jpeg_keeps_its_quality_tables(world):
    content = valid_jpeg_bytes()
    document = send(world, "ine.jpg", content)
    original, image = Image.open(io.BytesIO(content)), _reopen(document)
    assert image.quantization == original.quantization
    assert image.size == original.size


@pytest.mark.parametrize(
    "content", [s.multi_picture_jpeg(), s.jpeg_with_camera_trailer()], ids=["multi-picture", "camera-trailer"]
)
def test_what_phones_add_after_the_picture_is_dropped_not_refused(world, content):
    document = send(world, "IMG_2042.jpg", content)
    stored = stored_bytes(document)
    image = _reopen(document)
    assert (document.content_type, image.format) == ("image/jpeg", "JPEG")
    assert stored.endswith(b"\xff\xd9")
    assert stored.count(b"\xff\xd8\xff") == 1  # one picture, no second one, no trailer
    assert b"SEFT" not in stored


def test_the_storage_name_has_the_extension_of_the_content(world):
    document = send(world, "foto.pdf", valid_png_bytes())
    assert document.content_type == "image/png"
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}\.png", document.file.name)
    assert document.download_name == f"document-{document.pk}.png"


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_every_reason_is_said_in_spanish_too(code):
    """The uploader reads the reason in their language (the Spanish catalogue has each message)."""
    with translation.override("en"):
        english = str(REFUSALS[code])
    with translation.override("es"):
        spanish = str(REFUSALS[code])
    assert spanish != english
