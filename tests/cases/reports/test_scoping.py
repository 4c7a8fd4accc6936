"""Who sees which figures: consulate staff their own consulate only, managers all (or the one chosen),
partners and anonymous callers nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from tests import factories as f
from tests.api.conftest import csrf_client, token_client
from tests.auth import login_verified
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db


def _params(consulate=None):
    return ReportParams(start=b.START, end=b.END, consulate_id=consulate.pk if consulate else None)


@pytest.mark.parametrize("role", ["officer_a", "supervisor_d"])
@pytest.mark.parametrize("name", sorted(REPORTS))
def test_dallas_staff_see_only_dallas_even_when_asking_for_el_paso(world, role, name):
    user = world.users[role]
    expected = b.EXPECTED[name](world, "dallas")
    assert REPORTS[name](user, _params()).rows == expected
    assert REPORTS[name](user, _params(world.el_paso)).rows == expected


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_the_manager_sees_all_and_can_filter(world, name):
    manager = world.users["manager"]
    everything = REPORTS[name](manager, _params()).rows
    assert everything == b.EXPECTED[name](world)
    assert REPORTS[name](manager, _params(world.el_paso)).rows == b.EXPECTED[name](world, "el_paso")


def test_the_scoping_is_visible_in_the_figures(world):
    """Not only equal to a computation: Dallas staff get no El Paso row at all."""
    officer = world.users["officer_a"]
    for name in ("open_cases", "attention", "upcoming_hearings"):
        cities = {row["consulate"] for row in REPORTS[name](officer, _params(world.el_paso)).rows}
        assert cities == {"Dallas"}, name
    manager_cities = {
        row["consulate"] for row in REPORTS["open_cases"](world.users["manager"], _params()).rows
    }
    assert manager_cities == {"Dallas", "El Paso"}


def test_a_case_visible_only_through_an_incoming_transfer_is_not_counted(world):
    """tE (El Paso) is pending transfer to Dallas: Dallas staff may read it, but it is El Paso's case."""
    officer = world.users["officer_a"]
    te = world.specs["tE"].case
    from cases.models import Case

    assert Case.objects.visible_to(officer).filter(pk=te.pk).exists()
    dallas = REPORTS["open_cases"](officer, _params()).rows
    assert [row["consulate"] for row in dallas] == ["Dallas"]
    assert dallas[0]["administrativo"] == 0  # tE's category; no Dallas case has it
    hearings = REPORTS["upcoming_hearings"](officer, _params()).rows
    assert hearings == [{"consulate": "Dallas", "next_7": 1, "next_30": 3}]  # tE's hearing in 4 days is not
    flow = REPORTS["weekly_flow"](officer, _params()).rows
    week = next(r for r in flow if r["week"] == "2025-01-13")
    assert week["opened"] == 2  # tD1 and tD2; tE (opened the 15th) and El Paso's c10 are not
    # The transfer itself is Dallas's business: it shows among the pending transfers.
    assert {r["to"] for r in REPORTS["pending_transfers"](officer, _params()).rows} == {"Dallas", "El Paso"}


def test_el_paso_staff_see_el_paso(world):
    officer = world.users["officer_c"]
    for name in REPORTS:
        assert REPORTS[name](officer, _params(world.dallas)).rows == b.EXPECTED[name](world, "el_paso"), name


def test_the_dashboard_refuses_anonymous_and_partner_users(client):
    url = reverse("reports:dashboard")
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    login_verified(client, f.partner_user())
    response = client.get(url)
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert reverse("admin:login") in response["Location"]
    for name in ("open_cases.csv", "all.xlsx"):
        refused = client.get(f"{url}{name}")
        assert refused.status_code in (302, 403), name


def test_the_api_refuses_anonymous_and_partner_callers():
    from rest_framework.test import APIClient

    anonymous = APIClient()
    assert anonymous.get("/api/v1/reports/").status_code == 401
    assert anonymous.get("/api/v1/reports/open_cases/").status_code == 401
    partner, _token = token_client(f.partner_user())
    assert partner.get("/api/v1/reports/").status_code == 403
    assert partner.get("/api/v1/reports/open_cases/").status_code == 403


def test_the_dashboard_form_offers_consulate_staff_only_their_consulate(world, client):
    login_verified(client, world.users["officer_a"])
    response = client.get(
        reverse("reports:dashboard"), {"start": b.START, "end": b.END, "consulate": world.el_paso.pk}
    )
    assert response.status_code == 200
    field = response.context["form"]["consulate"]
    assert field.field.disabled
    assert [c.pk for c in field.field.queryset] == [world.dallas.pk]
    sections = response.context["sections"]
    open_cases = next(
        item for _title, items in sections for item in items if item["report"].name == "open_cases"
    )
    assert [row["consulate"] for row in open_cases["report"].rows] == ["Dallas"]


def test_the_api_scopes_like_the_dashboard(world):
    client = csrf_client(world.users["officer_a"])
    body = client.get(
        "/api/v1/reports/open_cases/", {"start": b.START, "end": b.END, "consulate": world.el_paso.pk}
    ).json()
    assert body["rows"] == b.expected_open_cases(world, "dallas")
    assert body["filters"]["consulate"] == str(world.dallas.pk)
