"""Families in a real browser: an officer links a detained father to his two children (each with a case of
their own, in DFPS care), registers their mother in Mexico, sees the relationship from a child's side, and
fills the father's family-preparedness checklist (a pending item is a task; done closes it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import FamilyChecklistItem, FamilyRelationship, Task
from cases.models.work import TaskKind
from consulates.models import Consulate, DetentionFacility, Role, StaffMembership
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.signin import sign_in
from tests.e2e.test_content_security_policy import LISTEN
from tests.factories import make_case, make_person
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


def _link(page, child, kind_label: str) -> None:
    prefix = f"link-{child.pk}"
    page.select_option(f"#id_{prefix}-kind", "child")
    page.select_option(f"#id_{prefix}-relative_whereabouts", "state_care_us")
    page.click(f"#{prefix}-form button[type=submit]")
    page.locator("#family-relatives", has_text=kind_label).wait_for()


def test_an_officer_links_a_detained_father_to_his_children_and_fills_the_checklist(
    page, browser, live_server, officer, artifacts
):
    today = timezone.localdate()
    father = make_person(
        officer, given_names="Rogelio", paternal_surname="Sandoval", maternal_surname="Treviño", sex="H"
    )
    father_case = make_case(
        officer,
        person=father,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=today - dt.timedelta(days=6),
    )
    children = []
    for given in ("Daniela", "Mateo"):
        child = make_person(
            officer, given_names=given, paternal_surname="Sandoval", maternal_surname="Ruiz", is_minor=True
        )
        children.append(
            (child, make_case(officer, person=child, category="civil", subtype="custodia_menores"))
        )
    page.context.add_init_script(LISTEN)
    sign_in(page, live_server, officer, PASSWORD)
    father_url = f"{live_server.url}/case/{father_case.pk}/"

    # The father's case: search his children and link them.
    page.goto(f"{father_url}#family")
    page.click("#family summary:has-text('Agregar a un familiar')")
    for child, _case in children:
        page.fill("#id_family_q", f"{child.given_names} Sandoval Ruiz")
        page.click("#family-add form[role=search] button[type=submit]")
        page.locator("#family-results").wait_for()
        _link(page, child, child.given_names)
        page.click("#family summary:has-text('Agregar a un familiar')")
    relatives = page.locator("#family-relatives").inner_text()
    assert "hijo/a de Rogelio Sandoval Treviño" in relatives
    assert children[0][1].reference in relatives
    assert "En cuidado del estado en Estados Unidos" in relatives

    # Their mother lives in Mexico: registered only as family, from the same panel.
    page.fill("#id_relative-new-given_names", "Lucía")
    page.fill("#id_relative-new-paternal_surname", "Ruiz")
    page.fill("#id_relative-new-maternal_surname", "Domínguez")
    page.select_option("#id_relative-new-kind", "spouse")
    page.select_option("#id_relative-new-relative_whereabouts", "mexico")
    page.click("#relative-new-form button[type=submit]")
    page.locator("#family-relatives", has_text="Lucía Ruiz Domínguez").wait_for()
    assert "En México" in page.locator("#family-relatives").inner_text()
    page.locator("#family").screenshot(path=str(artifacts / "family-father-side.png"))

    # The relationship from the child's side: her father, detained, with his case.
    page.goto(f"{live_server.url}/case/{children[0][1].pk}/#family")
    child_side = page.locator("#family-relatives").inner_text()
    assert "Rogelio Sandoval Treviño" in child_side
    assert "padre/madre de Daniela" in child_side
    assert "Detenido en Estados Unidos" in child_side  # his open case in custody says so
    assert father_case.reference in child_side
    page.locator("#family").screenshot(path=str(artifacts / "family-child-side.png"))

    # The father's family-preparedness checklist: who cares for the children, due in three days.
    page.goto(f"{father_url}#family")
    page.click("#family summary:has-text('Agregar a la lista')")
    page.select_option("#id_item-kind", "caregiver")
    page.fill("#id_item-caregiver_name", "Carmen Ruiz (tía)")
    page.fill("#id_item-caregiver_contact", "+1 214 555 0148")
    page.fill("#id_item-due_on", (today + dt.timedelta(days=3)).isoformat())
    page.click("#item-form button[type=submit]")
    page.locator("#checklist-items", has_text="Carmen Ruiz").wait_for()
    page.locator("#tasks", has_text="Preparación familiar").wait_for()
    assert "no obliga a un tribunal" in page.locator("#checklist-poa-note").inner_text()
    item = FamilyChecklistItem.objects.get(case=father_case)
    page.click(f"#item-{item.pk} summary")
    page.check(f"#item-{item.pk} input[value=done]")
    page.click(f"#item-{item.pk}-form button[type=submit]")
    page.locator(f"#item-{item.pk}[data-status=done]").wait_for()
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(artifacts / "family-checklist.png"), full_page=True)

    assert FamilyRelationship.objects.active().count() == 3

    # The panel, as axe-core reads it (injected into a page whose context bypasses the CSP), at a desk's
    # width and a phone's: no serious violation, no sideways scroll.
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        locale="es-MX",
        timezone_id="America/Chicago",
        bypass_csp=True,
    )
    checker = context.new_page()
    sign_in(checker, live_server, officer, PASSWORD)
    checker.goto(f"{father_url}?family_q=Sandoval#family")
    checker.locator("#family-relatives", has_text="Lucía Ruiz Domínguez").wait_for()
    for width, height in ((1280, 900), (390, 844)):
        checker.set_viewport_size({"width": width, "height": height})
        checker.reload(wait_until="domcontentloaded")
        assert horizontal_overflow(checker) == [], width
        assert axe_violations(checker) == [], width
    context.close()
    assert not Task.objects.filter(case=father_case, kind=TaskKind.FAMILY_PREPAREDNESS, done=False).exists()
