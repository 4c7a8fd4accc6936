"""Registering a person who is already on record, in a real browser: the officer types the name as a detainee
list writes it, the page shows the likely duplicate (name, date of birth, consulate, reasons in words, links)
and saves nothing; ticking "it is a different person" with a reason registers the new person. The panel
passes axe."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.models import DuplicateReview, Person
from consulates.models import Consulate, Role, StaffMembership
from tests.e2e.accessibility import axe_violations
from tests.e2e.signin import sign_in
from tests.factories import make_person
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(browser):
    """The page's policy is bypassed only so that axe-core can be injected (the policy has its own test)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-MX", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


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


def test_a_likely_duplicate_is_shown_before_saving(desk, live_server, officer, artifacts):
    page = desk
    ramon = make_person(
        officer,
        given_names="Ramón",
        paternal_surname="Núñez",
        maternal_surname="Herrera",
        date_of_birth=dt.date(1987, 3, 14),
        sex="H",
    )
    sign_in(page, live_server, officer, PASSWORD)
    page.goto(f"{live_server.url}/admin/cases/person/add/")
    page.fill("#id_given_names", "RAMON")
    page.fill("#id_paternal_surname", "NUNEZ")
    page.fill("#id_date_of_birth", "14/03/1987")
    page.select_option("#id_sex", "H")
    page.click("input[name=_save]")
    panel = page.locator(".possible-duplicates")
    panel.wait_for()
    text = panel.inner_text()
    assert "Ramón Núñez Herrera" in text
    assert "misma fecha de nacimiento" in text
    page.screenshot(path=str(artifacts / "possible-duplicates.png"), full_page=True)
    assert axe_violations(page) == []
    assert Person.objects.count() == 1

    page.check("#id_confirm_new_person")
    page.fill("#id_new_person_reason", "Otro Ramón: la familia confirma que es su primo")
    page.click("input[name=_save]")
    page.wait_for_url(lambda url: "/add/" not in url)
    assert Person.objects.count() == 2
    review = DuplicateReview.objects.get(candidate=ramon)
    assert review.resolution_note == "Otro Ramón: la familia confirma que es su primo"
