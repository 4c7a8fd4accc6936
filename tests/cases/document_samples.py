"""Hostile and awkward uploads for the document tests: the four files of the security review (issue 15,
item 8) and the variants a careful attacker would try next. Built in code, never stored as fixtures."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from tests.factories.documents import valid_jpeg_bytes, valid_pdf_bytes

HTML = (
    b"<!DOCTYPE html><html><body><script>fetch('/api/v1/cases/').then(r=>r.text())</script></body></html>\n"
)
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)">'
    b"<script>alert(document.cookie)</script></svg>\n"
)
BATCH = b"\r\n@echo off\r\npowershell -enc SQBFAFgA\r\n"

# The review's three files, as it sent them: a signature, then something else entirely.
PDF_THEN_HTML = b"%PDF-1.4\n" + HTML
PNG_THEN_SVG = b"\x89PNG\r\n\x1a\n" + SVG
PDF_THEN_BATCH = b"%PDF-1.4" + BATCH


def upload(name: str, content: bytes, declared: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=declared)


def _pdf(build) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    build(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript, run by a reader when the file opens."""
    return _pdf(lambda w: w.add_open_action(JavaScript("app.alert('hola');")))


def pdf_with_page_javascript() -> bytes:
    """JavaScript in the first page's additional actions (a direct dictionary, not an object)."""

    def build(writer: PdfWriter) -> None:
        action = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
        )
        writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})

    return _pdf(build)


def pdf_with_attachment() -> bytes:
    return _pdf(lambda w: w.add_attachment("factura.exe", b"MZ\x90\x00 not really a program"))


def pdf_with_launch_action() -> bytes:
    def build(writer: PdfWriter) -> None:
        action = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    return _pdf(build)


def pdf_with_password(*, user_password: str) -> bytes:
    return _pdf(lambda w: w.encrypt(user_password, owner_password="propietario", algorithm="AES-128"))


def hand_made_pdf(*, comment: bytes = b"", title: bytes = b"Aviso") -> bytes:
    """A one-page PDF assembled byte by byte (correct cross-reference offsets), so that a test can put
    raw bytes where a PDF library would escape them: a comment after the header, an Info string."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>",
        b"<< /Title (" + title + b") >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + (b"%" + comment + b"\n" if comment else b""))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_with_two_revisions() -> bytes:
    """An incremental update (what signing or filling a form in a reader writes): two ``%%EOF``."""
    first = valid_pdf_bytes()
    writer = PdfWriter(io.BytesIO(first), incremental=True)
    writer.add_metadata({"/Title": "Aviso de audiencia"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def truncated(content: bytes, keep: float = 0.6) -> bytes:
    return content[: int(len(content) * keep)]


def noisy_png(size=(64, 64)) -> bytes:
    """An image whose pixel data does not compress: cutting it short really loses pixels."""
    image = Image.frombytes("RGB", size, random.Random(15).randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_with_bad_checksum() -> bytes:
    """One bit of the pixel data flipped after the file was written: its chunk checksum no longer
    matches."""
    data = bytearray(noisy_png())
    data[data.index(b"IDAT") + 40] ^= 0x01
    return bytes(data)


def noisy_jpeg(size=(64, 64)) -> bytes:
    image = Image.open(io.BytesIO(noisy_png(size)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def huge_png(side: int = 8000) -> bytes:
    """64 million pixels in a few kilobytes: a decompression bomb."""
    buffer = io.BytesIO()
    Image.new("1", (side, side), 0).save(buffer, "PNG")
    return buffer.getvalue()


def multi_picture_jpeg() -> bytes:
    """What many phones write: a JPEG with a second picture (preview, depth or gain map) after it."""
    first = Image.new("RGB", (64, 48), (10, 120, 40))
    second = Image.new("RGB", (32, 24), (240, 240, 240))
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second])
    return buffer.getvalue()


def jpeg_with_camera_trailer() -> bytes:
    """Binary data after the end of the picture, as some cameras append (no markup in it)."""
    return valid_jpeg_bytes() + b"\x00\x01SEFH" + bytes(range(200)) + b"Image_UTC_Data1700000000000SEFT"
