"""The operation filter on its way in and out: the dashboard, the exports (the operation in the file's
header, the figures of its cases, the access log) and the operation page's link to its reports."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog
from cases.reports.common import ReportParams, operation_title
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db


def _query(world, operation="dallas"):
    return {
        "start": b.START.isoformat(),
        "end": b.END.isoformat(),
        "operation": world.operations[operation].pk,
    }


def _params(world, operation="dallas"):
    return ReportParams(start=b.START, end=b.END, operation_id=world.operations[operation].pk)


@pytest.fixture
def manager_client(client, world):
    login_verified(client, world.users["manager"])
    return client


@pytest.mark.parametrize("name", ["open_cases", "closed_by_outcome", "referrals_by_partner", "operations"])
def test_a_csv_export_names_the_operation_and_counts_its_cases(manager_client, world, name):
    response = manager_client.get(reverse("reports:export", args=[name, "csv"]), _query(world))
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = dict(line for line in lines[1:6] if len(line) == 2)
    report = REPORTS[name](world.users["manager"], _params(world))
    assert operation_title(world.operations["dallas"]) in header.values()
    columns = [label for _key, label in report.columns]
    table = lines[lines.index(columns) + 1 :]
    assert report.rows == b.EXPECTED[name](world, operation="dallas")
    assert len(table) == len(report.rows)
    log = AccessLog.objects.get()
    assert log.what.endswith(f"operation={world.operations['dallas'].pk}")


def test_the_workbook_of_every_report_carries_the_operation_and_the_inquiries_note(manager_client, world):
    response = manager_client.get(reverse("reports:export", args=["all", "xlsx"]), _query(world, "el_paso"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    title = operation_title(world.operations["el_paso"])
    reports = {
        r.title: r for r in (f(world.users["manager"], _params(world, "el_paso")) for f in REPORTS.values())
    }
    for sheet in workbook.worksheets:
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert [row[1] for row in values[1:5]][3] == title
        report = next(r for t, r in reports.items() if str(t)[:31] == sheet.title)
        if report.name.startswith("inquiries"):
            assert report.note in [row[0] for row in values[:8]]


def test_the_dashboard_shows_the_operation_chosen(manager_client, world):
    response = manager_client.get(reverse("reports:dashboard"), _query(world))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.cleaned_data["operation"] == world.operations["dallas"]
    html = response.content.decode()
    assert f'<option value="{world.operations["dallas"].pk}" selected>' in html
    # Every export link carries it.
    assert f"operation={world.operations['dallas'].pk}" in html.split('id="report-open_cases"')[1][:2000]


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_the_operation_page_links_to_its_reports(client, world, role):
    operation = world.operations["dallas"]
    login_verified(client, world.users[role])
    page = client.get(reverse("imports:operation", args=[operation.pk]))
    assert page.status_code == 200
    link = page.context["reports_url"]
    assert f'href="{link.replace("&", "&amp;")}"' in page.content.decode()
    query = parse_qs(urlsplit(link).query)
    assert query["operation"] == [str(operation.pk)]
    assert query["start"] == [operation.date.isoformat()]
    assert query["end"] == [timezone.localdate().isoformat()]
    dashboard = client.get(link)
    assert dashboard.status_code == 200
    assert dashboard.context["form"].is_valid()
    operations = next(
        item["report"]
        for _title, items in dashboard.context["sections"]
        for item in items
        if item["report"].name == "operations"
    )
    assert [row["operation"] for row in operations.rows] == ["Operativo Norte"]
