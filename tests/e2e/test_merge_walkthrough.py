"""Two records of one person, merged from the review queue and the merge undone, in a real browser in
Spanish: the supervisor's home shows the count, the queue lists the pair, the review page shows both
records side by side (identifiers masked), the merge keeps the chosen record, the merge's page says what
moved, and "Deshacer la fusión" separates them again. Every page passes axe's serious and critical rules
at 1280 and 390 px without sideways scrolling; screenshots in test-artifacts/ (merge-<page>-<width>.png)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cases.models import Case, DuplicateReview, Person, PersonMerge
from consulates.models import Consulate, Role, StaffMembership
from tests.e2e.accessibility import axe_violations, horizontal_overflow
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.signin import sign_in
from tests.factories import make_case, make_person
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "una-clave-larga-de-prueba-2026"
WIDTHS = ((1280, 900), (390, 844))
DOB = dt.date(1991, 2, 14)


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


@pytest.fixture
def pair(django_user_model):
    network_restore()
    dallas = Consulate.objects.get(slug="dallas")
    officer = django_user_model.objects.create_user(
        "oficial.dallas", password=PASSWORD, is_staff=True, first_name="Alicia", last_name="Dávila"
    )
    StaffMembership.objects.create(user=officer, role=Role.OFFICER, consulate=dallas)
    boss = django_user_model.objects.create_user(
        "supervisora.dallas", password=PASSWORD, is_staff=True, first_name="Sofía", last_name="Salinas"
    )
    StaffMembership.objects.create(user=boss, role=Role.SUPERVISOR, consulate=dallas)
    older = make_person(officer, given_names="Juan Carlos", paternal_surname="Herrera", maternal_surname="Gómez",
                        sex="H", date_of_birth=DOB, a_number="A-209-114-583")  # fmt: skip
    newer = make_person(officer, given_names="Juan Carlos", paternal_surname="Herrara", maternal_surname="",
                        sex="H", date_of_birth=DOB, curp="", phone="+1 214 555 0148")  # fmt: skip
    make_case(officer, person=older)
    make_case(officer, person=newer)
    review = DuplicateReview.objects.create(
        person=newer, candidate=older, score=0.86, reasons=["similar_name", "same_date_of_birth", "same_sex"],
        source="registration", requested_by=officer, requesting_consulate=dallas,
    )  # fmt: skip
    return boss, older, newer, review


def look(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload(wait_until="domcontentloaded")
        assert not horizontal_overflow(page), (
            f"{name} scrolls sideways at {width} px: {horizontal_overflow(page)}"
        )
        violations = axe_violations(page)
        assert not violations, f"{name} at {width} px: {violations}"
        page.screenshot(path=str(ARTIFACTS / f"merge-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_two_duplicates_are_merged_from_the_queue_and_the_merge_is_undone(desk, live_server, pair):
    boss, older, newer, review = pair
    sign_in(desk, live_server, boss, PASSWORD, start="/")
    link = desk.locator("#duplicates-link")
    assert "Posibles duplicados" in link.inner_text()
    assert "1" in link.inner_text()
    link.click()
    desk.wait_for_url(re.compile(r".*/duplicates/$"))
    look(desk, "queue")
    desk.get_by_role("link", name=re.compile("Herrara")).click()
    desk.wait_for_url(re.compile(rf".*/duplicates/{review.pk}/$"))
    body = desk.locator("#content-main").inner_text()
    assert "¿Son la misma persona?" in body
    assert "misma fecha de nacimiento" in body
    assert "583" in body
    assert "209114583" not in body
    look(desk, "review")

    # Keep the older record (it has the A-number); say why; merge.
    desk.get_by_label(re.compile("Juan Carlos Herrera Gómez")).check()
    desk.get_by_label(re.compile("Motivo")).fill("Misma fecha de nacimiento; la familia confirmó el apellido")
    desk.get_by_role("button", name="Son la misma persona: fusionar").click()
    desk.wait_for_url(re.compile(r".*/merges/\d+/$"))
    merge = PersonMerge.objects.get(review=review)
    assert "Los dos registros ahora son uno" in desk.locator("body").inner_text()
    body = desk.locator("#content-main").inner_text()
    assert "Registros fusionados" in body
    assert "Sofía Salinas" in body
    assert Person.objects.get(pk=newer.pk).merged_into_id == older.pk
    assert Case.objects.filter(person=older).count() == 2
    look(desk, "merged")

    # The merged record's page leads to the kept one.
    desk.goto(f"{live_server.url}/admin/cases/person/{newer.pk}/change/")
    desk.wait_for_url(re.compile(rf".*/admin/cases/person/{older.pk}/change/$"))
    assert "Este registro se fusionó con otro" in desk.locator("body").inner_text()
    desk.screenshot(path=str(ARTIFACTS / "merge-redirect-1280.png"), full_page=True)

    # Undo it.
    desk.goto(f"{live_server.url}/merges/{merge.pk}/")
    desk.get_by_label("Por qué se deshace la fusión").fill("Eran primos con el mismo nombre")
    desk.get_by_role("button", name="Deshacer la fusión").click()
    desk.wait_for_url(re.compile(rf".*/merges/{merge.pk}/$"))
    assert "Se deshizo la fusión" in desk.locator("body").inner_text()
    assert "Fusión deshecha" in desk.locator("#content-main").inner_text()
    assert Person.objects.get(pk=newer.pk).merged_into_id is None
    assert Case.objects.filter(person=newer).count() == 1
    look(desk, "undone")
