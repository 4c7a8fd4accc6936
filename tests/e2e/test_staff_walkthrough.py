"""An officer's day in the staff UI, in a real browser: register, open a case, log work, close it;
the supervisor approves; another consulate's officer sees none of it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import Case, CaseEvent, Hearing, Person
from cases.models.case import Status
from consulates.models import Consulate, Role, StaffMembership
from tests.e2e.signin import sign_in
from tests.network import network_restore

PASSWORD = "una-clave-larga-de-prueba-2026"
VALID_CURP = "BOXW310820HNERXN09"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff(django_user_model):
    network_restore()  # transactional tests start from an empty database
    users = {}
    for username, role, slug in [
        ("oficial.dallas", Role.OFFICER, "dallas"),
        ("supervisora.dallas", Role.SUPERVISOR, "dallas"),
        ("oficial.el_paso", Role.OFFICER, "el_paso"),
    ]:
        user = django_user_model.objects.create_user(
            username, password=PASSWORD, is_staff=True, first_name=username
        )
        StaffMembership.objects.create(user=user, role=role, consulate=Consulate.objects.get(slug=slug))
        users[username] = user
    return users


def login(page, live_server, username):
    sign_in(page, live_server, username, PASSWORD)


def search_list(page, live_server, path: str, term: str) -> None:
    """Type ``term`` into a staff list's search box and submit it, as a person does. The box posts;
    the results page's address has an opaque ``qs`` key in place of the term."""
    page.goto(f"{live_server.url}{path}")
    page.fill("#searchbar", term)
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.press("#searchbar", "Enter")
    assert "qs=" in page.url, page.url
    assert term.lower() not in page.url.lower()
    assert "q=" not in page.url.replace("qs=", "")


def test_officer_day_and_supervisor_approval(page, live_server, staff, artifacts):
    login(page, live_server, "oficial.dallas")

    # Register a person; a wrong CURP is a clear field error and nothing is saved.
    page.goto(f"{live_server.url}/admin/cases/person/add/")
    page.fill("#id_given_names", "Wendy")
    page.fill("#id_paternal_surname", "Bóxer")
    page.fill("#id_curp", "BOXW310820HNERXN08")
    page.fill("#id_a_number", "A-123-456-789")
    page.click("input[name=_save]")
    error = page.locator(".field-curp .errorlist")
    assert "CURP" in error.inner_text()
    assert page.locator("#id_given_names").input_value() == "Wendy"  # nothing the officer typed is lost
    page.fill("#id_curp", VALID_CURP)
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r".*/admin/cases/person/$"), wait_until="domcontentloaded")

    # Find them again by CURP, by an unaccented surname, then by A-number in another spelling, typed
    # into the search box: the results' address carries an opaque key, never what was typed.
    for term in (VALID_CURP, "boxer", "123456789"):
        search_list(page, live_server, "/admin/cases/person/", term)
        assert "Wendy" in page.locator("#result_list").inner_text()
        assert page.locator("#searchbar").input_value() == term
    page.locator("#result_list a", has_text="Wendy").first.click()
    assert "123456789" not in page.url

    # The case form's person autocomplete posts what is typed, with the CSRF token.
    page.goto(f"{live_server.url}/admin/cases/case/add/")
    with page.expect_response(
        lambda r: "/admin/autocomplete/" in r.url and "term=boxer" in (r.request.post_data or "")
    ) as answered:
        page.locator(".field-person .select2-selection").click()
        page.locator(".select2-search__field").fill("boxer")
    assert (answered.value.request.method, answered.value.status) == ("POST", 200)
    assert "boxer" not in answered.value.url
    page.locator(".select2-results__option", has_text="Wendy").wait_for()
    page.go_back()

    # Open a case from the person's page; the facility list shows each facility's district.
    page.locator("a.button", has_text=re.compile("case|caso", re.I)).click()
    page.select_option("#id_category", "migratorio")
    page.select_option("#id_subtype", "detencion_migratoria")
    page.select_option("#id_priority", "urgent")
    facility_label = page.locator("#id_facility option", has_text="Prairieland").inner_text()
    assert "Dallas" in facility_label
    page.select_option("#id_facility", label=facility_label)
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$"), wait_until="domcontentloaded")
    case = Case.objects.get(person__in=Person.objects.with_curp(VALID_CURP))
    assert re.fullmatch(r"DAL-\d{4}-\d{6}", case.reference)

    # Log a call and schedule a hearing in one save.
    page.fill("#id_note_text", "Llamada con la hermana; confirma la detención.")
    page.select_option("#id_note_kind", "call")
    page.locator(".add-row a").first.click()  # hearings inline
    page.select_option("#id_hearings-0-kind", "master_calendar")
    hearing_day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    page.fill("#id_hearings-0-starts_at_0", hearing_day)
    page.fill("#id_hearings-0-starts_at_1", "09:30")
    page.fill("#id_hearings-0-location", "Corte de Inmigración de Dallas")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$"), wait_until="domcontentloaded")
    assert "Llamada con la hermana" in page.locator("ol.timeline").inner_text()
    assert (
        "Corte de Inmigración de Dallas"
        in page.locator(".case-summary:not(.crossoffice):not(.case-reminders)").inner_text()
    )
    assert Hearing.objects.filter(case=case).count() == 1
    page.screenshot(path=str(artifacts / "case-page-officer.png"), full_page=True)

    # Urgent case: the officer's closure waits for a supervisor.
    page.locator("a.case-action-close").click()
    page.select_option("#id_outcome", "released")
    page.click("input[type=submit].default")
    page.wait_for_url(re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$"), wait_until="domcontentloaded")
    case.refresh_from_db()
    assert case.status == Status.PENDING_CLOSURE

    # Another consulate's officer sees nothing of it, even by its address or by search.
    login(page, live_server, "oficial.el_paso")
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    assert case.reference not in page.content()
    search_list(page, live_server, "/admin/cases/case/", "boxer")
    assert case.reference not in page.locator("#changelist").inner_text()

    # The supervisor approves.
    login(page, live_server, "supervisora.dallas")
    page.goto(f"{live_server.url}/admin/cases/case/{case.pk}/change/")
    page.locator("a.case-action-approve").click()
    page.click("input[type=submit].default")
    page.wait_for_url(re.compile(r".*/admin/cases/case/\d+/change/(\?.*)?$"), wait_until="domcontentloaded")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {"opened", "call", "hearing_scheduled", "closure_requested", "closure_approved"} <= set(kinds)
