"""Every report's figures on a hand-built network, against answers computed in the test (builders.py)."""

from __future__ import annotations

import datetime as dt
import statistics

import pytest
from django.utils import timezone

from cases import services
from cases.categories import Category
from cases.models import Case, Task
from cases.models.case import Outcome
from cases.models.identity import ArrestingAgency
from cases.reports import art36, children, incidents, network, operations, proceedings, quality, requests
from cases.reports.common import ReportParams
from cases.reports.registry import REPORTS
from intake.inquiries import reports as inquiry_reports
from tests.cases.reports import builders as b

pytestmark = pytest.mark.django_db


def rows(name, user, params=b.PARAMS):
    return REPORTS[name](user, params).rows


def test_the_independent_percentile_is_postgresqls():
    # percentile_cont(0.9) over 1..10 is 9.1; the median of an even count is the mean of the middle two.
    assert b.percentile_cont(range(1, 11), 0.9) == pytest.approx(9.1)
    assert b.percentile_cont([3, 1, 2, 4], 0.5) == statistics.median([1, 2, 3, 4]) == 2.5
    assert b.percentile_cont([7], 0.9) == 7


@pytest.mark.parametrize("name", sorted(b.EXPECTED))
def test_every_figure_matches_for_the_manager(world, name):
    expected = b.EXPECTED[name](world)
    assert expected, f"the dataset gives {name} nothing to show"
    assert rows(name, world.users["manager"]) == expected


@pytest.mark.parametrize("name", sorted(b.EXPECTED))
@pytest.mark.parametrize("slug", ["dallas", "el_paso"])
def test_every_figure_matches_for_one_consulate(world, name, slug):
    consulate = getattr(world, slug)
    params = ReportParams(start=b.START, end=b.END, consulate_id=consulate.pk)
    assert rows(name, world.users["manager"], params) == b.EXPECTED[name](world, slug)


def test_the_figures_themselves(world):
    """A few answers spelled out, so that the computation above is not the only witness."""
    manager = world.users["manager"]
    weeks = {r["week"]: (r["opened"], r["closed"]) for r in rows("weekly_flow", manager)}
    # Opened: c1, c2, c3 and c4 (Sunday 23:30 in Dallas, Monday in UTC) in the week of 6 January.
    assert weeks["2025-01-06"] == (4, 1)  # c1 closed on the 9th
    # Closed: c2 (Monday 13th), c10, and c3 (Sunday 19th, 22:00 in El Paso: Monday in UTC).
    assert weeks["2025-01-13"][1] == 3  # and c10
    assert weeks["2025-01-20"][1] == 0
    # Closed 23:30 on the last day (c5) counts; 00:30 the day after (c6) does not.
    assert weeks["2025-02-17"][1] == 1
    assert sum(closed for _opened, closed in weeks.values()) == 7

    days = {r["category"]: r for r in rows("days_to_closure", manager)}
    migratorio = days[str(Category.MIGRATORIO.label)]
    # 2, 5, 9 d 10 h, 14 d 13.5 h, 18 d 22.5 h
    assert (migratorio["closed"], migratorio["median"], migratorio["p90"]) == (5, 9.4, 17.2)
    penal = days[str(Category.PENAL.label)]
    assert (penal["closed"], penal["median"], penal["p90"]) == (2, 18.9, 31.5)

    partners = {r["partner"]: r for r in rows("referrals_by_partner", manager)}
    # Three of four answered referrals accepted, one of them withdrawn since (its case was closed).
    assert partners["Aliada Uno"]["acceptance_rate"] == 75.0
    assert partners["Aliada Uno"]["median_response"] == 15.0
    assert partners["Aliada Dos"]["referrals"] == 2  # the one referred in December is out

    months = [(r["month"], r["repatriated"]) for r in rows("repatriations", manager)]
    # c4 closed 31 January 22:00 in Dallas (1 February in UTC) counts for January.
    assert months == [("2025-01", 2), ("2025-01", 1), ("2025-02", 1)]

    facilities = rows("art36_by_facility", manager)
    dallas_facility = next(r for r in facilities if r["facility"] == world.facility["dallas"].name)
    # o1 (12 h, contact 12 h), o2 (24 h, no contact), c2 (8 h, 10 h); o8, notified 00:30 the day
    # after the range, is out.
    assert (dallas_facility["cases"], dallas_facility["notification_median"]) == (3, 12.0)
    assert (dallas_facility["contact_median"], dallas_facility["no_contact"]) == (11.0, 1)

    # Art. 36 from the arrest: o1 and o2 were arrested by a 287(g) sheriff (advised after 2 h and 6.5 h,
    # notified after 12 h and 24 h; o2 declined notification); c2 and o3 by ICE ERO (o3 opposes
    # consular action); o8, arrested 20:00 on the range's last day, is in by its arrest.
    agencies = {r["agency"]: r for r in rows("art36_by_agency", manager)}
    sheriff = agencies[str(ArrestingAgency.SHERIFF_287G.label)]
    assert (sheriff["arrests"], sheriff["declined"], sheriff["opposed"]) == (2, 1, 0)
    assert (sheriff["advised_median"], sheriff["notification_median"]) == (4.2, 18.0)
    ice = agencies[str(ArrestingAgency.ICE_ERO.label)]
    assert (ice["arrests"], ice["declined"], ice["opposed"]) == (2, 0, 1)
    assert agencies[str(ArrestingAgency.LOCAL_POLICE.label)]["advised_median"] == 1.0

    transfers = {r["to"]: r for r in rows("pending_transfers", manager)}
    assert transfers["El Paso"] == {"to": "El Paso", "pending": 2, "median_age": 6.0, "oldest": 10.0}
    assert transfers["Dallas"]["pending"] == 1


