"""What an uploaded file really is: the whole file is checked, never only its first bytes.

``inspect_upload(data)`` returns the bytes to store and their type, or raises a ``ValidationError`` on
the ``file`` field saying why, in the uploader's language. The allowed types are those of
``SIGNATURES`` (PDF, JPEG, PNG); the uploader's file name and declared type play no part.

* PDF: nothing but whitespace after the final ``%%EOF``; no web-page or script markup outside the
  streams (in comments, metadata strings, between objects); parsed by pypdf in strict mode, every
  object reachable from the trailer read; refused when it needs a password to open, or holds
  JavaScript, launch/import actions, attached files, XFA forms or rich media. Stored as sent (rewriting
  a PDF would break its signatures).
* JPEG and PNG: the structure walked to its end marker (PNG chunk checksums included); no markup in
  the metadata; nothing after a PNG's ``IEND``; after a JPEG's EOI no markup (phones append second
  pictures and trailers there: dropped, not refused); the pixel count capped before decoding
  (``DOCUMENT_MAX_PIXELS`` and Pillow's ``Image.MAX_IMAGE_PIXELS``); decoded in full; then re-encoded
  in the same format with the EXIF orientation applied and no metadata at all (EXIF with its GPS
  position, XMP, comments, colour profiles, text chunks). The re-encoded bytes are what is stored.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, JpegImagePlugin
from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# The first bytes of each allowed type. The name and the browser's declared type are not trusted.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
LABELS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}

PDF_MAX_OBJECTS = 200_000  # a bound on the work one upload may cause
PDF_WHITESPACE = b"\x00\t\n\x0c\r "  # the PDF standard's white-space characters

# Web-page and script markup: a browser that was tricked into rendering the file would run it. Tags
# are followed by a delimiter so that random binary data (compressed, encrypted) rarely matches.
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|svg|iframe|object|embed|meta|foreignobject)[\s>/]",
    re.IGNORECASE,
)
PDF_STREAM_START = re.compile(rb"\bstream(?:\r\n|\n|\r)")
# Actions a reader would run: scripts, programs, data imports, rich media.
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
# Keys that carry scripts or other files: a script, the document's scripts, attached files, XFA forms.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMediaContent"}
PDF_ACTIVE_TYPES = {"/EmbeddedFile", "/RichMedia"}


# Why a file is refused, said to the uploader: what is wrong and what to do, never the file's name.
REFUSALS = {
    "not_allowed": _("Only PDF, JPEG and PNG files can be uploaded; this file is none of them."),
    "unreadable": _(
        "This %(kind)s file cannot be read: it is damaged, incomplete or not really a %(kind)s. "
        "Save, export or scan it again and upload the new file."
    ),
    "hidden_content": _(
        "This file contains web-page or script code besides the %(kind)s, so it cannot be uploaded."
    ),
    "trailing_data": _(
        "This file has extra data after the end of the %(kind)s. Save, export or scan it again and "
        "upload the new file."
    ),
    "active_content": _(
        "This PDF contains scripts, attached files or actions that open other programs. Print it to a "
        "new PDF (or scan it) and upload that instead."
    ),
    "encrypted": _("This PDF is protected with a password. Remove the password and upload it again."),
    "too_many_pixels": _(
        "This image is too large to process (more than %(limit)s megapixels). Reduce its resolution and "
        "upload it again."
    ),
}


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    content_type: str

    @property
    def size(self) -> int:
        return len(self.content)


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def inspect_upload(data: bytes) -> CheckedFile:
    """The file as it will be stored, or a ``ValidationError`` on ``file``."""
    content_type = sniff_content_type(data[:16])
    if content_type is None:
        raise _refused("not_allowed")
    if content_type == "application/pdf":
        _check_pdf(data)
        return CheckedFile(data, content_type)
    return CheckedFile(_reencoded_image(data, content_type), content_type)


# --- refusals ---------------------------------------------------------------------------------------


def _refused(code: str, content_type: str | None = None) -> ValidationError:
    values = {"kind": LABELS.get(content_type or "", ""), "limit": _max_pixels() // 1_000_000}
    return ValidationError({"file": [ValidationError(str(REFUSALS[code]) % values, code=code)]})


def _hidden_or(code: str, content_type: str, data: bytes) -> ValidationError:
    """A broken file that carries markup is refused for the markup: that is what the uploader should
    hear about."""
    return _refused("hidden_content" if MARKUP.search(data) else code, content_type)


# --- PDF ------------------------------------------------------------------------------------------


def _check_pdf(data: bytes) -> None:
    kind = "application/pdf"
    end = data.rfind(b"%%EOF")
    if end < 0:
        raise _hidden_or("unreadable", kind, data)
    if data[end + 5 :].strip(PDF_WHITESPACE):
        raise _hidden_or("trailing_data", kind, data[end + 5 :])
    if MARKUP.search(_outside_streams(data[:end])):
        raise _refused("hidden_content", kind)
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise _refused("encrypted", kind)
        if len(reader.pages) < 1:
            raise _refused("unreadable", kind)
        active = _pdf_has_active_content(reader)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 -- a malformed file can make the parser fail in any way
        raise _refused("unreadable", kind) from exc
    if active:
        raise _refused("active_content", kind)


def _outside_streams(data: bytes) -> bytes:
    """The PDF's syntax without the contents of its streams (compressed page contents, images, fonts),
    where markup-like bytes can occur by chance. One pass: never quadratic, whatever the input."""
    parts, position = [], 0
    while (start := PDF_STREAM_START.search(data, position)) is not None:
        parts.append(data[position : start.start()])
        end = data.find(b"endstream", start.end())
        if end < 0:  # a stream that never ends: the parser refuses the file
            return b" ".join(parts)
        position = end + len(b"endstream")
    parts.append(data[position:])
    return b" ".join(parts)


def _pdf_has_active_content(reader: PdfReader) -> bool:
    """Read every object reachable from the trailer (so a broken reference refuses the file) and look
    for scripts, launch actions and attached files, wherever they hang: catalogue, pages, annotations,
    form fields, outlines."""
    seen: set[tuple[int, int]] = set()
    pending: list = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > PDF_MAX_OBJECTS:
                raise ValueError("too many objects")
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            if _is_active(item):
                return True
            pending.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            pending.extend(list.__iter__(item))
    return False


def _is_active(dictionary: DictionaryObject) -> bool:
    if PDF_ACTIVE_KEYS.intersection(dict.keys(dictionary)):
        return True
    action = _resolved(dictionary, "/S")
    if isinstance(action, str) and action in PDF_ACTIVE_ACTIONS:
        return True
    if action == "/URI" and str(_resolved(dictionary, "/URI")).strip().lower().startswith("javascript:"):
        return True
    kinds = (_resolved(dictionary, "/Type"), _resolved(dictionary, "/Subtype"))
    return any(isinstance(kind, str) and kind in PDF_ACTIVE_TYPES for kind in kinds)


def _resolved(dictionary: DictionaryObject, key: str):
    value = dict.get(dictionary, key)
    return value.get_object() if isinstance(value, IndirectObject) else value


# --- images -----------------------------------------------------------------------------------------


def _max_pixels() -> int:
    limits = [settings.DOCUMENT_MAX_PIXELS, Image.MAX_IMAGE_PIXELS]
    return min(limit for limit in limits if limit)


def _reencoded_image(data: bytes, content_type: str) -> bytes:
    walk = _walk_png if content_type == "image/png" else _walk_jpeg
    try:
        metadata, trailer = walk(data)
    except (ValueError, IndexError, struct.error) as exc:
        raise _hidden_or("unreadable", content_type, data) from exc
    if MARKUP.search(metadata) or MARKUP.search(trailer):
        raise _refused("hidden_content", content_type)
    if trailer and content_type == "image/png":
        raise _refused("trailing_data", content_type)
    return _decode_and_encode(data, content_type)


def _walk_png(data: bytes) -> tuple[bytes, bytes]:
    """(the bytes of every chunk but the pixel data, whatever follows ``IEND``); ``ValueError`` when a
    chunk is cut short or its checksum is wrong."""
    position, metadata = 8, []
    while True:
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        (checksum,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        if len(body) != length or zlib.crc32(kind + body) != checksum:
            raise ValueError("broken chunk")
        if kind not in (b"IDAT", b"fdAT"):
            metadata.append(body)
        position += 12 + length
        if kind == b"IEND":
            return b"".join(metadata), data[position:]


JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")  # a marker, not stuffing or a restart


def _walk_jpeg(data: bytes) -> tuple[bytes, bytes]:
    """(every marker segment but the compressed scans, whatever follows the end-of-image marker)."""
    position, metadata = 2, []
    while True:
        if data[position] != 0xFF:
            raise ValueError("not a marker")
        while data[position + 1] == 0xFF:  # fill bytes
            position += 1
        marker = data[position + 1]
        if marker == 0xD9:  # end of image
            return b"".join(metadata), data[position + 2 :]
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # restart markers and TEM stand alone
            position += 2
            continue
        if marker == 0xD8:
            raise ValueError("a second start of image")
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if length < 2 or position + 2 + length > len(data):
            raise ValueError("segment cut short")
        metadata.append(data[position + 4 : position + 2 + length])
        position += 2 + length
        if marker == 0xDA:  # start of scan: compressed data runs to the next marker
            found = JPEG_MARKER.search(data, position)
            if found is None:
                raise ValueError("scan without an end")
            position = found.start()


def _decode_and_encode(data: bytes, content_type: str) -> bytes:
    expected = {"image/png": ("PNG", {"PNG"}), "image/jpeg": ("JPEG", {"JPEG", "MPO"})}
    format_name, accepted = expected[content_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[format_name])
            if image.format not in accepted:
                raise _refused("unreadable", content_type)
            if image.width * image.height > _max_pixels():
                raise _refused("too_many_pixels", content_type)
            image.load()
            return _encode(image, format_name)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refused("too_many_pixels", content_type) from exc
    except Exception as exc:  # noqa: BLE001 -- a malformed image can make a decoder fail in any way
        raise _refused("unreadable", content_type) from exc


def _encode(image: Image.Image, format_name: str) -> bytes:
    """Only the pixels, turned upright (and a PNG's transparency, a JPEG's quality tables): no EXIF,
    XMP, ICC profile, comments or text chunks."""
    options: dict = {}
    if format_name == "PNG":
        if image.info.get("transparency") is not None:
            options["transparency"] = image.info["transparency"]
    else:
        options["qtables"] = image.quantization  # the same quality as the camera's file
        sampling = JpegImagePlugin.get_sampling(image)
        if sampling != -1:
            options["subsampling"] = sampling
    ImageOps.exif_transpose(image, in_place=True)  # no copy: a big photo is decoded once
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, format_name, **options)
    return buffer.getvalue()
