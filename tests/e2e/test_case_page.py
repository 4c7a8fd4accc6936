"""The case page in a real browser: an officer logs a call with the quick form and sees it on the timeline
without the page reloading; the page fits a desktop and a phone without sideways scrolling."""

from __future__ import annotations

import pytest

from cases.models import CaseEvent
from cases.models.work import EventKind
from consulates.models import Consulate, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.e2e.test_content_security_policy import LISTEN
from tests.factories import make_case
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"

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


def test_a_call_logged_from_the_case_page_shows_without_a_reload(page, live_server, officer, artifacts):
    case = make_case(officer)
    page.context.add_init_script(LISTEN)
    sign_in(page, live_server, officer, PASSWORD)
    page.goto(f"{live_server.url}/case/{case.pk}/")
    page.evaluate("window.stillTheSamePage = true")

    # An empty call: the error is beside the field and at the top of the form, nothing is saved.
    page.check("#id_note-kind_1")  # a phone call
    page.click("#note-form button[type=submit]")
    summary = page.locator("#note-errors[role=alert]")
    summary.wait_for()
    assert page.evaluate("document.activeElement.id") == "note-errors"
    assert page.locator("#id_note-text-error").is_visible()
    assert page.locator("#id_note-kind_1").is_checked()  # what was chosen is kept

    page.fill("#id_note-text", "Llamé al centro de detención: visita el jueves")
    page.click("#note-form button[type=submit]")
    entry = page.locator("#timeline .ws-event-contact", has_text="Llamé al centro de detención")
    entry.wait_for()
    assert "Alicia Dávila" in entry.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert page.locator("#id_note-text").input_value() == ""  # ready for the next one
    assert page.locator("#case-status-message").inner_text()
    assert page.evaluate("window.__csp") == []  # the page's script runs under the strict policy
    event = CaseEvent.objects.filter(case=case, kind=EventKind.CALL).get()
    assert (event.kind, event.actor_id) == (EventKind.CALL, officer.pk)

    for width, height in ((1280, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/case/{case.pk}/")
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, f"the page scrolls sideways at {width} px"
        page.screenshot(path=str(artifacts / f"case-page-{width}.png"), full_page=True)
        # The title stays visible while the page scrolls.
        page.mouse.wheel(0, 1200)
        page.wait_for_timeout(200)
        box = page.locator("#case-title").bounding_box()
        assert box is not None
        assert 0 <= box["y"] < height / 3
