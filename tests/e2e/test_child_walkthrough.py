"""A child's case in a real browser (decision 0029): the officer completes the unaccompanied girl's
assessment on the case page, tries to close the case as repatriated and is stopped (the DIF has not
confirmed receiving her), records the DIF's confirmation on the hand-off, asks for the closure (a child's
case is closed by a supervisor), and the supervisor approves it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, ChildAssessment
from cases.models.case import Status
from consulates.models import Consulate, ReceptionPoint, Role, StaffMembership
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.signin import sign_in
from tests.e2e.test_content_security_policy import LISTEN
from tests.factories import make_case, make_person
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
CASE_PAGE = re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(django_user_model):
    network_restore()  # transactional tests start from an empty database
    dallas = Consulate.objects.get(slug="dallas")
    users = {}
    for username, role, first in (
        ("oficial.dallas", Role.OFFICER, "Alicia"),
        ("supervisora.dallas", Role.SUPERVISOR, "Beatriz"),
    ):
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=first, last_name="Dávila"
        )
        StaffMembership.objects.create(user=user, role=role, consulate=dallas)
        users[role] = user
    return users


@pytest.fixture
def child_case(staff):
    officer = staff[Role.OFFICER]
    today = timezone.localdate()
    person = make_person(
        officer,
        given_names="Brenda",
        paternal_surname="Jiménez",
        date_of_birth=today - dt.timedelta(days=5600),
    )
    case = make_case(officer, person=person, summary="Adolescente no acompañada; pide volver con su madre.")
    point = (
        ReceptionPoint.objects.offered().filter(receivers__contains=["dif"], mx_city="Nuevo Laredo").first()
    )
    services.case_update(
        actor=officer, case=case, expected_removal_date=today - dt.timedelta(days=1), reception_point=point
    )
    services.handoff_prepare(
        actor=officer, case=case, warnings_reason="Retorno acordado con su madre y el DIF."
    )
    return Case.objects.get(pk=case.pk), point


def _close_as_repatriated(page):
    page.locator("a.case-action-close").click()
    page.select_option("#id_outcome", "repatriated")
    page.click("input[type=submit].default")


def test_a_childs_assessment_the_difs_confirmation_and_the_supervisors_closure(
    page, live_server, staff, child_case, artifacts
):
    case, point = child_case
    page.context.add_init_script(LISTEN)
    sign_in(page, live_server, "oficial.dallas", PASSWORD)

    # The assessment, on the case page's child panel, in the form's words.
    page.goto(f"{live_server.url}/case/{case.pk}/#children")
    panel = page.locator("#children")
    assert "solo una supervisora o un supervisor puede cerrarlo" in panel.inner_text()
    page.select_option("#id_assessment-situation", "unaccompanied")
    page.select_option("#id_assessment-age_basis", "document")
    page.fill("#id_assessment-age_notes", "Acta de nacimiento")
    for field in ("victim_of_trafficking", "at_risk_of_trafficking", "fears_return"):
        page.check(f"input[name='assessment-{field}'][value='no']")
    page.check("input[name='assessment-can_decide_alone'][value='yes']")
    page.fill("#id_assessment-guardian_name", "Rocío Luna")
    page.fill("#id_assessment-guardian_relationship", "madre")
    page.select_option("#id_assessment-guardian_check", "dif")
    page.select_option("#id_assessment-dif_office", str(point.pk))
    page.click("#assessment-form button[type=submit]")
    page.locator("#child-assessment [data-complete]").wait_for()
    assert "¿Teme volver a México?" in page.locator("#child-assessment").inner_text()
    assert ChildAssessment.objects.get(case=case).complete
    page.locator("#children").screenshot(path=str(artifacts / "child-assessment-complete.png"))

    # Closing as repatriated before the DIF confirmed: refused, and the page says why.
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    _close_as_repatriated(page)
    page.locator(".errornote, .errorlist").first.wait_for()
    assert "la oficina del DIF que la o lo recibe no ha confirmado la recepción" in page.content()
    page.screenshot(path=str(artifacts / "child-closure-blocked-before-dif.png"), full_page=True)
    assert Case.objects.get(pk=case.pk).status != Status.CLOSED

    # The DIF's confirmation recorded on the hand-off.
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.locator("a.case-action-handoff_confirm").click()
    page.fill("#id_received_by_name", "Personal del DIF, CAMEF Nuevo Laredo")
    page.click("input[type=submit].default")
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")

    # The officer's closure is a request: a child's case is closed by a supervisor.
    _close_as_repatriated(page)
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE
    page.goto(f"{live_server.url}/case/{case.pk}/#children")
    page.locator("#child-closure-pending").wait_for()
    page.screenshot(path=str(artifacts / "child-closure-pending-supervisor.png"), full_page=True)

    # The supervisor approves.
    sign_in(page, live_server, "supervisora.dallas", PASSWORD)
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.locator("a.case-action-approve").click()
    page.click("input[type=submit].default")
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.outcome) == (Status.CLOSED, "repatriated")
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(artifacts / "child-closed-by-supervisor.png"), full_page=True)


def test_the_child_panel_is_accessible_and_fits_a_narrow_screen(
    browser, live_server, staff, child_case, artifacts
):
    """axe-core's serious and critical rules on the case page with the child panel, its assessment form open,
    at a desk's and a phone's width (a context that lets the test inject axe past the page's CSP)."""
    case, _point = child_case
    context = browser.new_context(locale="es-MX", timezone_id="America/Chicago", bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "oficial.dallas", PASSWORD)
        page.goto(f"{live_server.url}/case/{case.pk}/#children")
        page.locator("#assessment-form").wait_for()
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 900})
            assert horizontal_overflow(page) == [], width
            assert axe_violations(page) == [], width
        page.locator("#children").screenshot(path=str(artifacts / "child-panel-phone.png"))
    finally:
        context.close()