def test_a_range_starting_monday_counts_sunday_night_cases_in_their_local_week(world):
    """Monday 13 January to Sunday 19 January: c3 closed Sunday 22:00 in El Paso (Monday 05:00 UTC)
    is in; c4 opened Sunday 12th 23:30 in Dallas (Monday in UTC) is not."""
    params = ReportParams(start=dt.date(2025, 1, 13), end=dt.date(2025, 1, 19))
    flow = rows("weekly_flow", world.users["manager"], params)
    assert flow == b.expected_weekly_flow(world, params=params)
    # Opened: c10, tE, tD1, tD2, tD3; closed: c2, c10, c3.
    assert flow == [{"week": "2025-01-13", "opened": 5, "closed": 3}]


@pytest.mark.parametrize(
    ("end", "included"),
    [(dt.date(2025, 2, 23), True), (dt.date(2025, 2, 22), False)],
)
def test_the_end_date_is_inclusive_in_local_time(world, end, included):
    """c5 closed 23:30 on 23 February in Dallas (05:30 UTC on the 24th); c6 00:30 on the 24th."""
    params = ReportParams(start=dt.date(2025, 2, 17), end=end)
    closed = rows("closed_by_outcome", world.users["manager"], params)
    assert closed == b.expected_closed_by_outcome(world, params=params)
    resolved = {r["outcome"]: r["closed"] for r in closed}.get(str(Outcome.RESOLVED.label), 0)
    assert resolved == (1 if included else 0)
    params_next_day = ReportParams(start=dt.date(2025, 2, 24), end=dt.date(2025, 2, 24))
    assert {
        r["outcome"]: r["closed"] for r in rows("closed_by_outcome", world.users["manager"], params_next_day)
    } == {str(Outcome.RESOLVED.label): 1}


