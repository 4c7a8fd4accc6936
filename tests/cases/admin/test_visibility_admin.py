"""An officer of Dallas (A) gets nothing of El Paso (B) through any door of the staff UI; the
network-wide roles see both. Each negative check has a positive twin, so it cannot pass vacuously."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.urls import reverse

from cases.models import Case, CaseEvent, Task
from tests.auth import login_verified
from tests.cases.admin.helpers import admin_search, inline_management
from tests.factories import consulate, make_case, supervisor

pytestmark = pytest.mark.django_db

NETWORK = ["manager", "administrator"]


def _text(response) -> str:
    return response.content.decode()


LISTS = [
    # url name, what of A's row is shown, what of B's row would be
    ("admin:cases_case_changelist", lambda w: w.case_a.reference, lambda w: w.case_b.reference),
    ("admin:cases_person_changelist", lambda w: w.person_a.full_name, lambda w: w.person_b.full_name),
    ("admin:cases_task_changelist", lambda w: w.task_a.title, lambda w: w.task_b.title),
    ("admin:cases_hearing_changelist", lambda w: w.case_a.reference, lambda w: w.case_b.reference),
]


@pytest.mark.parametrize(("url_name", "own", "foreign"), LISTS)
def test_lists_show_only_own_consulate(client, world, url_name, own, foreign):
    login_verified(client, world.officer_a)
    response = client.get(reverse(url_name))
    assert own(world) in _text(response)
    assert foreign(world) not in _text(response)
    assert "Ramón" not in _text(response)


@pytest.mark.parametrize("role", NETWORK)
@pytest.mark.parametrize(("url_name", "own", "foreign"), LISTS)
def test_network_roles_see_both_consulates(client, world, role, url_name, own, foreign):
    login_verified(client, getattr(world, role))
    page = _text(client.get(reverse(url_name)))
    assert own(world) in page
    assert foreign(world) in page


FOREIGN_PAGES = [
    ("admin:cases_case_change", "case_b"),
    ("admin:cases_case_history", "case_b"),
    ("admin:cases_person_change", "person_b"),
    ("admin:cases_person_history", "person_b"),
    ("admin:cases_task_change", "task_b"),
    ("admin:cases_hearing_change", "hearing_b"),
]


@pytest.mark.parametrize(("url_name", "attr"), FOREIGN_PAGES)
def test_foreign_records_do_not_exist_for_the_officer(client, world, url_name, attr):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    login_verified(client, world.officer_a)
    response = client.get(reverse(url_name, args=[getattr(world, attr).pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    index = client.get(response["Location"])
    [message] = list(index.context["messages"])
    assert message.level == constants.WARNING
    assert "doesn’t exist" in message.message
    assert world.case_b.reference not in _text(index)
    assert "Ramón" not in _text(index)


@pytest.mark.parametrize("role", NETWORK)
def test_network_roles_open_both_consulates_records(client, world, role):
    login_verified(client, getattr(world, role))
    for url_name, attr in FOREIGN_PAGES:
        response = client.get(reverse(url_name, args=[getattr(world, attr).pk]))
        assert response.status_code == 200, url_name


@pytest.mark.parametrize("action", ["assign", "close", "approve", "reject", "reopen"])
def test_actions_on_a_foreign_case_are_not_found(client, world, action):
    login_verified(client, world.officer_a)
    url = reverse("admin:cases_case_action", args=[world.case_b.pk, action])
    assert client.get(url).status_code == 404
    response = client.post(url, {"assignee": world.officer_a.pk, "outcome": "released", "reason": "x"})
    assert response.status_code == 404
    stored = Case.objects.get(pk=world.case_b.pk)
    assert (stored.status, stored.assigned_to_id, stored.version) == (
        world.case_b.status,
        world.case_b.assigned_to_id,
        world.case_b.version,
    )


SEARCHES = [
    "Nunez",  # A and B share the surname; typed without the accent
    "núñez peña",
    "ramon",
    "{curp_b}",
    "{curp_b_lower}",
    "{a_number_b}",
    "A{a_number_b_digits}",
    "{reference_b}",
]


def _term(template: str, world) -> str:
    person_b = world.person_b
    return template.format(
        curp_b=person_b.curp,
        curp_b_lower=person_b.curp.lower(),
        a_number_b=person_b.a_number_display,
        a_number_b_digits=person_b.a_number,
        reference_b=world.case_b.reference,
    )


@pytest.mark.parametrize("role", ["officer_a", *NETWORK])
@pytest.mark.parametrize("template", SEARCHES)
def test_search_finds_the_other_consulate_only_for_network_roles(client, world, role, template):
    term = _term(template, world)
    login_verified(client, getattr(world, role))
    found = set()
    for url_name in ("admin:cases_case_changelist", "admin:cases_person_changelist"):
        response = admin_search(client, reverse(url_name), term)
        assert response.status_code == 200
        found |= set(response.context["cl"].result_list)
        if role == "officer_a":
            assert "Ramón" not in _text(response)
    b_records = {world.case_b, world.person_b}
    if role == "officer_a":
        assert not found & b_records
    else:
        assert found & b_records


def test_search_finds_own_records_without_accents(client, world):
    login_verified(client, world.officer_a)
    people = admin_search(client, reverse("admin:cases_person_changelist"), "nunez ortiz")
    assert list(people.context["cl"].result_list) == [world.person_a]
    cases = admin_search(client, reverse("admin:cases_case_changelist"), "NUÑEZ")
    assert list(cases.context["cl"].result_list) == [world.case_a]


@pytest.mark.parametrize("template", ["nunez", "ramon", "{curp_b}", "{a_number_b}"])
def test_autocomplete_offers_only_own_persons(client, world, template):
    query = {"app_label": "cases", "model_name": "case", "field_name": "person"}
    query["term"] = _term(template, world)
    results = {}
    for role in ("officer_a", "administrator"):
        login_verified(client, getattr(world, role))
        response = client.post("/admin/autocomplete/", query)
        assert response.status_code == 200
        results[role] = {int(item["id"]): item["text"] for item in response.json()["results"]}
    assert world.person_b.pk not in results["officer_a"]
    assert not any("Ramón" in text for text in results["officer_a"].values())
    assert results["administrator"][world.person_b.pk] == world.person_b.full_name


def test_autocomplete_of_users_is_for_administrators_only(client, world):
    query = {"app_label": "consulates", "model_name": "staffmembership", "field_name": "user", "term": ""}
    login_verified(client, world.officer_a)
    assert client.post("/admin/autocomplete/", query).status_code == 403
    login_verified(client, world.administrator)
    assert client.post("/admin/autocomplete/", query).status_code == 200


def test_add_case_form_offers_only_own_consulate_and_persons(client, world):
    login_verified(client, world.officer_a)
    response = client.get(reverse("admin:cases_case_add"), {"person": world.person_b.pk})
    form = response.context["adminform"].form
    assert list(form.fields["consulate"].queryset) == [consulate("dallas")]
    assert world.person_b not in form.fields["person"].queryset
    assert world.person_a in form.fields["person"].queryset
    assert "Ramón" not in _text(response)  # a foreign person given as the initial value is not shown


def test_add_case_refuses_a_foreign_person_or_consulate(client, world):
    login_verified(client, world.officer_a)
    before = Case.objects.count()
    base = {"category": "penal", "subtype": "", "priority": "normal"}
    for person, where in ((world.person_b, "dallas"), (world.person_a, "el_paso")):
        data = {**base, "person": person.pk, "consulate": consulate(where).pk}
        response = client.post(reverse("admin:cases_case_add"), data)
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert set(errors) == ({"person"} if where == "dallas" else {"consulate"})
    assert Case.objects.count() == before


def test_person_form_offers_only_own_consulate(client, world):
    login_verified(client, world.officer_a)
    form = client.get(reverse("admin:cases_person_add")).context["adminform"].form
    assert list(form.fields["registered_by"].queryset) == [consulate("dallas")]


def test_assignment_choices_are_active_staff_of_the_case_consulate(client, world):
    supervisor_b = supervisor("el_paso")
    login_verified(client, world.officer_a)
    url = reverse("admin:cases_case_action", args=[world.case_a.pk, "assign"])
    choices = set(client.get(url).context["form"].fields["assignee"].queryset)
    assert choices == {world.officer_a, world.supervisor_a}  # not El Paso, managers, or the inactive
    response = client.post(url, {"assignee": supervisor_b.pk})
    assert "assignee" in response.context["form"].errors
    assert Case.objects.get(pk=world.case_a.pk).assigned_to_id == world.case_a.assigned_to_id
    login_verified(client, world.administrator)
    url = reverse("admin:cases_case_action", args=[world.case_b.pk, "assign"])
    assert set(client.get(url).context["form"].fields["assignee"].queryset) == {world.officer_b, supervisor_b}


def test_task_inline_offers_and_accepts_only_own_consulate_staff(client, world):
    login_verified(client, world.officer_a)
    page = client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    [tasks] = [f for f in page.context["inline_admin_formsets"] if f.opts.model is Task]
    offered = {value for value, _label in tasks.formset.forms[0].fields["assignee"].choices if value}
    assert {int(str(v)) for v in offered} == {world.officer_a.pk, world.supervisor_a.pk}
    assert world.officer_b.get_full_name() not in _text(page)
    case = world.case_a
    data = {
        "category": case.category,
        "subtype": case.subtype,
        "priority": case.priority,
        "expected_version": case.version,
        "note_kind": "note",
        **inline_management("hearings"),
        **inline_management("belongings"),
        **inline_management("documents"),
        **inline_management("tasks", total=1),
        "tasks-0-case": case.pk,
        "tasks-0-title": "Entregar pasaporte",
        "tasks-0-assignee": world.officer_b.pk,
    }
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), data)
    assert response.status_code == 200
    assert not Task.objects.filter(title="Entregar pasaporte").exists()


def _filters(response) -> dict:
    """field or parameter -> the choices a list filter offers (display texts)."""
    return {
        getattr(spec, "field_path", None) or spec.parameter_name: [
            str(choice["display"]) for choice in spec.choices(response.context["cl"])
        ]
        for spec in response.context["cl"].filter_specs
    }


def test_list_filters_offer_nothing_of_other_consulates(client, world):
    login_verified(client, world.officer_a)
    cases = _filters(client.get(reverse("admin:cases_case_changelist")))
    assert "consulate" not in cases  # no consulate filter for consulate-bound staff
    assignees = cases["assignee"]
    assert world.officer_a.get_full_name() in assignees
    assert world.officer_b.get_full_name() not in assignees
    persons = _filters(client.get(reverse("admin:cases_person_changelist")))
    assert "registered_by" not in persons
    login_verified(client, world.manager)
    cases = _filters(client.get(reverse("admin:cases_case_changelist")))
    assert "consulate" in cases
    assert world.officer_b.get_full_name() in cases["assignee"]


def test_filtering_by_a_foreign_officer_shows_nothing(client, world):
    login_verified(client, world.officer_a)
    response = client.get(reverse("admin:cases_case_changelist"), {"assignee": world.officer_b.pk})
    assert world.case_b.reference not in _text(response)


def test_assign_to_me_cannot_touch_another_consulate(client, world):
    login_verified(client, world.officer_a)
    client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "assign_to_me", "_selected_action": [world.case_a.pk, world.case_b.pk]},
    )
    assert Case.objects.get(pk=world.case_a.pk).assigned_to == world.officer_a
    case_b = Case.objects.get(pk=world.case_b.pk)
    assert (case_b.assigned_to, case_b.version) == (None, world.case_b.version)
    assert not CaseEvent.objects.filter(case=case_b, kind="assigned").exists()


def test_person_page_lists_only_the_cases_the_viewer_may_see(client, world):
    """Ramón (registered in El Paso) gets a Dallas case too: Dallas sees him, and only its own case."""
    dallas_case = make_case(world.administrator, person=world.person_b, consulate=consulate("dallas"))
    login_verified(client, world.officer_a)
    page = _text(client.get(reverse("admin:cases_person_change", args=[world.person_b.pk])))
    assert dallas_case.reference in page
    assert world.case_b.reference not in page
    login_verified(client, world.manager)
    page = _text(client.get(reverse("admin:cases_person_change", args=[world.person_b.pk])))
    assert dallas_case.reference in page
    assert world.case_b.reference in page
