"""An officer's legal proceedings work on the case page, in a real browser (Spanish, Dallas's zone):
record a removal proceeding, schedule a hearing in it, record the judge's decision and see the BIA appeal
deadline appear; record a habeas petition in a federal court. Screenshots in test-artifacts/
(proceedings-*.png), looked at by the author."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Proceeding
from tests import factories as f
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "procedimientos-2026"


@pytest.fixture
def desk(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="es-MX", timezone_id="America/Chicago"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _submit(page, form_id: str) -> None:
    page.locator(f"#{form_id} button[type=submit]").click()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request, desk):
    yield
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        desk.screenshot(path=str(ARTIFACTS / "FAILED-proceedings.png"), full_page=True)


def test_an_officer_records_proceedings_a_hearing_a_decision_and_a_habeas_petition(desk, live_server):
    officer = f.officer("dallas")
    officer.set_password(PASSWORD)
    officer.save()
    case = f.make_case(officer)
    sign_in(desk, live_server, officer, PASSWORD)
    desk.goto(f"{live_server.url}/case/{case.pk}/")
    panel = desk.locator("#proceedings")
    assert "No hay procedimientos legales registrados." in panel.inner_text()

    panel.get_by_text("Registrar un procedimiento", exact=True).click()
    desk.select_option("#id_proceeding-kind", "removal")
    desk.select_option("#id_proceeding-court", label="Dallas Immigration Court")
    _submit(desk, "proceeding-form")
    desk.locator("#proceedings li.ws-row").first.wait_for()
    assert "Dallas Immigration Court" in desk.locator("#proceedings li.ws-row .ws-meta").first.inner_text()
    proceeding = Proceeding.objects.get(case=case)

    panel = desk.locator(f"#proceeding-{proceeding.pk}")
    panel.get_by_text("Programar una audiencia en este procedimiento").click()
    day = timezone.localdate() + dt.timedelta(days=14)
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    desk.select_option(f"#id_phearing-{proceeding.pk}-kind", "master_calendar")
    desk.fill(f"#id_phearing-{proceeding.pk}-starts_at", f"{day.isoformat()}T09:00")
    _submit(desk, f"phearing-{proceeding.pk}-form")
    desk.wait_for_selector(f"#proceeding-{proceeding.pk} .ws-past li")
    assert proceeding.hearings.count() == 1
    desk.screenshot(path=str(ARTIFACTS / "proceedings-1-hearing.png"), full_page=True)

    panel = desk.locator(f"#proceeding-{proceeding.pk}")
    panel.get_by_text("Registrar la resolución").first.click()
    desk.select_option(f"#id_decision-{proceeding.pk}-outcome", "removal_ordered")
    decided = timezone.localdate()
    desk.fill(f"#id_decision-{proceeding.pk}-decided_on", decided.isoformat())
    _submit(desk, f"decision-{proceeding.pk}-form")
    desk.wait_for_selector(f"#proceeding-{proceeding.pk} [data-deadlines]")
    assert (
        "Apelación ante la Junta de Apelaciones de Inmigración"
        in desk.locator("[data-deadlines]").inner_text()
    )
    deadline = proceeding.deadlines.get()
    assert deadline.due_on == decided + dt.timedelta(days=30)
    text = desk.locator(f"#proceeding-{proceeding.pk}").inner_text()
    assert "Deportación ordenada" in text
    desk.screenshot(path=str(ARTIFACTS / "proceedings-2-decision.png"), full_page=True)

    desk.locator("#proceedings").get_by_text("Registrar un procedimiento", exact=True).click()
    desk.select_option("#id_proceeding-kind", "habeas")
    _submit(desk, "proceeding-form")  # no court: refused on the form, in Spanish
    desk.wait_for_selector("#proceeding-errors[role=alert]")
    assert "Elija el tribunal federal de distrito" in desk.locator("#proceeding-errors").inner_text()
    desk.select_option("#id_proceeding-court", label="Northern District of Texas, Dallas Division")
    desk.fill("#id_proceeding-docket_number", "3:26-cv-00412")
    _submit(desk, "proceeding-form")
    desk.locator("#proceedings > ul > li.ws-row").nth(1).wait_for()
    habeas = Proceeding.objects.filter(kind="habeas").get()
    assert habeas.court.name == "Northern District of Texas, Dallas Division"
    ARTIFACTS.mkdir(exist_ok=True)
    desk.locator("#proceedings").screenshot(path=str(ARTIFACTS / "proceedings-3-habeas.png"))