def test_the_start_date_is_local_too(world):
    """c7 closed 23:30 on 5 January in El Paso (06:30 UTC on the 6th): not in a range from the 6th;
    c8 opened at the same local time is not either."""
    params = ReportParams(start=dt.date(2025, 1, 6), end=dt.date(2025, 1, 6))
    assert rows("closed_by_outcome", world.users["manager"], params) == []
    assert rows("weekly_flow", world.users["manager"], params) == [
        {"week": "2025-01-06", "opened": 0, "closed": 0}
    ]
    day_before = ReportParams(start=dt.date(2025, 1, 5), end=dt.date(2025, 1, 5))
    assert rows("closed_by_outcome", world.users["manager"], day_before) == [
        {"outcome": str(Outcome.RESOLVED.label), "closed": 1}
    ]


def test_reopened_and_pending_closure_cases_count_as_open(world):
    manager = world.users["manager"]
    dallas = next(r for r in rows("open_cases", manager) if r["consulate"] == "Dallas")
    assert dallas["pending_closure"] == 1
    c1 = world.specs["c1"].case
    services.case_reopen(actor=world.users["supervisor_d"], case=c1, reason="Volvió a ser detenido")
    again = next(r for r in rows("open_cases", manager) if r["consulate"] == "Dallas")
    assert again["total"] == dallas["total"] + 1
    assert again["in_progress"] == dallas["in_progress"] + 1


def test_overdue_means_before_the_consulates_own_today(world, monkeypatch):
    """At 00:30 in Dallas it is still yesterday in El Paso: a task due "yesterday" by Dallas's clock is
    overdue in Dallas and not yet in El Paso."""
    now = dt.datetime(2030, 6, 11, 5, 30, tzinfo=dt.UTC)  # 00:30 in Dallas, 23:30 (10 June) in El Paso
    officer_c, officer_a = world.users["officer_c"], world.users["officer_a"]
    Task.objects.filter(assignee__in=[officer_a, officer_c]).update(done=True)
    o1, o6 = world.specs["o1"].case, world.specs["o6"].case
    Task.objects.create(case=o1, title="Llamar", due_date=dt.date(2030, 6, 10), assignee=officer_a)
    Task.objects.create(case=o6, title="Llamar", due_date=dt.date(2030, 6, 10), assignee=officer_c)
    monkeypatch.setattr(timezone, "now", lambda: now)
    overdue = {r["officer"]: r["overdue_tasks"] for r in rows("workload", world.users["manager"])}
    assert overdue[officer_a.get_full_name()] == 1
    assert overdue[officer_c.get_full_name()] == 0


def test_a_case_inactive_for_exactly_fourteen_days_is_not_yet_inactive(world):
    o5 = world.specs["o5"].case
    Case.objects.filter(pk=o5.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=13, hours=23))
    before = {r["consulate"]: r["inactive"] for r in rows("attention", world.users["manager"])}
    Case.objects.filter(pk=o5.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=14, minutes=1))
    after = {r["consulate"]: r["inactive"] for r in rows("attention", world.users["manager"])}
    assert after["Dallas"] == before["Dallas"] + 1


def test_every_report_is_registered_once_with_its_own_name():
    assert set(REPORTS) == set(b.EXPECTED)
    modules = (
        art36.__name__,
        network.__name__,
        quality.__name__,
        operations.__name__,
        proceedings.__name__,
        requests.__name__,
        incidents.__name__,
        children.__name__,
        inquiry_reports.__name__,
    )  # intake registers its own
    assert all(function.__module__ in modules for function in REPORTS.values())


def test_operations_are_those_of_the_period_with_their_cases_in_the_consulate_counted(world):
    manager = world.users["manager"]
    network_rows = {r["operation"]: r["cases"] for r in rows("operations", manager)}
    assert network_rows == {
        "Operativo Sur": 5,
        "Operativo Norte": 8,
    }  # "Operativo Viejo" is before the period
    dallas = ReportParams(start=b.START, end=b.END, consulate_id=world.dallas.pk)
    # The El Paso case moved to the Dallas operation is not Dallas's to count.
    assert {r["operation"]: r["cases"] for r in rows("operations", manager, dallas)} == {"Operativo Norte": 7}
    assert [r["operation"] for r in rows("operations", world.users["officer_c"])] == ["Operativo Sur"]
