"""cases/services/documents.py: type by content, size limit, checksum, random storage name, clean-up."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import events, services
from cases.models import Document
from consulates.models import PartnerService
from tests import factories as f
from tests.dbchecks import error_fields, last_event_pk, new_events, row_xmin
from tests.factories.documents import valid_jpeg_bytes, valid_pdf_bytes, valid_png_bytes

pytestmark = pytest.mark.django_db

# Real files: the service parses PDFs and decodes images in full (see test_document_validation.py).
PDF = valid_pdf_bytes()
JPEG = valid_jpeg_bytes()
PNG = valid_png_bytes()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(name: str, content: bytes, declared: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=declared)


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def case(dallas_officer):
    return f.make_case(dallas_officer)


# --- accepted files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "declared", "content_type", "extension"),
    [
        ("Acta de nacimiento Juana Pérez.pdf", PDF, "application/pdf", "application/pdf", ".pdf"),
        # the browser's declared type is ignored: the content decides
        ("Matrícula Juana Pérez.jpeg", JPEG, "application/octet-stream", "image/jpeg", ".jpg"),
        ("Juana Pérez pasaporte.PNG", PNG, "image/jpeg", "image/png", ".png"),
    ],
    ids=["pdf", "jpeg", "png"],
)
def test_a_valid_file_is_stored_under_a_random_name(
    media_root, dallas_officer, case, name, content, declared, content_type, extension
):
    before = last_event_pk(case)
    document = services.document_upload(
        actor=dallas_officer,
        case=case,
        file=upload(name, content, declared),
        kind="identity",
        description=" Copia para el registro civil ",
    )
    stored = Document.objects.get(pk=document.pk)
    (path,) = stored_files(media_root)
    kept = path.read_bytes()
    assert (stored.content_type, stored.size, stored.original_name) == (content_type, len(kept), name)
    assert stored.sha256 == hashlib.sha256(kept).hexdigest()
    if content_type != "image/jpeg":  # PDFs are kept as sent; a PNG without metadata re-encodes to itself
        assert kept == content
    assert (stored.uploaded_by, stored.uploaded_by_partner, stored.description) == (
        dallas_officer,
        None,
        "Copia para el registro civil",
    )
    assert re.fullmatch(rf"documents/\d{{4}}/\d{{2}}/[0-9a-f]{{32}}{re.escape(extension)}", stored.file.name)
    assert "Juana" not in stored.file.name
    assert path == media_root / stored.file.name
    events_written = new_events(case, after=before)
    event = next(e for e in events_written if e.kind == "document_uploaded")
    assert event.actor == dallas_officer
    assert event.text == "Copia para el registro civil"
    assert event.payload == {
        "document_id": document.pk,
        "document_kind": "identity",
        "partner_id": None,
        "size": len(kept),
    }
    assert row_xmin(event) == row_xmin(stored)


def test_two_uploads_of_the_same_name_get_different_storage_names(media_root, dallas_officer, case):
    first = services.document_upload(actor=dallas_officer, case=case, file=upload("a.pdf", PDF), kind="other")
    second = services.document_upload(
        actor=dallas_officer, case=case, file=upload("a.pdf", PDF), kind="other"
    )
    assert first.file.name != second.file.name
    assert first.sha256 == second.sha256
    assert len(stored_files(media_root)) == 2


def test_a_file_exactly_at_the_limit_is_accepted(settings, dallas_officer, case):
    content = PDF.ljust(len(PDF) + 69, b" ")  # whitespace after %%EOF is part of a valid PDF
    settings.DOCUMENT_MAX_BYTES = len(content)
    document = services.document_upload(
        actor=dallas_officer, case=case, file=upload("limite.pdf", content), kind="court"
    )
    assert Document.objects.get(pk=document.pk).size == len(content)


# --- refused files: a field error, no row, no file ------------------------------------------------


@pytest.mark.parametrize(
    ("file", "limit", "field"),
    [
        (upload("carta.pdf", b"Esto es texto, no un PDF.\n"), None, "file"),
        (upload("vacio.pdf", b""), None, "file"),
        (upload("grande.pdf", PDF + b" "), len(PDF), "file"),
        (upload("pagina.html", b"<html>%PDF-</html>", "text/html"), None, "file"),
        (None, None, "file"),
    ],
    ids=["text-named-pdf", "empty", "oversize", "signature-not-at-start", "no-file"],
)
def test_refused_files_leave_nothing_behind(settings, media_root, dallas_officer, case, file, limit, field):
    if limit is not None:
        settings.DOCUMENT_MAX_BYTES = limit
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.document_upload(actor=dallas_officer, case=case, file=file, kind="identity")
    assert error_fields(exc.value) == {field}
    assert not Document.objects.filter(case=case).exists()
    assert stored_files(media_root) == []
    assert new_events(case, after=before) == []


def test_oversize_message_names_the_limit(settings, dallas_officer, case):
    settings.DOCUMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        services.document_upload(
            actor=dallas_officer, case=case, file=upload("g.pdf", PDF.ljust(2048, b" ")), kind="other"
        )
    message = exc.value.message_dict["file"][0]
    assert re.search(r"2[.,]0\xa0KB.*1[.,]0\xa0KB", message), message


def test_unknown_kind_is_refused(media_root, dallas_officer, case):
    with pytest.raises(ValidationError) as exc:
        services.document_upload(actor=dallas_officer, case=case, file=upload("a.pdf", PDF), kind="selfie")
    assert error_fields(exc.value) == {"kind"}
    assert stored_files(media_root) == []


def test_a_failure_after_the_file_was_written_removes_the_file(monkeypatch, media_root, dallas_officer, case):
    def broken(*args, **kwargs):
        raise RuntimeError("timeline unavailable")

    monkeypatch.setattr(events, "document_uploaded", broken)
    before = last_event_pk(case)
    with pytest.raises(RuntimeError):
        services.document_upload(actor=dallas_officer, case=case, file=upload("a.pdf", PDF), kind="other")
    assert not Document.objects.filter(case=case).exists()
    assert stored_files(media_root) == []
    assert new_events(case, after=before) == []


# --- who may upload -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, lambda: f.partner_user()],
    ids=["officer-of-another-consulate", "manager", "partner-without-referral"],
)
def test_strangers_cannot_upload(media_root, make_user, case):
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=make_user(), case=case, file=upload("a.pdf", PDF), kind="other")
    assert not Document.objects.filter(case=case).exists()
    assert stored_files(media_root) == []


def test_supervisor_and_administrator_may_upload(case):
    for actor in (f.supervisor("dallas"), f.administrator()):
        services.document_upload(actor=actor, case=case, file=upload("a.pdf", PDF), kind="other")
    assert Document.objects.filter(case=case).count() == 2


@pytest.fixture
def partner():
    return f.PartnerFactory(covers=["dallas"], services=[PartnerService.LEGAL])


@pytest.fixture
def referral(dallas_officer, case, partner):
    services.consent_record(
        actor=dallas_officer, case=case, partner=partner, scope=["identity", "custody"], method="verbal"
    )
    return services.referral_create(
        actor=dallas_officer, case=case, partner=partner, service=PartnerService.LEGAL
    )


def test_a_partner_with_an_active_referral_may_upload(media_root, case, partner, referral):
    user = f.partner_user(partner=partner)
    document = services.document_upload(
        actor=user, case=case, file=upload("escrito.pdf", PDF), kind="court", description="Moción de fianza"
    )
    stored = Document.objects.get(pk=document.pk)
    assert (stored.uploaded_by, stored.uploaded_by_partner) == (user, partner)
    event = new_events(case)[-1]
    assert (event.kind, event.actor, event.payload["partner_id"]) == ("document_uploaded", user, partner.pk)
    assert Document.objects.visible_to(user).filter(pk=document.pk).exists()
    assert len(stored_files(media_root)) == 1


def test_another_partner_user_cannot_upload_to_the_referred_case(media_root, case, referral):
    stranger = f.partner_user(partner=f.PartnerFactory(covers=["dallas"]))
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=stranger, case=case, file=upload("a.pdf", PDF), kind="other")
    assert stored_files(media_root) == []


def test_a_partner_cannot_upload_once_the_consent_is_withdrawn(
    media_root, dallas_officer, case, partner, referral
):
    user = f.partner_user(partner=partner)
    services.consent_withdraw(actor=dallas_officer, consent=referral.consent, note="La persona lo pidió")
    with pytest.raises(PermissionDenied):
        services.document_upload(actor=user, case=case, file=upload("a.pdf", PDF), kind="other")
    assert not Document.objects.filter(case=case).exists()
    assert stored_files(media_root) == []


def test_a_closed_case_refuses_uploads(media_root, dallas_officer, case):
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    with pytest.raises(ValidationError) as exc:
        services.document_upload(actor=dallas_officer, case=case, file=upload("a.pdf", PDF), kind="other")
    assert exc.value.code == "closed"
    assert not Document.objects.filter(case=case).exists()
    assert stored_files(media_root) == []
