"""The audit trail's time-only pages keep each history table to its newest rows before pghistory
computes data and diffs, and still show exactly the events the unwindowed query shows."""

from __future__ import annotations

import datetime as dt

import pghistory.models as pm
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.events import branch_windowed
from cases import services
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

ORDER = ("-pgh_created_at", "-pgh_id", "-pgh_slug")


def _events(officer, count: int):
    case = f.make_case(officer)
    for number in range(count):
        services.case_update(actor=officer, case=case, priority="urgent" if number % 2 else "normal")
    return case


def test_each_page_of_the_windowed_query_equals_the_full_query():
    officer = f.officer("dallas")
    _events(officer, 30)
    since = timezone.now() - dt.timedelta(hours=1)
    full = list(
        pm.MiddlewareEvents.objects.filter(pgh_created_at__gte=since)
        .order_by(*ORDER)
        .values_list("pgh_slug", flat=True)
    )
    assert len(full) > 30
    size = 7
    for page in range(1, len(full) // size + 2):
        windowed = branch_windowed(
            pm.MiddlewareEvents.objects.filter(pgh_created_at__gte=since),
            since=since,
            until=None,
            rows=page * size + 1,
        ).order_by(*ORDER)
        start = (page - 1) * size
        assert (
            list(windowed.values_list("pgh_slug", flat=True)[start : start + size])
            == full[start : start + size]
        )


def test_the_branches_carry_the_window_and_the_limit():
    since = timezone.now() - dt.timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries:
        list(branch_windowed(pm.MiddlewareEvents.objects.all(), since=since, until=None, rows=51)[:5])
    sql = queries.captured_queries[-1]["sql"]
    assert "ORDER BY _event.pgh_created_at DESC, _event.pgh_id DESC LIMIT 51" in sql
    assert "_event.pgh_created_at >= " in sql


def test_the_page_by_dates_lists_newest_first(client):
    officer = f.officer("dallas")
    _events(officer, 5)
    login_verified(client, f.administrator())
    today = timezone.localdate().isoformat()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:pghistory_middlewareevents_changelist"), {"since": today})
    assert response.status_code == 200
    assert any("_event.pgh_id DESC LIMIT 51" in q["sql"] for q in queries.captured_queries)  # windowed
    rows = list(response.context["cl"].result_list)
    assert rows
    times = [row.pgh_created_at for row in rows]
    assert times == sorted(times, reverse=True)
    second = client.get(reverse("admin:pghistory_middlewareevents_changelist"), {"since": today, "p": "2"})
    assert second.status_code in (200, 302)  # a page past the end goes back to the list, as the admin does


def test_pages_of_one_label_equal_the_full_query_of_that_label():
    officer = f.officer("dallas")
    _events(officer, 20)
    since = timezone.now() - dt.timedelta(hours=1)
    full = list(
        pm.MiddlewareEvents.objects.filter(pgh_created_at__gte=since, pgh_label="update")
        .order_by(*ORDER)
        .values_list("pgh_slug", "pgh_diff")
    )
    assert len(full) > 12  # more than two pages
    assert pm.MiddlewareEvents.objects.filter(pgh_created_at__gte=since).exclude(pgh_label="update").exists()
    size = 6
    for page in range(1, len(full) // size + 2):
        windowed = branch_windowed(
            pm.MiddlewareEvents.objects.filter(pgh_created_at__gte=since, pgh_label="update"),
            since=since,
            until=None,
            rows=page * size + 1,
            label="update",
        ).order_by(*ORDER)
        start = (page - 1) * size
        # The same events with the same diffs (each against the row's previous event of any label).
        assert (
            list(windowed.values_list("pgh_slug", "pgh_diff")[start : start + size])
            == full[start : start + size]
        )


def test_only_a_trackers_label_reaches_the_sql():
    with pytest.raises(ValueError, match="label"):
        branch_windowed(
            pm.MiddlewareEvents.objects.all(), since=None, until=None, rows=5, label="x' OR '1'='1"
        )


def test_the_page_by_label_and_table_is_windowed(client):
    officer = f.officer("dallas")
    _events(officer, 5)
    login_verified(client, f.administrator())
    changelist = reverse("admin:pghistory_middlewareevents_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist, {"label": "update", "event_model": "cases.casehistory"})
    assert response.status_code == 200
    windowed = [q["sql"] for q in queries.captured_queries if "_event.pgh_id DESC LIMIT 51" in q["sql"]]
    assert windowed
    assert "_event.pgh_label = 'update'" in windowed[-1]
    rows = list(response.context["cl"].result_list)
    assert rows
    assert {(row.pgh_label, row.pgh_model) for row in rows} == {("update", "cases.CaseHistory")}
    times = [row.pgh_created_at for row in rows]
    assert times == sorted(times, reverse=True)


def test_a_label_no_tracker_writes_is_not_windowed_and_finds_nothing(client):
    login_verified(client, f.administrator())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("admin:pghistory_middlewareevents_changelist"), {"label": "x' OR '1'='1"}
        )
    assert response.status_code == 200
    assert not any(
        "LIMIT 51\n" in q["sql"] and "pgh_label = 'x" in q["sql"] for q in queries.captured_queries
    )
    assert list(response.context["cl"].result_list) == []


@pytest.mark.parametrize("order", ["1", "-1", "2", "3.1", "x"])
def test_the_list_is_always_newest_first_and_stays_windowed(client, order):
    """No column sorts the log (sorting by event or record type would compute every event in range
    first): a ``?o=`` from an old link or a crafted URL is ignored, and the page is still windowed."""
    officer = f.officer("dallas")
    _events(officer, 5)
    login_verified(client, f.administrator())
    today = timezone.localdate().isoformat()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("admin:pghistory_middlewareevents_changelist"), {"since": today, "o": order}
        )
    assert response.status_code == 200
    assert any("_event.pgh_id DESC LIMIT 51" in q["sql"] for q in queries.captured_queries)
    rows = list(response.context["cl"].result_list)
    assert rows
    times = [row.pgh_created_at for row in rows]
    assert times == sorted(times, reverse=True)
    assert not [h for h in response.context["result_headers"] if h["sortable"]]
