"""/api/v1/reports/: the dashboard's reports as JSON, for staff and managers, never partners."""

from __future__ import annotations

import pytest

from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS, SECTIONS
from tests import factories as f
from tests.api.conftest import csrf_client, token_client, url
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module (its tests only read), rolled back at its end."""
    with b.world_transaction(django_db_blocker) as world:
        yield world


def _json(rows):
    """Rows as JSON carries them (dates and lazy strings become strings)."""
    import json

    from rest_framework.utils.encoders import JSONEncoder

    return json.loads(json.dumps(rows, cls=JSONEncoder))


def test_the_index_lists_every_report_in_dashboard_order():
    response = csrf_client(f.officer()).get(url("reports/"))
    assert response.status_code == 200
    body = response.json()
    assert [item["name"] for item in body] == list(REPORTS)
    sections = [str(title) for title, functions in SECTIONS for _f in functions]
    assert [item["section"] for item in body] == sections


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_each_report_returns_the_rows_of_the_python_function(world, name):
    manager = world.users["manager"]
    client = csrf_client(manager)
    response = client.get(
        url(f"reports/{name}/"), {"start": b.START, "end": b.END, "consulate": world.dallas.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    report = REPORTS[name](manager, ReportParams(start=b.START, end=b.END, consulate_id=world.dallas.pk))
    assert body["name"] == name
    assert body["rows"] == _json(report.rows)
    assert body["rows"] == _json(b.EXPECTED[name](world, "dallas"))
    assert [c["key"] for c in body["columns"]] == [key for key, _label in report.columns]
    assert body["filters"] == {
        "start": "2025-01-06",
        "end": "2025-02-23",
        "consulate": str(world.dallas.pk),
        "operation": None,
    }


def test_defaults_when_no_filter_is_given(world):
    body = csrf_client(world.users["officer_a"]).get(url("reports/open_cases/")).json()
    defaults = ReportParams.default()
    assert body["filters"] == {
        "start": defaults.start.isoformat(),
        "end": defaults.end.isoformat(),
        "consulate": str(world.dallas.pk),
        "operation": None,
    }
    assert body["rows"] == _json(b.expected_open_cases(world, "dallas"))


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_operation_parameter_counts_only_the_operations_cases(world, name):
    manager = world.users["manager"]
    operation = world.operations["dallas"]
    response = csrf_client(manager).get(
        url(f"reports/{name}/"), {"start": b.START, "end": b.END, "operation": operation.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["filters"]["operation"] == str(operation.pk)
    assert body["rows"] == _json(b.EXPECTED[name](world, operation="dallas"))
    params = ReportParams(start=b.START, end=b.END, operation_id=operation.pk)
    assert body["note"] == REPORTS[name](manager, params).note


@pytest.mark.parametrize("value", ["el_paso", "abc"])
def test_an_operation_the_caller_may_not_choose_is_a_400_on_the_field(world, value):
    operation = world.operations[value].pk if value in world.operations else value
    response = csrf_client(world.users["officer_a"]).get(url("reports/open_cases/"), {"operation": operation})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"operation"}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"start": "2025-13-01", "end": "2025-02-01"}, {"start"}),
        ({"start": "2025-03-01", "end": "2025-02-01"}, {"end"}),
        ({"start": "2019-01-01", "end": "2025-02-01"}, {"start"}),
        ({"start": "0001-01-01", "end": "0001-01-01"}, {"start", "end"}),
        ({"start": "2025-01-01", "end": "2025-02-01", "consulate": "999999"}, {"consulate"}),
    ],
)
def test_invalid_filters_are_a_400_in_the_api_error_shape(query, fields):
    response = csrf_client(f.manager()).get(url("reports/weekly_flow/"), query)
    assert response.status_code == 400
    body = response.json()
    assert set(body) >= {"type", "code", "title", "status", "detail", "errors"}
    assert body["status"] == 400
    assert set(body["errors"]) == fields
    assert all(isinstance(m, str) for messages in body["errors"].values() for m in messages)


def test_an_unknown_report_is_a_404():
    response = csrf_client(f.manager()).get(url("reports/nothing_like_this/"))
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_partners_and_anonymous_callers_are_refused():
    partner, _token = token_client(f.partner_user())
    for path in ("reports/", "reports/open_cases/"):
        refused = partner.get(url(path))
        assert refused.status_code == 403
        assert refused.json()["status"] == 403
    from rest_framework.test import APIClient

    assert APIClient().get(url("reports/open_cases/")).status_code == 401


def test_the_schema_documents_the_reports(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/reports/{name}/"]["get"]
    name = next(p for p in operation["parameters"] if p["name"] == "name")
    assert sorted(name["schema"]["enum"]) == sorted(REPORTS)
    assert {p["name"] for p in operation["parameters"]} == {"name", "start", "end", "consulate", "operation"}
    assert "/api/v1/reports/" in schema["paths"]
