"""With an operation chosen, each report runs a fixed number of queries whatever the operation's size:
measured on the hand-built network, then with the cases of four more copies of it moved into the same
operation (more cases, officers, tasks, hearings, referrals and transfers counted)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db

COPIES = 5
ROLES = ("manager", "officer_a")


def _count(function, user, params) -> tuple[int, int]:
    user = get_user_model().objects.get(pk=user.pk)  # as a new request loads it
    with CaptureQueriesContext(connection) as queries:
        report = function(user, params)
    return len(queries), len(report.rows)


def _dashboard(client, user, operation) -> int:
    login_verified(client, user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("reports:dashboard"), {"start": b.START, "end": b.END, "operation": operation.pk}
        )
    assert response.status_code == 200
    assert not response.context["form"].errors
    return len(queries)


def test_every_report_with_an_operation_runs_the_same_queries_on_five_times_its_cases(client):
    world = b.build()
    operation = world.operations["dallas"]
    params = ReportParams(start=b.START, end=b.END, operation_id=operation.pk)
    measure = {(name, role): (fn, world.users[role]) for name, fn in REPORTS.items() for role in ROLES}
    small = {key: _count(fn, user, params) for key, (fn, user) in measure.items()}
    dashboard_small = {role: _dashboard(client, world.users[role], operation) for role in ROLES}
    cases_small = Case.objects.filter(operation=operation).count()

    for copy in range(1, COPIES):
        copy_world = b.build(tag=f" {copy}")
        Case.objects.filter(operation=copy_world.operations["dallas"]).update(operation=operation)
    assert Case.objects.filter(operation=operation).count() == COPIES * cases_small

    large = {key: _count(fn, user, params) for key, (fn, user) in measure.items()}
    dashboard_large = {role: _dashboard(client, world.users[role], operation) for role in ROLES}
    for key, (queries, _rows) in small.items():
        assert large[key][0] == queries, f"{key}: {queries} queries with one copy, {large[key][0]} with five"
        assert queries <= 4, key
    grew = {key for key in small if large[key][1] > small[key][1]}
    assert ("workload", "manager") in grew  # the copies' officers
    assert ("referrals_by_partner", "manager") in grew  # the copies' partners
    assert dashboard_large == dashboard_small
