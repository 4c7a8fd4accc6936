"""The Content-Security-Policy in a real browser: the admin, a case page, the reports dashboard (Chart.js),
the printable hand-off sheet and the API documentation page (Swagger UI) work under it, with
not one violation reported (``securitypolicyviolation`` events and Chromium's console reports).

Logs in through the staff login page, as the other browser tests do.
"""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import Case
from cases.models.case import Status
from cases.services.repatriation import handoff_prepare
from tests.cases.reports import builders as b
from tests.e2e.test_reports_dashboard import _charts_drawn, login
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

# Collected before any page script runs (init scripts are not subject to the page's policy).
LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def world():
    network_restore()  # transactional tests start from an empty database
    w = b.build(manager_password=True)
    spec = next(s for s in w.specs.values() if s.consulate == "dallas" and s.status == Status.OPEN)
    Case.objects.filter(pk=spec.case.pk).update(
        expected_removal_date=dt.date(2025, 3, 3), reception_point=w.reception["rp1"]
    )
    handoff_prepare(
        actor=w.users["officer_a"], case=Case.objects.get(pk=spec.case.pk), medical_needs="Insulina diaria"
    )
    w.handoff_case = spec.case
    return w


def test_every_kind_of_page_works_under_the_policy(page, live_server, world):
    page.context.add_init_script(LISTEN)
    reports = []
    page.on(
        "console",
        lambda m: reports.append((m.text, m.location.get("url"))) if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda error: reports.append((str(error), None)))
    seen = []

    def visit(path: str) -> None:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy, path
        seen.append(path)

    def violations() -> list[str]:
        return page.evaluate("window.__csp")

    login(page, live_server, world.users["manager"])
    assert violations() == []

    visit("/admin/")
    assert page.locator("#content-main").count() == 1
    assert violations() == []

    case = world.handoff_case
    visit(f"/admin/cases/case/{case.pk}/change/")
    assert page.locator(".handoff-panel").count() == 1
    # The language selector's script is a static file now: choosing English reloads the page in English.
    page.select_option("#language-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert violations() == []

    visit(f"/admin/cases/case/{case.pk}/handoff/print/")
    assert violations() == []

    visit(f"/reports/?start={b.START}&end={b.END}")
    _charts_drawn(page)
    assert violations() == []

    visit("/api/docs/")
    page.wait_for_selector(".opblock", state="attached")
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock-summary").first.click()  # an operation opens (Swagger UI's own scripts run)
    page.wait_for_selector(".opblock.is-open")
    assert violations() == []

    assert len(seen) == 5
    assert [text for text, _ in reports if "Content Security Policy" in text] == []
    # Nothing else went wrong either (the browser's own favicon look-up is not a page's request).
    assert [(text, url) for text, url in reports if not (url or "").endswith("/favicon.ico")] == []
