"""Browser walkthrough (issue 20, decision 0025): an officer plans the removal of a detained minor by a
night flight to Tapachula, is told in Spanish that a flight needs its number, sees on the case page the
warnings (outside the airport's agreed hours, a point outside the 2016 arrangements), prepares the
hand-off recording why the removal goes ahead, and the case page then shows who saw the warnings.

The sources give no agreed hours for the airports; the test world records 08:00-20:00 on Tapachula's
point as staff may (a curated edit), so the hours rule can be seen in the browser."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import RemovalWarningAck, RepatriationHandoff
from consulates.models import Consulate, DetentionFacility, ReceptionPoint, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.factories import make_case, make_person
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
CASE_PAGE = re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$")
REASON = "ICE confirmó el vuelo nocturno; el DIF de Chiapas recibe al menor en el aeropuerto."

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer(django_user_model):
    network_restore()  # transactional tests start from an empty database
    user = django_user_model.objects.create_user(
        "oficial.dallas", password=PASSWORD, is_staff=True, first_name="Rocío", last_name="Salinas"
    )
    StaffMembership.objects.create(
        user=user, role=Role.OFFICER, consulate=Consulate.objects.get(slug="dallas")
    )
    ReceptionPoint.objects.filter(mx_city="Tapachula", kind="airport").update(
        hours_from=dt.time(8, 0), hours_to=dt.time(20, 0), curated=True
    )
    return user


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"removal-{name}.png"), full_page=True)


def submit(page, selector):
    page.click(selector)
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")


def test_a_minors_night_flight_warns_and_the_officer_records_why(page, live_server, officer, artifacts):
    person = make_person(officer, given_names="Julián", paternal_surname="Pérez", is_minor=True)
    case = make_case(
        officer,
        person=person,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=timezone.localdate() - dt.timedelta(days=3),
    )
    tapachula = ReceptionPoint.objects.get(mx_city="Tapachula", kind="airport")
    removal = timezone.localdate() + dt.timedelta(days=6)
    sign_in(page, live_server, "oficial.dallas", PASSWORD)
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")

    # 1. A flight without its number: a field error in Spanish, nothing saved.
    page.fill("#id_expected_removal_date", removal.isoformat())
    page.fill("#id_expected_removal_time", "22:30")
    page.select_option("#id_reception_point", str(tapachula.pk))
    page.select_option("#id_removal_mode", "flight")
    submit(page, "input[name=_continue]")
    error = page.locator(".field-removal_flight_number .errorlist, .errors .errorlist").first
    assert "Escriba el número de vuelo." in page.locator("body").inner_text()
    assert error.count() == 1
    shot(page, artifacts, "flight-number-missing")
    case.refresh_from_db()
    assert case.removal_mode == ""

    # 2. With the flight number: saved; the case page warns (hours, and a point outside the 2016 list).
    page.fill("#id_removal_flight_number", "gxa 4821")
    submit(page, "input[name=_continue]")
    case.refresh_from_db()
    assert (case.removal_mode, case.removal_flight_number, case.expected_removal_time) == (
        "flight",
        "GXA 4821",
        dt.time(22, 30),
    )
    panel = page.locator(".handoff-panel")
    text = panel.inner_text()
    assert "a las 22:30, hora de Tapachula" in text
    assert "Vuelo GXA 4821" in text
    warnings = panel.locator(".handoff-warnings li")
    assert warnings.count() == 2
    assert "fuera del horario acordado" in warnings.nth(0).inner_text()
    assert "no es uno de los puntos designados" in warnings.nth(1).inner_text()
    assert panel.locator(".handoff-warning-unseen").count() == 2
    panel.scroll_into_view_if_needed()
    shot(page, artifacts, "case-page-warnings")

    # 3. The hand-off form shows the warnings and asks why the removal goes ahead.
    page.locator("a.case-action-handoff_prepare").click()
    page.wait_for_url(re.compile(r".*/handoff/$"))
    assert page.locator(".handoff-warnings li").count() == 2
    page.fill("#id_medical_needs", "Ninguna")
    page.fill("#id_warnings_reason", REASON)
    shot(page, artifacts, "handoff-form-warnings")
    submit(page, "input[type=submit].default")
    handoff = RepatriationHandoff.objects.get(case=case)
    assert (handoff.removal_mode, handoff.removal_flight_number, handoff.removal_time) == (
        "flight",
        "GXA 4821",
        dt.time(22, 30),
    )
    acks = RemovalWarningAck.objects.filter(case=case)
    assert acks.count() == 2
    assert {(a.acknowledged_by_id, a.reason) for a in acks} == {(officer.pk, REASON)}

    # 4. The case page shows who saw the warnings and why; the timeline says so too.
    panel = page.locator(".handoff-panel")
    assert panel.locator(".handoff-warning-unseen").count() == 0
    seen = panel.locator(".handoff-warning-seen")
    assert seen.count() == 2
    assert "Vista por Rocío Salinas" in seen.first.inner_text()
    assert REASON in panel.inner_text()
    assert "Advertencia de remoción vista" in page.locator("body").inner_text()
    panel.scroll_into_view_if_needed()
    shot(page, artifacts, "case-page-warnings-seen")
