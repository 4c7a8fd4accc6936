"""The reports dashboard in headless Chromium: charts drawn, every table present, no sideways scrolling
at desktop and phone widths, linked figures open the filtered case list. Screenshots are kept as test
artifacts (test-artifacts/reports-dashboard-1280.png and -390.png)."""

from __future__ import annotations

import re

import pytest

from cases.reports.registry import REPORTS
from tests.cases.reports import builders as b
from tests.e2e.signin import sign_in
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1280, 390)


@pytest.fixture
def world():
    network_restore()  # transactional tests start from an empty database
    return b.build(manager_password=True)


def login(page, live_server, user):
    sign_in(page, live_server, user, b.PASSWORD)


def _charts_drawn(page) -> None:
    """Every canvas has a Chart.js chart attached and pixels painted."""
    page.wait_for_function(
        """() => {
            const canvases = [...document.querySelectorAll('.report-chart canvas')];
            return canvases.length > 0 && canvases.every(c => window.Chart && Chart.getChart(c)
                && c.width > 0 && c.height > 0);
        }"""
    )
    painted = page.evaluate(
        """() => [...document.querySelectorAll('.report-chart canvas')].map(c => {
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { return true; } }
            return false;
        })"""
    )
    assert painted
    assert all(painted)


def test_the_dashboard_at_desktop_and_phone_widths(page, live_server, world, artifacts):
    login(page, live_server, world.users["manager"])
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    query = f"start={b.START}&end={b.END}"

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/reports/?{query}")
        _charts_drawn(page)

        for name in REPORTS:
            article = page.locator(f"#report-{name}")
            assert article.count() == 1, name
            assert article.locator("table tbody tr").count() >= 1, name
            exports = article.locator(".report-exports a")
            assert exports.count() == 2, name
        # Every report with rows has a chart here (the dataset gives each one rows).
        assert page.locator(".report-chart canvas").count() == len(REPORTS)

        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, f"the page scrolls sideways at {width} px ({scroll_width} px wide)"
        page.screenshot(path=str(artifacts / f"reports-dashboard-{width}.png"), full_page=True)

    assert errors == []


def test_a_linked_figure_opens_the_filtered_case_list(page, live_server, world):
    login(page, live_server, world.users["manager"])
    page.goto(f"{live_server.url}/reports/?start={b.START}&end={b.END}")
    expected = {row["consulate"]: row for row in b.expected_open_cases(world)}

    table = page.locator("#report-open_cases table")
    dallas_row = table.locator("tbody tr", has_text="Dallas")
    link = dallas_row.locator("td").nth(1).locator("a")
    assert link.inner_text() == str(expected["Dallas"]["total"])
    link.click()
    page.wait_for_url(re.compile(r".*/admin/cases/case/\?.*"), wait_until="domcontentloaded")
    assert "e=1" not in page.url  # the admin did not reject the filter
    references = page.locator("#result_list tbody tr th a").all_inner_texts()
    open_dallas = sorted(
        s.case.reference for s in world.specs.values() if s.consulate == "dallas" and s.is_open
    )
    assert sorted(references) == open_dallas

    # The facility figure: the open cases held there, no closed case among them.
    page.go_back()
    custody = page.locator(
        "#report-custody_by_facility table tbody tr", has_text=world.facility["dallas"].name
    )
    figure = custody.locator("a")
    count = int(figure.inner_text())
    figure.click()
    page.wait_for_url(re.compile(r".*/admin/cases/case/\?.*"), wait_until="domcontentloaded")
    assert page.locator("#result_list tbody tr").count() == count
