"""A detainee list read from its file: CSV (UTF-8 with or without BOM, or Latin-1; comma, semicolon or
tab) or XLSX (the first sheet, read-only). The result is the header row and the data rows, as text.

Which column holds what is guessed from the headers (English and Spanish, case and accents ignored) and
can be corrected by the user (``mapping``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.namekeys import fold

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024

# What a column may hold: field -> its label for the mapping page.
FIELDS = {
    "full_name": gettext_lazy("Full name (SURNAMES, NAMES)"),
    "paternal_surname": gettext_lazy("Last name / paternal surname"),
    "maternal_surname": gettext_lazy("Maternal surname"),
    "given_names": gettext_lazy("First name(s)"),
    "middle_name": gettext_lazy("Middle name"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"),
    "country": gettext_lazy("Country of citizenship"),
    "a_number": gettext_lazy("A-number"),
    "curp": gettext_lazy("CURP"),
    "facility": gettext_lazy("Detention facility"),
    "book_in_date": gettext_lazy("Book-in date"),
    "state_of_birth": gettext_lazy("State of birth"),
}

# Headers as lists write them, folded (``fold``: lower case, no accents, letters and spaces only).
HEADERS: dict[str, tuple[str, ...]] = {
    "full_name": ("name", "full name", "detainee name", "nombre completo", "nombre del detenido", "detenido"),
    "paternal_surname": (
        "last name",
        "lastname",
        "surname",
        "family name",
        "last",
        "apellido",
        "apellidos",
        "apellido paterno",
        "primer apellido",
    ),
    "maternal_surname": ("apellido materno", "segundo apellido", "second last name", "mothers last name"),
    "given_names": (
        "first name",
        "firstname",
        "given name",
        "given names",
        "first",
        "nombre",
        "nombres",
        "nombre s",
    ),
    "middle_name": ("middle name", "middle", "segundo nombre"),
    "date_of_birth": (
        "dob",
        "date of birth",
        "birth date",
        "birthdate",
        "fecha de nacimiento",
        "fecha nacimiento",
        "f nacimiento",
        "nacimiento",
    ),
    "sex": ("sex", "gender", "sexo", "genero"),
    "country": (
        "country of citizenship",
        "citizenship",
        "country",
        "nationality",
        "citizenship country",
        "pais",
        "nacionalidad",
        "pais de nacionalidad",
        "pais de ciudadania",
    ),
    "a_number": (
        "a number",
        "anumber",
        "a no",
        "a",
        "alien number",
        "alien no",
        "alien registration number",
        "numero a",
        "numero de extranjero",
    ),
    "curp": ("curp",),
    "facility": (
        "facility",
        "detention facility",
        "current facility",
        "detention center",
        "location",
        "centro de detencion",
        "centro",
        "lugar de detencion",
        "instalacion",
    ),
    "book_in_date": (
        "book in date",
        "bookin date",
        "book in",
        "booking date",
        "book in dt",
        "fecha de ingreso",
        "fecha de detencion",
        "ingreso",
        "fecha de arresto",
    ),
    "state_of_birth": (
        "state of birth",
        "birth state",
        "estado de nacimiento",
        "entidad de nacimiento",
        "lugar de nacimiento",
    ),
}
_LOOKUP = {header: field for field, headers in HEADERS.items() for header in headers}
SPANISH_WORDS = frozenset(
    {
        "apellido",
        "apellidos",
        "nombre",
        "nombres",
        "fecha",
        "sexo",
        "nacimiento",
        "centro",
        "pais",
        "nacionalidad",
        "paterno",
        "materno",
    }
)


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]  # each as long as ``headers``; the first data row is row 2 of the file


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    return content.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 decodes anything


def _delimiter(text: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count)


def _csv_rows(content: bytes) -> list[list[str]]:
    text = _decode(content)
    if "\x00" in text:
        raise ValidationError({"file": _("This file is not a CSV or Excel list.")})
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    return [[_cell(value) for value in row] for row in reader]


def _xlsx_rows(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ValidationError(
            {"file": _("This Excel file could not be read. Save it again as .xlsx or CSV.")}
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in row])
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


def read_table(content: bytes) -> Table:
    """The file's header row and data rows (blank rows dropped). Raises a ``file`` error for a file that
    is empty, unreadable or too long."""
    if not content:
        raise ValidationError({"file": _("The file is empty.")})
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB. Split the list in parts.")})
    rows = _xlsx_rows(content) if is_xlsx(content) else _csv_rows(content)
    rows = [row for row in rows if any(value for value in row)]
    if len(rows) < 2:
        raise ValidationError({"file": _("The file has no rows below its header row.")})
    if len(rows) - 1 > MAX_ROWS:
        raise ValidationError(
            {"file": _("The list has more than %(max)s rows. Split it in parts.") % {"max": f"{MAX_ROWS:,}"}}
        )
    headers = rows[0]
    width = max(len(row) for row in rows)
    headers = headers + [""] * (width - len(headers))
    data = [row + [""] * (width - len(row)) for row in rows[1:]]
    return Table(headers=headers, rows=data)


def header_key(header: str) -> str:
    return fold(header.replace("-", " ").replace("_", " ").replace("#", " ").replace(".", " "))


def guess_mapping(headers: list[str]) -> dict[str, int]:
    """Field -> column index, for the headers recognised (the first column wins a field)."""
    mapping: dict[str, int] = {}
    for index, header in enumerate(headers):
        field = _LOOKUP.get(header_key(header))
        if field and field not in mapping:
            mapping[field] = index
    # One "Name" column beside a "Last Name" column holds the given names.
    if "full_name" in mapping and "paternal_surname" in mapping and "given_names" not in mapping:
        mapping["given_names"] = mapping.pop("full_name")
    return mapping


def guess_language(headers: list[str]) -> str:
    """``es`` when the headers are Spanish (dates then read day first, ``M`` is mujer), else ``en``."""
    words = {word for header in headers for word in header_key(header).split()}
    return "es" if words & SPANISH_WORDS else "en"


def mapping_errors(mapping: dict[str, int], width: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, index in mapping.items():
        if field not in FIELDS or not isinstance(index, int) or not 0 <= index < width:
            errors.setdefault("mapping", []).append(_("A column was chosen that the file does not have."))
    has_name = "full_name" in mapping or ("paternal_surname" in mapping and "given_names" in mapping)
    if not has_name:
        errors.setdefault("mapping", []).append(
            _("Choose the columns with the names: a full name, or the last name and the first name.")
        )
    used = [index for index in mapping.values()]
    if len(used) != len(set(used)):
        errors.setdefault("mapping", []).append(_("Each column can hold only one thing."))
    return errors
