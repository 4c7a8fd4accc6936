"""Build valid CURPs (structure and check digit as RENAPO defines them) for fictional persons."""

from __future__ import annotations

import datetime as dt

from cases.identifiers import curp_check_digit, fold

VOWELS = "AEIOU"


def _letters(text: str) -> str:
    return "".join(ch for ch in fold(text).upper() if "A" <= ch <= "Z")


def _first_internal(text: str, wanted: str, default: str = "X") -> str:
    return next((ch for ch in text[1:] if ch in wanted), default)


def curp_stem(given: str, paternal: str, maternal: str, dob: dt.date, sex: str, state: str) -> str:
    """The first 16 characters; the 17th (homonym differentiator) and 18th (check) are added after."""
    p, m, g = _letters(paternal) or "X", _letters(maternal), _letters(given.split()[0])
    consonants = "BCDFGHJKLMNPQRSTVWXYZ"
    return (
        p[0]
        + _first_internal(p, VOWELS)
        + (m[0] if m else "X")
        + g[0]
        + dob.strftime("%y%m%d")
        + sex
        + state
        + _first_internal(p, consonants)
        + (_first_internal(m, consonants) if m else "X")
        + _first_internal(g, consonants)
    )


def curp_complete(stem: str, dob: dt.date, homonym: int) -> str:
    """Add the differentiator (digit for births before 2000, letter after) and the check digit."""
    differentiator = str(homonym % 10) if dob.year < 2000 else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[homonym % 26]
    first17 = stem + differentiator
    return first17 + curp_check_digit(first17)
