"""CSV and XLSX exports: the filters at the top of the file, then the report's table as the dashboard
computes it."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse

from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield b.build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def manager_client(client, world):
    login_verified(client, world.users["manager"])
    return client


def _query(world):
    return {"start": b.START.isoformat(), "end": b.END.isoformat(), "consulate": world.el_paso.pk}


def _params(world):
    return ReportParams(start=b.START, end=b.END, consulate_id=world.el_paso.pk)


def _header_values(report, world):
    """The filter values the file must carry, whatever language the labels are in."""
    return [value for _label, value in _params(world).as_header()]


def _cell(value):
    return "" if value is None else str(value)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_csv(manager_client, world, name):
    response = manager_client.get(reverse("reports:export", args=[name, "csv"]), _query(world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{name}-{b.START}-{b.END}.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    report = REPORTS[name](world.users["manager"], _params(world))
    assert lines[0] == [report.title]
    header = lines[1:4]
    assert [value for _label, value in header] == _header_values(report, world)
    assert header[0][1] == "2025-01-06"
    assert header[1][1] == "2025-02-23"
    assert "El Paso" in header[2][1]
    columns = [label for _key, label in report.columns]
    start = lines.index(columns)
    assert lines[start - 1] == []  # a blank line between the header and the table
    table = lines[start + 1 :]
    assert table == [[_cell(row.get(key)) for key, _label in report.columns] for row in report.rows]
    assert report.rows == b.EXPECTED[name](world, "el_paso")
    if name != "vulnerable_open":
        assert len(table) == len(b.EXPECTED[name](world, "el_paso"))


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_xlsx(manager_client, world, name):
    response = manager_client.get(reverse("reports:export", args=[name, "xlsx"]), _query(world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [name]
    report = REPORTS[name](world.users["manager"], _params(world))
    _check_sheet(workbook[name], report, world)


def _check_sheet(sheet, report, world):
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == report.title
    assert [row[1] for row in values[1:4]] == _header_values(report, world)
    columns = [label for _key, label in report.columns]
    start = next(i for i, row in enumerate(values) if list(row[: len(columns)]) == columns)
    table = [list(row[: len(columns)]) for row in values[start + 1 :]]
    assert table == [[row.get(key) for key, _label in report.columns] for row in report.rows]


def test_all_reports_in_one_workbook(manager_client, world):
    response = manager_client.get(reverse("reports:export", args=["all", "xlsx"]), _query(world))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == list(REPORTS)
    for name, function in REPORTS.items():
        _check_sheet(workbook[name], function(world.users["manager"], _params(world)), world)


def test_all_as_csv_does_not_exist(manager_client, world):
    assert manager_client.get(reverse("reports:export", args=["all", "csv"])).status_code == 404
    assert manager_client.get("/reports/nothing_like_this.csv").status_code == 404


def test_an_officers_export_names_their_own_consulate(client, world):
    login_verified(client, world.users["officer_a"])
    response = client.get(reverse("reports:export", args=["open_cases", "csv"]), _query(world))
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "Dallas" in lines[3][1]
    columns = [
        label for _key, label in REPORTS["open_cases"](world.users["officer_a"], _params(world)).columns
    ]
    assert [row[0] for row in lines[lines.index(columns) + 1 :]] == ["Dallas"]


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2025-02-30", "end": "2025-03-01"},
        {"start": "2025-03-01", "end": "2025-02-01"},
        {"start": "2020-01-01", "end": "2025-01-01"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "9999-12-30", "end": "9999-12-31"},
    ],
)
def test_invalid_dates_are_a_400_with_the_form_error(manager_client, world, query):
    for url in (
        reverse("reports:export", args=["open_cases", "csv"]),
        reverse("reports:export", args=["all", "xlsx"]),
        reverse("reports:dashboard"),
    ):
        response = manager_client.get(url, query)
        if url == reverse("reports:dashboard"):
            assert response.status_code == 200  # the page, with the error and no reports
            assert response.context["sections"] == []
        else:
            assert response.status_code == 400
        form = response.context["form"]
        assert form.errors
        assert set(form.errors) <= {"start", "end"}
        assert b'class="errornote"' in response.content or b"errorlist" in response.content


def test_a_missing_date_takes_its_default(manager_client, world):
    response = manager_client.get(reverse("reports:dashboard"), {"consulate": world.dallas.pk})
    assert response.status_code == 200
    assert response.context["sections"]
    assert not response.context["form"].errors
