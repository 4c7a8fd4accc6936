"""Mexican and US identifiers: CURP (with its check digit) and the USCIS A-number.

Rules from consulates/data/network_facts.json ``identifiers`` (python-stdnum's CURP algorithm). The sex
letter (11th character) is H, M or X: RENAPO issues CURPs with X (non-binary) since 2023 (issue 20).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CURP_STATES = {
    "AS": "Aguascalientes",
    "BC": "Baja California",
    "BS": "Baja California Sur",
    "CC": "Campeche",
    "CL": "Coahuila",
    "CM": "Colima",
    "CS": "Chiapas",
    "CH": "Chihuahua",
    "DF": "Ciudad de México",
    "DG": "Durango",
    "GT": "Guanajuato",
    "GR": "Guerrero",
    "HG": "Hidalgo",
    "JC": "Jalisco",
    "MC": "Estado de México",
    "MN": "Michoacán",
    "MS": "Morelos",
    "NT": "Nayarit",
    "NL": "Nuevo León",
    "OC": "Oaxaca",
    "PL": "Puebla",
    "QT": "Querétaro",
    "QR": "Quintana Roo",
    "SP": "San Luis Potosí",
    "SL": "Sinaloa",
    "SR": "Sonora",
    "TC": "Tabasco",
    "TS": "Tamaulipas",
    "TL": "Tlaxcala",
    "VZ": "Veracruz",
    "YN": "Yucatán",
    "ZS": "Zacatecas",
    "NE": "Nacido en el extranjero",
}

_CURP_RE = re.compile(
    r"^[A-Z][AEIOUX][A-Z]{2}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[HMX]"
    r"(" + "|".join(CURP_STATES) + r")[B-DF-HJ-NP-TV-Z]{3}[0-9A-Z][0-9]$"
)
_CURP_ALPHABET = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ"


def curp_check_digit(first17: str) -> str:
    total = sum(_CURP_ALPHABET.index(ch) * (18 - i) for i, ch in enumerate(first17.replace("Ñ", "&")))
    return str((10 - total % 10) % 10)


def normalize_curp(value: str) -> str:
    return re.sub(r"\s+", "", value or "").upper()


def curp_birth_date(curp: str) -> dt.date | None:
    """The birth date encoded in a CURP (century from the homonym character), if it is a real date."""
    century = 1900 if curp[16].isdigit() else 2000
    try:
        return dt.date(century + int(curp[4:6]), int(curp[6:8]), int(curp[8:10]))
    except ValueError:
        return None


def validate_curp(value: str) -> str:
    """Return the normalised CURP or raise a field error that says what is wrong."""
    curp = normalize_curp(value)
    if len(curp) != 18:
        raise ValidationError(
            _("A CURP has 18 characters; this one has %(count)d."),
            code="curp_length",
            params={"count": len(curp)},
        )
    if not _CURP_RE.match(curp) or curp_birth_date(curp) is None:
        raise ValidationError(
            _("This is not a valid CURP: check letters, birth date, sex and state."), code="curp_format"
        )
    if curp_check_digit(curp[:17]) != curp[17]:
        raise ValidationError(
            _("The CURP's check digit does not match; check it was copied correctly."),
            code="curp_check_digit",
        )
    return curp


# The sex letters a CURP may carry and how an error names them (the same letters as ``Person.sex``).
CURP_SEX_LETTERS = {"H": _("H (male)"), "M": _("M (female)"), "X": _("X (non-binary)")}


def check_curp_sex(curp: str, sex: str) -> None:
    """A CURP's sex letter must agree with the person's recorded sex (when one is recorded): a field
    error on the CURP that names both."""
    if sex in CURP_SEX_LETTERS and curp and len(curp) > 10 and curp[10] != sex:
        raise ValidationError(
            _(
                "The CURP has %(letter)s in the sex position but the sex recorded is %(sex)s; "
                "correct whichever is wrong."
            ),
            code="curp_sex",
            params={
                "letter": CURP_SEX_LETTERS.get(curp[10], curp[10]),
                "sex": CURP_SEX_LETTERS.get(sex, sex),
            },
        )


_A_NUMBER_INPUT = re.compile(r"^A?[0-9]{7,9}$")


def normalize_a_number(value: str) -> str:
    """``A12345678``, ``A-123-456-789`` or ``123456789`` -> nine digits (``012345678``).

    Raises a field error for anything that is not an A-number of 7 to 9 digits.
    """
    compact = re.sub(r"[\s\-.]", "", value or "").upper()
    if not _A_NUMBER_INPUT.match(compact):
        raise ValidationError(
            _("An A-number is an optional A followed by 7 to 9 digits, e.g. A-123-456-789."),
            code="a_number_format",
        )
    return compact.lstrip("A").zfill(9)


def canonical_a_number(value: str) -> str:
    """The nine-digit form for the blind index; a value that is no A-number is indexed as typed, compacted
    (stored values always pass ``normalize_a_number``: only old or hand-made rows could differ)."""
    try:
        return normalize_a_number(value)
    except ValidationError:
        return re.sub(r"[\s\-.]", "", value or "").upper()


def format_a_number(digits: str) -> str:
    return f"A{digits[:3]}-{digits[3:6]}-{digits[6:]}" if digits else ""


def fold(text: str) -> str:
    """Lower-case and strip accents, as the database's ``f_unaccent(lower(...))`` does for names."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()
