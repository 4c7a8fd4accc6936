"""CURP validation and A-number normalisation (cases/identifiers.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from cases.identifiers import (
    curp_birth_date,
    curp_check_digit,
    format_a_number,
    normalize_a_number,
    validate_curp,
)
from tests.factories import make_curp

VALID = "BOXW310820HNERXN09"


def with_check_digit(first17: str) -> str:
    """A CURP whose only possible defect is in its first 17 characters (the check digit is right)."""
    return first17 + curp_check_digit(first17)


def error_code(excinfo) -> str:
    return excinfo.value.error_list[0].code


# --- CURP -----------------------------------------------------------------------------------------


def test_documented_example_is_valid():
    assert validate_curp(VALID) == VALID
    assert curp_check_digit(VALID[:17]) == "9"


def test_curp_is_normalised_to_upper_case_without_spaces():
    assert validate_curp(" boxw 310820 hnerxn09 ") == VALID


def test_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_curp("BOXW310820HNERXN08")
    assert error_code(excinfo) == "curp_check_digit"


@pytest.mark.parametrize("value", ["BOXW310820HNERXN0", "BOXW310820HNERXN091", "", "B"])
def test_wrong_length_is_refused(value):
    with pytest.raises(ValidationError) as excinfo:
        validate_curp(value)
    assert error_code(excinfo) == "curp_length"


@pytest.mark.parametrize(
    "first17",
    [
        pytest.param("BOXW310820HZZRXN0", id="unknown-state"),
        pytest.param("BOXW310820HTXRXN0", id="us-state-code"),
        pytest.param("BOXW311320HNERXN0", id="month-13"),
        pytest.param("BOXW310832HNERXN0", id="day-32"),
        pytest.param("BOXW310230HNERXN0", id="february-30"),
        pytest.param("BOXW010229HNERXN0", id="1901-not-a-leap-year"),
        pytest.param("BOXW310820QNERXN0", id="sex-Q"),
        pytest.param("BAXW310820HNERAN0", id="vowel-where-consonant-goes"),
        pytest.param("B1XW310820HNERXN0", id="digit-in-name-letters"),
    ],
)
def test_malformed_curp_with_right_check_digit_is_refused(first17):
    with pytest.raises(ValidationError) as excinfo:
        validate_curp(with_check_digit(first17))
    assert error_code(excinfo) == "curp_format"


def test_curp_with_x_in_the_sex_position_is_valid():
    """RENAPO issues CURPs with X (non-binary) in the sex position since 2023 (issue 20)."""
    assert validate_curp("BOXW310820XNERXN03") == "BOXW310820XNERXN03"
    assert validate_curp("boxw310820xnerxn03") == "BOXW310820XNERXN03"


def test_curp_with_x_still_has_its_check_digit_verified():
    with pytest.raises(ValidationError) as excinfo:
        validate_curp("BOXW310820XNERXN04")
    assert error_code(excinfo) == "curp_check_digit"


def test_leap_day_is_a_real_date():
    curp = with_check_digit("BOXW000229HNERXNA")
    assert validate_curp(curp) == curp
    assert curp_birth_date(curp) == dt.date(2000, 2, 29)


@pytest.mark.parametrize(
    ("homonym", "year"),
    [("0", 1931), ("A", 2031)],
)
def test_century_comes_from_the_homonym_character(homonym, year):
    assert curp_birth_date(with_check_digit(f"BOXW310820HNERXN{homonym}")) == dt.date(year, 8, 20)


@given(
    dob=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)),
    sex=st.sampled_from("HMX"),
)
def test_factory_curps_are_valid_and_encode_their_birth_date(dob, sex):
    curp = make_curp(date_of_birth=dob, sex=sex)
    assert validate_curp(curp) == curp
    assert curp_birth_date(curp) == dob
    assert curp[10] == sex


# --- A-number -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A12345678", "012345678"),
        ("A-123-456-789", "123456789"),
        ("123456789", "123456789"),
        ("a 123 456 789", "123456789"),
        ("  A1234567 ", "001234567"),
        ("A123.456.789", "123456789"),
    ],
)
def test_a_number_is_normalised_to_nine_digits(raw, expected):
    assert normalize_a_number(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["123456", "A123456", "1234567890", "A-123-456-7890", "A12B45678", "AB1234567", "12345678A", "", "AAAA"],
)
def test_a_number_refuses_anything_else(raw):
    with pytest.raises(ValidationError) as excinfo:
        normalize_a_number(raw)
    assert error_code(excinfo) == "a_number_format"


def test_a_number_display_format():
    assert format_a_number("012345678") == "A012-345-678"
    assert format_a_number("") == ""


SEPARATORS = st.sampled_from(["", "", "-", " ", "\t", "."])


@st.composite
def a_number_inputs(draw):
    """An A-number as people type it: optional A, 7-9 digits, dashes/spaces anywhere between."""
    digits = draw(st.text(alphabet="0123456789", min_size=7, max_size=9))
    prefix = draw(st.sampled_from(["", "A", "a"]))
    parts = [draw(SEPARATORS), prefix, draw(SEPARATORS)]
    for digit in digits:
        parts += [digit, draw(SEPARATORS)]
    return "".join(parts), digits


@given(a_number_inputs())
@example(("A-123-456-789", "123456789"))
@example(("0000000", "0000000"))
def test_normaliser_gives_the_zero_padded_digits(case):
    raw, digits = case
    normalised = normalize_a_number(raw)
    assert re.fullmatch(r"[0-9]{9}", normalised)
    assert normalised == digits.zfill(9)


@given(a_number_inputs())
def test_normaliser_is_idempotent(case):
    once = normalize_a_number(case[0])
    assert normalize_a_number(once) == once
    assert normalize_a_number(format_a_number(once)) == once


def _foreign(ch: str) -> bool:
    """A character the normaliser neither keeps (digits, a leading A) nor strips (space, dash, dot)."""
    return not (ch.isspace() or ch in "0123456789-." or ch.upper() == "A")


@given(
    a_number_inputs(),
    st.characters(codec="utf-8").filter(_foreign),
    st.integers(min_value=0),
)
def test_any_other_character_is_refused(case, intruder, where):
    raw = case[0]
    position = where % (len(raw) + 1)
    with pytest.raises(ValidationError):
        normalize_a_number(raw[:position] + intruder + raw[position:])


@given(st.text(alphabet="0123456789", min_size=0, max_size=20).filter(lambda s: not 7 <= len(s) <= 9))
def test_too_few_or_too_many_digits_are_refused(digits):
    with pytest.raises(ValidationError):
        normalize_a_number("A" + digits)
