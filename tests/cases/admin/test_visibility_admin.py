"""An officer of Dallas gets nothing of El Paso through any door of the staff UI."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.models import Case

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize(
    ("url_name", "own", "foreign"),
    [
        ("admin:cases_case_changelist", "case_a", "case_b"),
        ("admin:cases_person_changelist", "person_a", "person_b"),
    ],
)
def test_changelists_show_only_own_consulate(client, world, url_name, own, foreign):
    client.force_login(world.officer_a)
    page = _text(client.get(reverse(url_name)))
    assert str(getattr(world, own)) in page
    assert str(getattr(world, foreign)) not in page


def test_task_and_hearing_lists_show_only_own_consulate(client, world):
    client.force_login(world.officer_a)
    tasks = _text(client.get(reverse("admin:cases_task_changelist")))
    assert "Visitar a Rosa" in tasks
    assert "Visitar a Ramón" not in tasks
    hearings = _text(client.get(reverse("admin:cases_hearing_changelist")))
    assert world.case_a.reference in hearings
    assert world.case_b.reference not in hearings


@pytest.mark.parametrize(
    ("url_name", "attr"),
    [
        ("admin:cases_case_change", "case_b"),
        ("admin:cases_person_change", "person_b"),
        ("admin:cases_task_change", "task_b"),
        ("admin:cases_hearing_change", "hearing_b"),
    ],
)
def test_foreign_change_pages_do_not_exist_for_the_officer(client, world, url_name, attr):
    client.force_login(world.officer_a)
    response = client.get(reverse(url_name, args=[getattr(world, attr).pk]), follow=True)
    page = _text(response)
    assert world.case_b.reference not in page
    assert "Ramón" not in page
    assert response.redirect_chain  # sent away, as for a record that does not exist


@pytest.mark.parametrize(
    "term",
    ["Nunez", "núñez peña", "ramon", "{curp_b}", "{a_number_b}", "{reference_b}"],
)
def test_search_never_finds_the_other_consulate(client, world, term):
    person_b = world.person_b
    term = term.format(
        curp_b=person_b.curp, a_number_b=person_b.a_number_display, reference_b=world.case_b.reference
    )
    client.force_login(world.officer_a)
    for url_name in ("admin:cases_case_changelist", "admin:cases_person_changelist"):
        response = client.get(reverse(url_name), {"q": term})
        assert response.status_code == 200
        found = list(response.context["cl"].result_list)
        assert world.case_b not in found
        assert world.person_b not in found
        assert "Ramón" not in response.content.decode()


def test_search_finds_own_records_without_accents(client, world):
    client.force_login(world.officer_a)
    page = _text(client.get(reverse("admin:cases_person_changelist"), {"q": "nunez ortiz"}))
    assert "Rosa" in page
    page = _text(client.get(reverse("admin:cases_case_changelist"), {"q": world.person_a.a_number_display}))
    assert world.case_a.reference in page


def test_autocomplete_offers_only_own_persons(client, world):
    client.force_login(world.officer_a)
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": "case", "field_name": "person", "term": "nunez"},
    )
    assert response.status_code == 200
    ids = {int(item["id"]) for item in response.json()["results"]}
    assert ids == {world.person_a.pk}


def test_add_case_form_offers_only_own_consulate_and_persons(client, world):
    client.force_login(world.officer_a)
    form = client.get(reverse("admin:cases_case_add")).context["adminform"].form
    assert list(form.fields["consulate"].queryset) == [world.case_a.consulate]
    assert world.person_b not in form.fields["person"].queryset
    assert world.person_a in form.fields["person"].queryset


def test_person_form_offers_only_own_consulate(client, world):
    client.force_login(world.officer_a)
    form = client.get(reverse("admin:cases_person_add")).context["adminform"].form
    assert list(form.fields["registered_by"].queryset) == [world.case_a.consulate]


def test_assignment_and_task_choices_are_own_consulate_staff(client, world):
    client.force_login(world.officer_a)
    form = client.get(reverse("admin:cases_case_action", args=[world.case_a.pk, "assign"])).context["form"]
    choices = set(form.fields["assignee"].queryset)
    assert world.officer_a in choices
    assert world.supervisor_a in choices
    assert world.officer_b not in choices
    assert world.manager not in choices
    page = client.get(reverse("admin:cases_case_change", args=[world.case_a.pk]))
    task_formset = next(
        f for f in page.context["inline_admin_formsets"] if f.opts.model._meta.model_name == "task"
    )
    assignees = set(task_formset.formset.forms[0].fields["assignee"].queryset)
    assert world.officer_b not in assignees
    assert world.officer_a in assignees


def test_list_filters_do_not_offer_other_consulates(client, world):
    client.force_login(world.officer_a)
    page = _text(client.get(reverse("admin:cases_case_changelist")))
    assert "El Paso" not in page  # no consulate filter and no El Paso officer in the assignee filter
    assert world.officer_b.get_full_name() not in page


def test_assign_to_me_cannot_touch_another_consulate(client, world):
    client.force_login(world.officer_a)
    client.post(
        reverse("admin:cases_case_changelist"),
        {"action": "assign_to_me", "_selected_action": [world.case_a.pk, world.case_b.pk]},
    )
    assert Case.objects.get(pk=world.case_a.pk).assigned_to == world.officer_a
    assert Case.objects.get(pk=world.case_b.pk).assigned_to is None


@pytest.mark.parametrize("role", ["manager", "administrator"])
def test_network_roles_see_both_consulates(client, world, role):
    client.force_login(getattr(world, role))
    page = _text(client.get(reverse("admin:cases_case_changelist")))
    assert world.case_a.reference in page
    assert world.case_b.reference in page
    response = client.get(reverse("admin:cases_case_change", args=[world.case_b.pk]))
    assert response.status_code == 200
