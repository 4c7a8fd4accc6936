"""Real files for document uploads: a PDF written by pypdf, PNG and JPEG images written by Pillow.

The upload service parses every PDF and decodes every image in full, so test data must be the real
thing, not a few magic bytes. Images written here come back byte for byte when the service re-encodes
them (same encoder, no metadata), so ``len(...)`` and ``sha256`` of what a test uploads match what is
stored, unless the test adds EXIF on purpose."""

from __future__ import annotations

import io

from PIL import ExifTags, Image
from pypdf import PdfWriter

# A position in downtown Dallas, as a phone camera would record it.
GPS_INFO = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (32.0, 46.0, 45.0),
    ExifTags.GPS.GPSLongitudeRef: "W",
    ExifTags.GPS.GPSLongitude: (96.0, 47.0, 49.0),
}


def valid_pdf_bytes(*, pages: int = 1, title: str | None = None) -> bytes:
    """A minimal, well-formed PDF (cross-reference table, trailer, ``%%EOF``) with blank letter pages."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    if title is not None:
        writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _image(size: tuple[int, int], color, mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size, color)
    if mode in ("RGB", "RGBA"):
        # A mark in the top-left corner, so a test can tell whether a rotation was applied.
        image.paste((0, 0, 0) if mode == "RGB" else (0, 0, 0, 255), (0, 0, max(1, size[0] // 4), 2))
    return image


def exif_with(*, gps: bool = False, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Teléfono de prueba"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        exif[ExifTags.IFD.GPSInfo] = dict(GPS_INFO)
    return exif


def valid_png_bytes(
    *, size: tuple[int, int] = (8, 6), color=(30, 90, 160), mode: str = "RGB", exif: Image.Exif | None = None
) -> bytes:
    buffer = io.BytesIO()
    params = {"exif": exif} if exif is not None else {}
    _image(size, color, mode).save(buffer, "PNG", **params)
    return buffer.getvalue()


def valid_jpeg_bytes(
    *, size: tuple[int, int] = (64, 48), color=(200, 160, 120), exif: Image.Exif | None = None
) -> bytes:
    buffer = io.BytesIO()
    params = {"exif": exif} if exif is not None else {}
    _image(size, color).save(buffer, "JPEG", quality=90, **params)
    return buffer.getvalue()


def photo_with_gps_bytes(*, orientation: int | None = 6) -> bytes:
    """A phone photo: JPEG with the camera's make, a GPS position and (by default) an orientation tag
    saying "rotate 90° clockwise to display"."""
    return valid_jpeg_bytes(exif=exif_with(gps=True, orientation=orientation))
