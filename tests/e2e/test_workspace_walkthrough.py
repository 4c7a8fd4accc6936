"""A working day of each role in the staff workspace, in a real browser: what each lands on, the work done
from there, and on every page visited, at 1280 and 390 px, no sideways scrolling, no serious or critical
accessibility violation (axe-core) and a screenshot in test-artifacts/ (walkthrough-<role>-<page>-<width>)."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone

from cases.models import AccessLog, Case, Hearing, Person, Referral, RepatriationHandoff, Task, Transfer
from cases.models.case import Status
from tests.auth import login_verified
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in
from tests.e2e.workspace_world import PASSWORD, build_day
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = ((1280, 900), (390, 844))


@pytest.fixture
def day(django_user_model):
    return build_day(django_user_model)


@pytest.fixture
def desk(browser):
    """A browser as staff use it, in Spanish, in Dallas's zone. The page's policy is bypassed only so the
    tests can inject axe-core (the policy has its own browser test)."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="es-MX",
        timezone_id="America/Chicago",
        bypass_csp=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def arrive(page, live_server, user) -> None:
    """Open the service's address and sign in, as a person does: it leads to the role's home."""
    sign_in(page, live_server, user, PASSWORD, start="/")


def look(page, role: str, name: str) -> None:
    """The page as it is now, at a desktop's and a phone's width: it fits, it passes axe's serious and
    critical rules, and its screenshot is kept."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload(wait_until="domcontentloaded")
        assert not horizontal_overflow(page), (
            f"{name} scrolls sideways at {width} px: {horizontal_overflow(page)}"
        )
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: {violations}"
        page.screenshot(path=str(ARTIFACTS / f"walkthrough-{role}-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_supervisor_approves_a_closure_and_accepts_a_transfer_from_the_home(desk, live_server, day):
    supervisor = day.users["supervisora.dallas"]
    arrive(desk, live_server, supervisor)
    assert desk.url == f"{live_server.url}/"
    closure = desk.locator(f"#closure-{day.closing.pk}")
    assert "Salió bajo fianza" in closure.inner_text()
    assert "Alicia Dávila" in closure.inner_text()  # who asked
    look(desk, "supervisor", "home")

    closure.get_by_role("button", name="Aprobar y cerrar").click()
    desk.wait_for_url(re.compile(r".*/#closures$"), wait_until="domcontentloaded")
    assert "quedó cerrado" in desk.locator(".messagelist").inner_text()
    assert Case.objects.get(pk=day.closing.pk).status == Status.CLOSED
    assert not Task.objects.filter(case=day.closing, done=False).exists()  # the closure's wrap-up

    transfer = desk.locator("#transfers li.ws-row").first
    assert day.transferred.reference in transfer.inner_text()
    transfer.get_by_role("button", name="Aceptar el caso").click()
    desk.wait_for_url(re.compile(r".*/#transfers$"), wait_until="domcontentloaded")
    assert Transfer.objects.get(case=day.transferred).status == "accepted"
    assert Case.objects.get(pk=day.transferred.pk).consulate.slug == "dallas"
    look(desk, "supervisor", "home-after")


def test_manager_lands_on_the_reports_and_exports_them(desk, live_server, day):
    manager = day.users["gerente"]
    manager.staff_membership.can_export = True
    manager.staff_membership.save()
    arrive(desk, live_server, manager)
    assert desk.url.startswith(f"{live_server.url}/reports/")
    assert desk.locator("#id_start").input_value()  # the range shows its dates on arrival
    look(desk, "manager", "reports")
    with desk.expect_download() as download:
        desk.get_by_role("link", name="Todos los informes (XLSX)").click()
    workbook = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert "Casos abiertos" in " ".join(workbook.sheetnames) or len(workbook.sheetnames) > 3
    assert not [name for name in workbook.sheetnames if "_" in name]  # titles, not the reports' ids


def test_auditor_finds_who_looked_at_a_record(desk, live_server, day):
    officer = day.users["oficial.dallas"]
    colleague = Client()
    login_verified(colleague, officer)
    assert colleague.get(f"/admin/cases/case/{day.handoff_ready.pk}/change/").status_code == 200
    auditor = day.users["auditora"]
    arrive(desk, live_server, auditor)
    assert desk.url == f"{live_server.url}/"
    look(desk, "auditor", "home")
    desk.locator("#access-title").get_by_role("link", name="Bitácora de accesos").click()
    desk.wait_for_load_state("domcontentloaded")
    desk.goto(f"{desk.url.split('?')[0]}?case={day.handoff_ready.reference}")
    rows = desk.locator("#result_list tbody tr")
    assert rows.count() >= 1
    assert "Alicia Dávila" in desk.locator("#result_list").inner_text()
    assert AccessLog.objects.filter(case_id=day.handoff_ready.pk, user=officer).exists()
    look(desk, "auditor", "access-log")


LEGAL = "legal_representation"


def _case_page(desk, case) -> None:
    desk.wait_for_url(re.compile(rf".*/case/{case.pk}/(\?.*)?(#.*)?$"), wait_until="domcontentloaded")


def _more_action(desk, name: str) -> None:
    """A case action kept under "More actions" (the case page's bar keeps the next step in view)."""
    desk.locator("summary", has_text="Más acciones").click()
    desk.locator(f"a.ws-action-{name}").click()
    desk.wait_for_load_state("domcontentloaded")


def test_officer_finds_registers_opens_and_works_a_case(desk, live_server, day):
    officer = day.users["oficial.dallas"]
    partner = PartnerFactory(name="Defensa Legal del Norte", services=[LEGAL], covers=["dallas"])
    arrive(desk, live_server, officer)
    assert desk.url == f"{live_server.url}/"
    assert desk.evaluate("document.activeElement.id") == "ws-search-q"  # the search box has the cursor
    # The page's first keyboard stop is the link that skips to the content, and its target exists.
    first = desk.evaluate(
        "[...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')][0]"
        ".getAttribute('href')"
    )
    assert first == "#content-start"
    assert desk.locator("#content-start").count() == 1
    look(desk, "officer", "home")

    # The lists and the calendar the home links to.
    desk.locator("#my-cases h2 a").click()
    desk.wait_for_url(re.compile(r".*/admin/cases/case/\?mine=me_open$"), wait_until="domcontentloaded")
    look(desk, "officer", "my-cases-list")
    desk.goto(f"{live_server.url}/calendar/")
    look(desk, "officer", "calendar-week")
    desk.goto(f"{live_server.url}/")

    # Find: a near miss offers the name; nobody at all offers to register.
    desk.fill("#ws-search-q", "Nuñes")
    desk.press("#ws-search-q", "Enter")
    desk.get_by_role("link", name="Rosa Elena Núñez Ortiz").wait_for()
    look(desk, "officer", "search")
    desk.fill("#ws-search-q", "Wendy Bóxer")
    desk.press("#ws-search-q", "Enter")
    desk.get_by_role("link", name="Registrar a una persona nueva").click()
    desk.wait_for_url(re.compile(r".*/admin/cases/person/add/$"), wait_until="domcontentloaded")
    look(desk, "officer", "person-form")
    desk.fill("#id_given_names", "Wendy")
    desk.fill("#id_paternal_surname", "Bóxer")
    desk.click("input[name=_continue]")
    desk.wait_for_url(re.compile(r".*/admin/cases/person/\d+/change/.*"), wait_until="domcontentloaded")
    person = Person.objects.get(given_names="Wendy")

    # Open a case from the person's page; the subtypes offered are the category's.
    desk.locator("a.button", has_text=re.compile("caso", re.I)).click()
    desk.select_option("#id_category", "migratorio")
    assert desk.locator("#id_subtype optgroup[label='Penal']").get_attribute("hidden") is not None
    desk.select_option("#id_subtype", "detencion_migratoria")
    desk.select_option("#id_priority", "urgent")
    desk.click("input[name=_continue]")
    desk.wait_for_url(re.compile(r".*/admin/cases/case/\d+/change/.*"), wait_until="domcontentloaded")
    case = Case.objects.get(person=person)
    desk.get_by_role("link", name="Vista de trabajo").click()
    _case_page(desk, case)
    look(desk, "officer", "case-page")

    # Log a call, schedule a hearing, add a task and complete it: each form on its own, no reload.
    desk.evaluate("window.stillTheSamePage = true")
    desk.check("#id_note-kind_1")
    desk.fill("#id_note-text", "Llamada con la hermana; confirma la detención.")
    desk.click("#note-form button[type=submit]")
    desk.locator("#timeline .ws-event", has_text="Llamada con la hermana").wait_for()
    desk.locator("#hearings summary", has_text="Programar una audiencia").click()
    desk.select_option("#id_hearing-kind", "master_calendar")
    starts = timezone.localtime() + dt.timedelta(days=10)
    desk.fill("#id_hearing-starts_at", starts.strftime("%Y-%m-%dT09:30"))
    desk.fill("#id_hearing-location", "Corte de Inmigración de Dallas")
    desk.click("#hearing-form button[type=submit]")
    desk.locator("#hearings", has_text="Corte de Inmigración de Dallas").wait_for()
    desk.fill("#id_task-title", "Pedir el acta de nacimiento")
    desk.click("#task-form button[type=submit]")
    desk.locator("#tasks .ws-row", has_text="Pedir el acta de nacimiento").wait_for()
    task = Task.objects.get(case=case, title="Pedir el acta de nacimiento")
    desk.click(f"#task-{task.pk}-form button[type=submit]")
    desk.locator("#tasks .ws-row", has_text="Pedir el acta de nacimiento").wait_for(state="detached")
    assert desk.evaluate("window.stillTheSamePage") is True
    task.refresh_from_db()
    assert task.done
    assert Hearing.objects.filter(case=case, location="Corte de Inmigración de Dallas").exists()

    # Refer to a partner with the person's consent.
    _more_action(desk, "consent")
    desk.select_option("#id_partner", str(partner.pk))
    for category in ("identity", "custody", "hearings"):
        desk.check(f"input[name=scope][value={category}]")
    desk.check("input[name=method][value=verbal]")
    desk.click("input[type=submit].default")
    desk.wait_for_load_state("domcontentloaded")
    desk.goto(f"{live_server.url}/case/{case.pk}/")
    _more_action(desk, "refer")
    desk.select_option("#id_suggest_service", LEGAL)
    desk.click("form.crossoffice-service-step input[type=submit]")
    desk.wait_for_url(re.compile(rf".*service={LEGAL}"), wait_until="domcontentloaded")
    desk.select_option("#id_partner", str(partner.pk))
    desk.fill("#id_request_note", "Representación en la audiencia de fianza.")
    desk.click("input[type=submit].default")
    desk.wait_for_load_state("domcontentloaded")
    assert Referral.objects.get(case=case, partner=partner).status == "pending"

    # Prepare the hand-off of a case ready for it, and print its sheet.
    ready = day.handoff_ready
    desk.goto(f"{live_server.url}/case/{ready.pk}/")
    _more_action(desk, "handoff_prepare")
    desk.fill("#id_destination", "Tlaxiaco, Oaxaca")
    desk.fill("#id_family_contact_name", "Juana Ruiz")
    desk.click("input[type=submit].default")
    desk.wait_for_load_state("domcontentloaded")
    assert RepatriationHandoff.objects.filter(case=ready).exists()
    desk.goto(f"{live_server.url}/admin/cases/case/{ready.pk}/handoff/print/")
    assert "Tlaxiaco, Oaxaca" in desk.locator("body").inner_text()
    look(desk, "officer", "handoff-sheet")
    desk.get_by_role("link", name="Volver al caso").click()
    desk.wait_for_url(re.compile(rf".*/admin/cases/case/{ready.pk}/change/.*"), wait_until="domcontentloaded")
