"""A facility visit in a real browser (decision 0026): an officer plans a visit to Prairieland from the
facility's page, records three interviews in one screen and a checklist whose problem raises a formal
request in one step, and sees the request and the conditions on the facility's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import CaseEvent, FacilityVisit, FormalRequest
from consulates.models import Consulate, DetentionFacility, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.e2e.test_content_security_policy import LISTEN
from tests.factories import make_case, make_person
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
PRAIRIELAND = "Prairieland Detention Center"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(django_user_model):
    network_restore()  # transactional tests start from an empty database
    user = django_user_model.objects.create_user(
        "oficial.dallas", password=PASSWORD, is_staff=True, first_name="Alicia", last_name="Dávila"
    )
    StaffMembership.objects.create(
        user=user, role=Role.OFFICER, consulate=Consulate.objects.get(slug="dallas")
    )
    return user


def test_a_visit_with_three_interviews_and_a_checklist_that_raises_a_request(
    page, live_server, officer, artifacts
):
    today = timezone.localdate()
    prairieland = DetentionFacility.objects.get(name=PRAIRIELAND)
    names = [("Rosa", "Villalobos"), ("Héctor", "Quintana"), ("Marisol", "Ayala")]
    cases = [
        make_case(
            officer,
            person=make_person(officer, given_names=given, paternal_surname=surname),
            facility=prairieland,
            detained_since=today - dt.timedelta(days=8 + n),
        )
        for n, (given, surname) in enumerate(names)
    ]
    page.context.add_init_script(LISTEN)
    sign_in(page, live_server, officer, PASSWORD)

    # From the case's custody panel to the facility's page; plan the visit there.
    page.goto(f"{live_server.url}/case/{cases[0].pk}/#custody")
    page.click(f"#custody-history a:has-text('{PRAIRIELAND}')")
    page.locator("#visits-title").wait_for()
    page.click("#visits summary:has-text('Programar una visita')")
    page.fill("#id_plan-planned_for", today.isoformat())
    page.check(f"#plan-form input[value='{officer.pk}']")
    page.click("#plan-form button[type=submit]")
    page.locator("#interviews-form").wait_for()
    visit = FacilityVisit.objects.get(facility=prairieland)

    # Three interviews in one screen.
    for n, case in enumerate(cases):
        if n < 2:
            page.check(f"#id_interview-{case.pk}-seen")
        page.fill(f"#id_interview-{case.pk}-findings", f"Entrevista {n + 1}: sin lesiones visibles.")
    page.select_option(f"#id_interview-{cases[0].pk}-need", "medical")
    page.fill(f"#id_interview-{cases[0].pk}-needs", "Necesita su medicamento para la presión.")
    page.screenshot(path=str(artifacts / "visit-interviews-filled.png"), full_page=True)
    page.click("#interviews-form button[type=submit]")
    page.locator(".messagelist", has_text="Entrevistas guardadas: 3.").wait_for()
    assert CaseEvent.objects.filter(case__in=cases, kind="visit").count() == 3
    assert page.locator("#visit-status").inner_text() == "Realizada"

    # The checklist: the phones do not work.
    page.check("#check-phones input[value='problem']")
    page.fill("#id_check-phones-note", "Dos de los cuatro teléfonos no funcionan.")
    page.check("#check-food input[value='adequate']")
    page.click("#checklist-form button[type=submit]")
    page.locator("#request-from-phones").wait_for()
    page.screenshot(path=str(artifacts / "visit-checklist-problem.png"), full_page=True)

    # The problem becomes a formal request in one step: the form comes filled in.
    page.click("#request-from-phones")
    page.locator("#request-form").wait_for()
    assert page.input_value("#id_authority_name") == PRAIRIELAND
    assert page.input_value("#id_kind") == "access"
    assert "Dos de los cuatro teléfonos no funcionan." in page.input_value("#id_details")
    page.fill("#id_sent_on", today.isoformat())
    page.fill("#id_due_on", (today + dt.timedelta(days=10)).isoformat())
    page.click("#request-form button[type=submit]")
    page.locator("#request-status", has_text="Enviada").wait_for()
    request = FormalRequest.objects.get(facility=prairieland)
    assert request.from_checklist_item.key == "phones"

    # The facility's page: the visit, the conditions over time and the open request.
    page.goto(f"{live_server.url}/facilities/{prairieland.pk}/")
    page.locator("#request-list", has_text="Acceso consular").wait_for()
    assert "Dos de los cuatro teléfonos no funcionan." in page.locator("#conditions-table").inner_text()
    assert page.locator("#visit-list li").count() == 1
    page.screenshot(path=str(artifacts / "facility-page.png"), full_page=True)
    assert visit.pk
