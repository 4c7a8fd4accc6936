"""Reading detainee lists: encodings, separators, XLSX, headers in English and Spanish; names, dates and
sex as lists write them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from intake.imports import reading
from intake.imports.rows import (
    FacilityIndex,
    capitalise,
    guess_day_first,
    parse_date,
    parse_row,
    split_surnames,
)

ICE_HEADERS = [
    "A-Number",
    "Last Name",
    "First Name",
    "Middle Name",
    "DOB",
    "Gender",
    "Country of Citizenship",
    "Facility",
    "Book-In Date",
]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "A-Number,Last Name,First Name\nA123456789,GARCÍA,JOSÉ\n".encode(),
            ["A123456789", "GARCÍA", "JOSÉ"],
        ),
        (
            "\ufeffA-Number;Last Name;First Name\nA123456789;GARCÍA;JOSÉ\n".encode(),
            ["A123456789", "GARCÍA", "JOSÉ"],
        ),
        (
            "A-Number\tLast Name\tFirst Name\r\nA123456789\tGARCÍA\tJOSÉ\r\n".encode("latin-1"),
            ["A123456789", "GARCÍA", "JOSÉ"],
        ),
    ],
    ids=["utf8-comma", "bom-semicolon", "latin1-tab"],
)
def test_csv_encodings_and_separators(content, expected):
    table = reading.read_table(content)
    assert table.headers == ["A-Number", "Last Name", "First Name"]
    assert table.rows == [expected]


def test_xlsx_first_sheet_with_real_dates():
    book = Workbook()
    sheet = book.active
    sheet.append(["Apellido paterno", "Nombre(s)", "Fecha de nacimiento"])
    sheet.append(["Pérez", "Ana", dt.datetime(1990, 3, 4)])  # noqa: DTZ001 - a spreadsheet cell has no zone
    sheet.append([None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    table = reading.read_table(buffer.getvalue())
    assert table.rows == [["Pérez", "Ana", "1990-03-04"]]


@pytest.mark.parametrize("content", [b"", b"Last Name,First Name\n", b"PK\x03\x04broken"])
def test_unreadable_files_say_so(content):
    with pytest.raises(ValidationError) as caught:
        reading.read_table(content)
    assert "file" in caught.value.message_dict


def test_headers_recognised_in_english_and_spanish():
    assert reading.guess_mapping(ICE_HEADERS) == {
        "a_number": 0,
        "paternal_surname": 1,
        "given_names": 2,
        "middle_name": 3,
        "date_of_birth": 4,
        "sex": 5,
        "country": 6,
        "facility": 7,
        "book_in_date": 8,
    }
    spanish = [
        "APELLIDO PATERNO",
        "Apellido materno",
        "Nombre(s)",
        "Fecha de Nacimiento",
        "SEXO",
        "CURP",
        "Centro de detención",
        "Alien Number",
    ]
    assert reading.guess_mapping(spanish) == {
        "paternal_surname": 0,
        "maternal_surname": 1,
        "given_names": 2,
        "date_of_birth": 3,
        "sex": 4,
        "curp": 5,
        "facility": 6,
        "a_number": 7,
    }
    assert reading.guess_language(spanish) == "es"
    assert reading.guess_language(ICE_HEADERS) == "en"


def test_mapping_needs_the_names():
    assert reading.mapping_errors({"date_of_birth": 0}, 3)["mapping"]
    assert reading.mapping_errors({"full_name": 0, "sex": 0}, 3)["mapping"]  # one column, two things
    assert reading.mapping_errors({"full_name": 0}, 3) == {}


def test_names_as_ice_writes_them():
    assert split_surnames("GARCIA LOPEZ") == ("GARCIA", "LOPEZ")
    assert split_surnames("GARCIA DE LA CRUZ") == ("GARCIA", "DE LA CRUZ")
    assert split_surnames("DE LA CRUZ") == ("DE LA CRUZ", "")
    assert capitalise("MARÍA DE LOS ÁNGELES") == "María de los Ángeles"
    facilities = FacilityIndex([])
    row = parse_row(
        2,
        {"full_name": "HERNANDEZ LOPEZ, JUAN CARLOS"},
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert (row.given_names, row.paternal_surname, row.maternal_surname) == (
        "Juan Carlos",
        "Hernandez",
        "Lopez",
    )
    assert row.written == ("JUAN CARLOS", "HERNANDEZ LOPEZ", "")


def test_dates_in_the_common_formats():
    assert parse_date("03/04/1990", day_first=False) == dt.date(1990, 3, 4)
    assert parse_date("03/04/1990", day_first=True) == dt.date(1990, 4, 3)
    assert parse_date("25/12/1990", day_first=False) == dt.date(1990, 12, 25)
    assert parse_date("1990-12-25", day_first=True) == dt.date(1990, 12, 25)
    assert parse_date("12-MAR-1990", day_first=False) == dt.date(1990, 3, 12)
    assert parse_date("12-ENE-1990", day_first=False) == dt.date(1990, 1, 12)
    with pytest.raises(ValueError, match="day"):
        parse_date("31/02/1990", day_first=True)
    assert guess_day_first(["01/02/1990", "13/02/1991"], language="en") is True
    assert guess_day_first(["01/02/1990", "02/13/1991"], language="es") is False
    assert guess_day_first(["01/02/1990"], language="es") is True


def test_row_validation_and_nationality():
    facilities = FacilityIndex([(7, "Prairieland Detention Center")])
    row = parse_row(
        3,
        {
            "paternal_surname": "GOMEZ",
            "given_names": "ANA",
            "sex": "F",
            "date_of_birth": "02/30/1990",
            "a_number": "A12",
            "curp": "XXXX",
            "facility": "PRAIRIELAND DETENTION CENTER",
        },
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert set(row.errors) == {"date_of_birth", "a_number", "curp"}
    assert row.sex == "M"
    assert row.facility_id == 7
    skipped = parse_row(
        4,
        {"paternal_surname": "LOPEZ", "given_names": "LUIS", "country": "GUATEMALA"},
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert skipped.skip
    assert not skipped.importable
    male = parse_row(
        5,
        {
            "paternal_surname": "LOPEZ",
            "given_names": "LUIS",
            "sex": "M",
            "country": "MEXICO",
            "facility": "Unknown County Jail",
        },
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert male.sex == "H"
    assert male.importable
    assert male.warnings
    mujer = parse_row(
        6,
        {"paternal_surname": "LOPEZ", "given_names": "LUISA", "sex": "M"},
        facilities=facilities,
        language="es",
        day_first=True,
    )
    assert mujer.sex == "M"


def test_a_row_with_a_curp_with_x_reads_as_non_binary():
    facilities = FacilityIndex([])
    values = {"paternal_surname": "BOXER", "given_names": "WENDY", "date_of_birth": "08/20/1931"}
    row = parse_row(
        2,
        {**values, "sex": "X", "curp": "BOXW310820XNERXN03"},
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert not row.errors
    assert (row.sex, row.curp) == ("X", "BOXW310820XNERXN03")
    disagreeing = parse_row(
        3,
        {**values, "sex": "F", "curp": "BOXW310820XNERXN03"},
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert set(disagreeing.errors) == {"curp"}
    assert not disagreeing.importable
    wrong_digit = parse_row(
        4,
        {**values, "sex": "X", "curp": "BOXW310820XNERXN04"},
        facilities=facilities,
        language="en",
        day_first=False,
    )
    assert set(wrong_digit.errors) == {"curp"}
