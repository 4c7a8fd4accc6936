"""A list's page and its total come in one statement (``api.pagination.LimitOffset``): the count is the
whole filtered list's, on the first page, a middle page, past the end, and for a list with no rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_with_cases():
    officer = f.officer("dallas")
    for _ in range(5):
        f.make_case(officer)
    return officer


def _page(client, **params):
    response = client.get(url("cases/"), params)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["count"], len(body["results"])


def test_the_total_travels_with_the_page(officer_with_cases):
    client = csrf_client(officer_with_cases)
    assert _page(client, limit=2) == (5, 2)
    assert _page(client, limit=2, offset=4) == (5, 1)
    assert _page(client, limit=2, offset=50) == (5, 0)  # past the end: counted on its own
    assert _page(client, status="closed") == (0, 0)


def test_one_statement_reads_the_page_and_its_total(officer_with_cases):
    client = csrf_client(officer_with_cases)
    client.get(url("cases/"))
    with CaptureQueriesContext(connection) as queries:
        assert _page(client, limit=2) == (5, 2)
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"]]
    assert len(reads) == 1
    assert "count(*)" in reads[0]


def test_an_aggregated_list_is_counted_on_its_own(officer_with_cases):
    """Grouped or distinct rows are not the table's: their total is counted as DRF counts it."""
    from django.db.models import Count
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.pagination import LimitOffset
    from cases.models import Case

    grouped = Case.objects.values("status").annotate(n=Count("pk")).order_by("status")
    paginator = LimitOffset()
    page = paginator.paginate_queryset(grouped, Request(APIRequestFactory().get("/", {"limit": 10})))
    assert paginator.count == grouped.count() == len(page)
    assert sum(row["n"] for row in page) == Case.objects.count()
