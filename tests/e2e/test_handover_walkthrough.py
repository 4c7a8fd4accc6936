"""The hand-over to a consulate outside the network in a real browser: Dallas's supervisor opens a case
whose person ICE moved to Georgia, hands it over to the Consulado de México en Atlanta (found by typing in
the list's search box), sees the case closed as transferred out with the hand-over on the page and the
timeline, records the receipt; the administrator sees the export in the case's access log."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import AccessLog, Case, Handover
from cases.models.access import AccessAction
from cases.models.case import Outcome, Status
from consulates.models import Consulate, DetentionFacility, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.factories import make_case, make_person
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
CASE_PAGE = re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def staff(django_user_model):
    network_restore()  # transactional tests start from an empty database
    users = {}
    for username, role, slug in [
        ("oficial.dallas", Role.OFFICER, "dallas"),
        ("supervisora.dallas", Role.SUPERVISOR, "dallas"),
        ("admin", Role.ADMINISTRATOR, None),
    ]:
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=username
        )
        consulate = Consulate.objects.get(slug=slug) if slug else None
        StaffMembership.objects.create(user=user, role=role, consulate=consulate)
        users[username] = user
    return users


@pytest.fixture
def case(staff) -> Case:
    officer = staff["oficial.dallas"]
    person = make_person(officer, given_names="Efraín", paternal_surname="Montoya", maternal_surname="Salas")
    return make_case(
        officer,
        person=person,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=timezone.localdate() - dt.timedelta(days=5),
    )


def shot(page, artifacts, name):
    page.screenshot(path=str(artifacts / f"handover-{name}.png"), full_page=True)


def test_a_supervisor_hands_a_case_over_outside_the_network(page, live_server, staff, case, media, artifacts):
    case_url = f"{live_server.url}/admin/cases/case/{case.pk}/change/"

    # 1. The officer is not offered the hand-over: it is a supervisor's decision.
    sign_in(page, live_server, "oficial.dallas", PASSWORD)
    page.goto(case_url)
    assert page.locator(".case-action-handover").count() == 0

    # 2. The supervisor finds Atlanta by typing in the search box and hands the case over.
    sign_in(page, live_server, "supervisora.dallas", PASSWORD)
    page.goto(case_url)
    page.click(".case-action-handover")
    page.wait_for_selector("#id_post")
    assert page.locator("#id_post optgroup").count() >= 20
    assert page.locator("#id_post option", has_text="Houston").count() == 0  # in the network: a transfer
    page.fill("#post-filter", "atlanta")
    assert page.locator("#id_post option:not([hidden])", has_text="Atlanta").count() == 1
    assert page.locator("#id_post").input_value() != ""  # the only match is chosen
    page.select_option("#id_reason", "moved")
    page.fill("#id_reason_notes", "ICE lo trasladó a un centro de detención en Georgia.")
    page.select_option("#id_method", "email")
    page.fill("#id_method_notes", "Departamento de protección, Atlanta")
    shot(page, artifacts, "1-form")
    page.click("input[type=submit].default")
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")

    # 3. The case is closed as transferred out; the hand-over is on the page and the timeline.
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.TRANSFERRED_OUT)
    panel = page.locator(".handover-panel")
    assert "Atlanta" in panel.inner_text()
    assert page.locator(".handover-download").count() == 1
    body = page.locator("body").inner_text()
    assert "Trasladado a otro consulado" in body or "Transferred out to another consulate" in body
    shot(page, artifacts, "2-case-closed")

    # 4. The receipt from Atlanta is recorded later.
    page.click(".handover-receipt-link")
    page.fill("#id_acknowledged_by_name", "Lic. Ana Ruiz")
    page.click("input[type=submit].default")
    page.wait_for_url(CASE_PAGE, wait_until="domcontentloaded")
    assert "Lic. Ana Ruiz" in page.locator(".handover-panel").inner_text()
    assert Handover.objects.get(case=case).acknowledged_at is not None

    # 5. The administrator sees the export in the case's access log.
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=case.pk).count() == 1
    sign_in(page, live_server, "admin", PASSWORD)
    page.goto(case_url)
    page.click(".access-log-link")
    page.wait_for_load_state("domcontentloaded")
    text = page.locator("#result_list").inner_text()
    assert "entrega a otro consulado" in text or "for a hand-over" in text
    shot(page, artifacts, "3-access-log")
