"""CSV and XLSX exports: the filters at the top of the file, then the report's table as the dashboard
computes it."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from cases.models import AccessLog
from cases.models.access import AccessAction
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield b.build()


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


def _xlsx_value(value):
    """What a spreadsheet reads back: a date written as ISO text is a real date cell."""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
    return value


def sheet_name(report) -> str:
    """A report's sheet: its title in the user's language (a sheet's name has at most 31 characters)."""
    return str(report.title)[:31]


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
    header = lines[1:5]
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
    report = REPORTS[name](world.users["manager"], _params(world))
    assert workbook.sheetnames == [sheet_name(report)]
    assert name not in workbook.sheetnames or name == sheet_name(report)
    _check_sheet(workbook[sheet_name(report)], report, world)


def _check_sheet(sheet, report, world):
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == report.title
    assert [row[1] for row in values[1:5]] == [_xlsx_value(v) for v in _header_values(report, world)]
    columns = [label for _key, label in report.columns]
    start = next(i for i, row in enumerate(values) if list(row[: len(columns)]) == columns)
    table = [list(row[: len(columns)]) for row in values[start + 1 :]]
    assert table == [[_xlsx_value(row.get(key)) for key, _label in report.columns] for row in report.rows]
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, dt.datetime):
                assert cell.number_format in ("dd/mm/yyyy", "yyyy-mm-dd")


def test_all_reports_in_one_workbook(manager_client, world):
    response = manager_client.get(reverse("reports:export", args=["all", "xlsx"]), _query(world))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    reports = [function(world.users["manager"], _params(world)) for function in REPORTS.values()]
    assert workbook.sheetnames == [sheet_name(report) for report in reports]
    for report in reports:
        _check_sheet(workbook[sheet_name(report)], report, world)


def test_all_as_csv_does_not_exist(manager_client, world):
    assert manager_client.get(reverse("reports:export", args=["all", "csv"])).status_code == 404
    assert manager_client.get("/reports/nothing_like_this.csv").status_code == 404


def test_an_officers_export_names_their_own_consulate(client, world):
    _grant_export(world.users["officer_a"])
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


# --- The export permission ------------------------------------------------------------------------------


def _grant_export(user, granted: bool = True) -> None:
    from consulates.models import StaffMembership

    StaffMembership.objects.filter(user=user).update(can_export=granted)


@pytest.mark.parametrize(("name", "fmt"), [("open_cases", "csv"), ("workload", "xlsx"), ("all", "xlsx")])
def test_each_export_is_logged_once_without_personal_data(manager_client, world, name, fmt):
    response = manager_client.get(
        reverse("reports:export", args=[name, fmt]), _query(world), REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 200
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1
    row = rows[0]
    assert (row.user_id, row.action, row.person_id, row.case_id, row.ip_address) == (
        world.users["manager"].pk,
        AccessAction.EXPORT,
        None,
        None,
        "192.0.2.9",
    )
    assert row.what == f"report {name}.{fmt} {b.START}..{b.END} consulate={world.el_paso.pk} operation=all"


@pytest.mark.parametrize("name", ["open_cases", "all"])
def test_without_the_permission_no_file_and_a_clear_refusal(client, world, name):
    officer = world.users["officer_a"]
    login_verified(client, officer)
    response = client.get(reverse("reports:export", args=[name, "xlsx"]), _query(world))
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/plain")
    assert "permiso de exportación" in response.content.decode()  # Spanish: the staff default
    assert AccessLog.objects.count() == 0
    _grant_export(officer)
    assert client.get(reverse("reports:export", args=[name, "xlsx"]), _query(world)).status_code == 200
    assert AccessLog.objects.filter(user=officer, action=AccessAction.EXPORT).count() == 1


def test_a_manager_whose_permission_was_taken_away_cannot_export(client, world):
    manager = world.users["manager"]
    _grant_export(manager, False)
    login_verified(client, manager)
    assert client.get(reverse("reports:export", args=["open_cases", "csv"]), _query(world)).status_code == 403


def test_the_dashboard_hides_export_links_without_the_permission(client, world):
    officer = world.users["officer_a"]
    login_verified(client, officer)
    export_url = reverse("reports:export", args=["open_cases", "csv"])
    page = client.get(reverse("reports:dashboard")).content.decode()
    assert export_url not in page
    assert reverse("reports:export", args=["all", "xlsx"]) not in page
    _grant_export(officer)
    assert export_url in client.get(reverse("reports:dashboard")).content.decode()


def test_auditors_never_export(client, world):
    from consulates.models import StaffMembership
    from tests import factories as f

    auditor = f.auditor()
    # The permission cannot even be given to an auditor (a database constraint, shown in the admin form).
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMembership.objects.filter(user=auditor).update(can_export=True)
    login_verified(client, auditor)
    assert client.get(reverse("reports:export", args=["open_cases", "csv"]), _query(world)).status_code == 403
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert AccessLog.objects.count() == 0


def test_can_export_is_the_check_for_every_export_path(world):
    from consulates.policy import can

    def can_export(user):
        return can(user, "report.export")

    from tests import factories as f

    assert can_export(world.users["manager"]) is True
    assert can_export(world.users["officer_a"]) is False
    assert can_export(f.officer("dallas", can_export=True)) is True
    assert can_export(f.administrator(can_export=False)) is False
    assert can_export(f.partner_user()) is False
    assert can_export(None) is False


def test_links_to_the_case_list_never_carry_a_search():
    """Report figures open the filtered case list by ids, statuses and flags; a search term (a name or
    identifier) would land in proxy logs, history and Referer headers, so such a link is refused."""
    from cases.reports.network import case_list_url

    assert case_list_url(consulate__id__exact=3, status__exact="open").startswith("/admin/cases/case/?")
    for name in ("q", "qs", "search", "curp", "a_number"):
        with pytest.raises(ValueError, match="cannot carry a search"):
            case_list_url(**{name: "GOAM900101MDFMVR05"})


def test_the_date_range_shows_its_default_values_on_first_load(manager_client):
    """A date input shows only an ISO value: the default range is visible before any filter is chosen."""
    response = manager_client.get(reverse("reports:dashboard"))
    defaults = ReportParams.default()
    html = response.content.decode()
    assert f'name="start" value="{defaults.start.isoformat()}"' in html
    assert f'name="end" value="{defaults.end.isoformat()}"' in html


def test_the_dashboard_writes_weeks_in_the_readers_form(manager_client):
    import re as _re

    html = manager_client.get(reverse("reports:dashboard")).content.decode()
    table = html[html.index('id="report-weekly_flow"') :]
    table = table[: table.index("</article>")]
    assert not _re.search(r"<td>\d{4}-\d{2}-\d{2}</td>", table)  # no ISO weeks
    assert _re.search(r"<td>\d{2}/\d{2}/\d{4}</td>", table)  # 30/11/2026
