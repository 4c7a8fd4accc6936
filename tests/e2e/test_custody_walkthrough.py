"""Custody in a real browser: an officer records a move to a facility in another district (and sees the
transfer proposed), a search for the person, and a move out of state to a facility not in the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from consulates.models import Consulate, DetentionFacility, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.e2e.test_content_security_policy import LISTEN
from tests.factories import make_case
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
PRAIRIELAND = "Prairieland Detention Center"
EL_PASO = "El Paso Service Processing Center"

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


def test_an_officer_records_moves_and_a_search(page, live_server, officer, artifacts):
    today = timezone.localdate()
    case = make_case(
        officer,
        facility=DetentionFacility.objects.get(name=PRAIRIELAND),
        detained_since=today - dt.timedelta(days=10),
    )
    page.context.add_init_script(LISTEN)
    sign_in(page, live_server, officer, PASSWORD)
    page.goto(f"{live_server.url}/case/{case.pk}/#custody")
    assert PRAIRIELAND in page.locator("#custody-history").inner_text()

    # A move to a facility in El Paso's district: the transfer is proposed, said in the same section.
    page.click("#custody summary:has-text('Registrar un traslado')")
    el_paso = DetentionFacility.objects.get(name=EL_PASO)
    page.select_option("#id_move-facility", str(el_paso.pk))
    page.fill("#id_move-since", (today - dt.timedelta(days=2)).isoformat())
    page.select_option("#id_move-source", "ice_locator")
    page.click("#move-form button[type=submit]")
    page.locator("#custody-transfer-proposed").wait_for()
    history = page.locator("#custody-history").inner_text()
    assert EL_PASO in history
    assert PRAIRIELAND in history
    assert "Hora de la Montaña" in history  # the facility's clock, not the page's
    page.screenshot(path=str(artifacts / "custody-move-other-district.png"), full_page=True)
    page.locator("#custody").screenshot(path=str(artifacts / "custody-section-transfer-proposed.png"))

    # A search for the person: the ICE locator shows her moved out of the network's area.
    page.click("#custody summary:has-text('Registrar una búsqueda')")
    page.select_option("#id_locate-where", "ice_locator")
    page.fill("#id_locate-searched_for", "Número A")
    page.select_option("#id_locate-result", "transferred_out")
    page.uncheck("#id_locate-record_custody")
    page.click("#locate-form button[type=submit]")
    page.locator("#locate-history", has_text="Número A").wait_for()

    # A move out of state, to a facility that is not in the list.
    page.click("#custody summary:has-text('Registrar un traslado')")
    page.fill("#id_move-since", today.isoformat())
    page.select_option("#id_move-source", "ice_locator")
    page.fill("#id_move-new_name", "Centro de prueba en Luisiana")
    page.fill("#id_move-new_city", "Jena")
    page.select_option("#id_move-new_state", "LA")
    page.select_option("#id_move-new_kind", "ice")
    page.select_option("#id_move-new_timezone", "America/Chicago")
    page.click("#move-form button[type=submit]")
    page.locator("#custody-history", has_text="Centro de prueba en Luisiana").wait_for()
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(artifacts / "custody-move-out-of-state.png"), full_page=True)

    case = Case.objects.get(pk=case.pk)
    assert (case.facility.name, case.facility.state, case.facility.county) == (
        "Centro de prueba en Luisiana",
        "LA",
        None,
    )
    assert case.custody_episodes.count() == 3
    assert case.locate_attempts.count() == 1
