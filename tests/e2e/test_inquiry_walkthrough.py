"""A family's call, in a real browser: the officer records it on "Nueva consulta" (a mistake is shown
beside the field and in the announced summary, nothing typed is lost), records the searches until the
person is found, registers the person and opens the case in one step, and answers the caller. Every page
at 1280 and 390 px: no sideways scrolling, no serious or critical axe violation, a screenshot in
test-artifacts/ (inquiry-<step>-<width>.png)."""

from __future__ import annotations

import re

import pytest

from cases.models import CaseEvent
from cases.models.work import EventKind
from consulates.models import DetentionFacility
from intake.models import Inquiry, InquiryStatus
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in
from tests.factories import officer

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "una-clave-larga-de-prueba-2026"
WIDTHS = ((1280, 900), (390, 844))


@pytest.fixture
def desk(browser):
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


def look(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        assert not horizontal_overflow(page), (
            f"{name} scrolls sideways at {width} px: {horizontal_overflow(page)}"
        )
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: {violations}"
        page.screenshot(path=str(ARTIFACTS / f"inquiry-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_familys_call_becomes_an_inquiry_is_located_converted_and_answered(desk, live_server):
    user = officer("dallas", first_name="Alicia", last_name="Dávila")
    user.set_password(PASSWORD)
    user.save()
    facility = (
        DetentionFacility.objects.filter(active=True, county__consulate__slug="dallas")
        .order_by("name")
        .first()
    )
    sign_in(desk, live_server, user, PASSWORD, start="/")
    assert "Consultas de familiares y organizaciones" in desk.locator("#inquiries").inner_text()
    look(desk, "home")

    # The call: the caller first, then the person sought. A bad A-number first.
    desk.locator("#inquiries").get_by_role("link", name="Nueva consulta").click()
    desk.wait_for_url(re.compile(r".*/inquiries/new/$"), wait_until="domcontentloaded")
    desk.get_by_label("Nombre de quien llama").fill("Rosa Hernández Luna")
    desk.get_by_label("Parentesco con la persona que se busca").fill("hermana")
    desk.get_by_label("Teléfono para devolver la llamada").fill("+1 214 555 0142")
    desk.get_by_label("Nombre(s)").fill("José Luis")
    desk.get_by_label("Apellido paterno").fill("Hernández")
    desk.get_by_label("Apellido materno").fill("Luna")
    desk.get_by_label("Lugar de nacimiento").fill("Morelia, Michoacán")
    desk.get_by_label("Número A, si quien llama lo sabe").fill("A-12")
    desk.get_by_label("Dónde lo detuvieron").fill("Dallas, al salir del trabajo")
    desk.get_by_role("button", name="Registrar la consulta").click()
    desk.wait_for_load_state("domcontentloaded")
    summary = desk.locator("#inquiry-errors")
    assert summary.get_attribute("role") == "alert"
    assert "Número A" in summary.inner_text()
    assert desk.get_by_label("Nombre de quien llama").input_value() == "Rosa Hernández Luna"
    assert desk.locator("#id_sought_a_number-error").is_visible()
    look(desk, "new-with-error")
    desk.get_by_label("Número A, si quien llama lo sabe").fill("A-201-555-123")
    desk.get_by_role("button", name="Registrar la consulta").click()
    desk.wait_for_url(re.compile(r".*/inquiries/\d+/$"), wait_until="domcontentloaded")
    inquiry = Inquiry.objects.get(sought_paternal_surname="Hernández")
    assert "Consulta" in desk.locator(".messagelist").inner_text()
    assert "Rosa Hernández Luna" in desk.locator("#caller").inner_text()
    look(desk, "page")
    desk.goto(f"{live_server.url}/inquiries/")
    assert "José Luis Hernández Luna" in desk.locator(f"#inquiry-{inquiry.pk}").inner_text()
    look(desk, "queue")
    desk.locator(f"#inquiry-{inquiry.pk}").get_by_role("link").first.click()
    desk.wait_for_url(re.compile(r".*/inquiries/\d+/$"), wait_until="domcontentloaded")

    # The searches: not in the ICE locator, then found by calling the facility.
    form = desk.locator("#locate-form")
    form.get_by_label("Dónde buscó").select_option("ice_locator")
    form.get_by_label("Qué buscó").fill("Hernández Luna, México")
    form.get_by_label("Resultado").select_option("not_found")
    form.get_by_role("button", name="Registrar la búsqueda").click()
    desk.wait_for_load_state("domcontentloaded")
    form = desk.locator("#locate-form")
    form.get_by_label("Dónde buscó").select_option("facility")
    form.get_by_label("Resultado").select_option("found")
    form.get_by_label("Centro de detención, si lo encontró").select_option(str(facility.pk))
    form.get_by_role("button", name="Registrar la búsqueda").click()
    desk.wait_for_load_state("domcontentloaded")
    assert facility.name in desk.locator("#attempts").inner_text()
    inquiry.refresh_from_db()
    assert inquiry.located_at is not None
    look(desk, "located")

    # Nobody known resembles him: register the person and open the case in one step.
    assert "Ninguna de las personas" in desk.locator("#candidates").inner_text()
    convert = desk.locator("#convert-form")
    convert.get_by_label("Sexo").select_option("H")
    convert.get_by_role("button", name="Registrar persona y abrir caso").click()
    desk.wait_for_load_state("domcontentloaded")
    inquiry.refresh_from_db()
    assert inquiry.case is not None
    assert inquiry.case.facility == facility
    assert inquiry.person.a_number == "201555123"
    assert inquiry.person.state_of_birth == "MN"
    assert CaseEvent.objects.filter(case=inquiry.case, kind=EventKind.INQUIRY_LINKED).exists()
    assert inquiry.case.reference in desk.locator("#summary").inner_text()
    look(desk, "converted")

    # The answer to the family closes it.
    answer = desk.locator("#answer-form")
    answer.get_by_label("La respuesta que se dio a quien llamó").fill(
        "Está detenido en el centro; le dimos el teléfono del consulado y el número del caso."
    )
    answer.get_by_role("button", name="Responder y cerrar").click()
    desk.wait_for_load_state("domcontentloaded")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    assert "Respondida" in desk.locator("#summary").inner_text()
    look(desk, "answered")

    # The case's page shows the inquiry on its timeline.
    desk.goto(f"{live_server.url}/case/{inquiry.case_id}/")
    assert f"Consulta {inquiry.pk}" in desk.locator("#timeline").inner_text()
    look(desk, "case-timeline")
