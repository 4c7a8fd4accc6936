"""Each report runs a fixed number of queries, whatever the data: measured on the hand-built network and
on five copies of it (more cases, officers, partners, facilities' rows, referrals, transfers)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db

COPIES = 5
ROLES = ("manager", "officer_a")


def _fresh(user):
    """The user as a new request would load it (the role is resolved, and cached, per request)."""
    return get_user_model().objects.get(pk=user.pk)


def _count(function, user) -> tuple[int, int]:
    user = _fresh(user)
    with CaptureQueriesContext(connection) as queries:
        report = function(user, b.PARAMS)
    return len(queries), len(report.rows)


def _dashboard(client, user) -> int:
    login_verified(client, user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:dashboard"), {"start": b.START, "end": b.END})
    assert response.status_code == 200
    return len(queries)


def test_every_report_and_the_dashboard_run_the_same_queries_on_five_times_the_data(client):
    world = b.build()
    small = {(name, role): _count(fn, world.users[role]) for name, fn in REPORTS.items() for role in ROLES}
    dashboard_small = {role: _dashboard(client, world.users[role]) for role in ROLES}
    cases_small = Case.objects.count()

    for copy in range(1, COPIES):
        b.build(tag=f" {copy}")
    assert Case.objects.count() >= COPIES * cases_small - 1

    large = {(name, role): _count(fn, world.users[role]) for name, fn in REPORTS.items() for role in ROLES}
    dashboard_large = {role: _dashboard(client, world.users[role]) for role in ROLES}

    for key, (queries, _rows) in small.items():
        assert large[key][0] == queries, (
            f"{key}: {queries} queries with the small dataset, {large[key][0]} with 5x"
        )
        assert queries <= 4, key
    # The larger data really is larger where it can be (otherwise equal counts prove nothing).
    grew = {key for key in small if large[key][1] > small[key][1]}
    assert ("workload", "manager") in grew
    assert ("referrals_by_partner", "manager") in grew
    assert ("repatriations", "manager") not in grew  # same months and reception points: same rows
    assert dashboard_large == dashboard_small
