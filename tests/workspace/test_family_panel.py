"""The "Familia" panel of the case page and the person's family page: relatives from both sides with their
cases, the search and registration of a relative, the checklist (its pending items are tasks), field
errors in Spanish, and a fixed number of queries whatever the number of relatives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import FamilyChecklistItem, FamilyRelationship, Task
from cases.models.work import TaskKind
from tests import factories as f
from tests.auth import login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]


def page(client, case) -> str:
    response = client.get(reverse("workspace:case", args=[case.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_relative_found_by_the_search_is_linked_and_read_from_both_sides(client, world):
    officer = world.officer_a
    login_verified(client, officer)
    child = f.make_person(officer, given_names="Tomás", paternal_surname="Núñez", is_minor=True)
    child_case = f.make_case(officer, person=child)
    found = client.get(reverse("workspace:case", args=[world.case_a.pk]), {"family_q": "Tomás Núñez"})
    assert f'name="link-{child.pk}-relative"' in found.content.decode()
    response = client.post(
        reverse("workspace:person_family_link", args=[world.person_a.pk]),
        {
            "case": world.case_a.pk,
            f"link-{child.pk}-relative": child.pk,
            f"link-{child.pk}-kind": "child",
            f"link-{child.pk}-relative_whereabouts": "state_care_us",
        },
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/case/{world.case_a.pk}/#family")
    client.cookies.load({"django_language": "es"})
    mother_side = page(client, world.case_a)
    assert "Tomás Núñez" in mother_side
    assert "hijo/a de Rosa Núñez Ortiz" in mother_side
    assert child_case.reference in mother_side
    assert "En cuidado del estado en Estados Unidos" in mother_side
    child_side = page(client, child_case)
    assert "padre/madre de Tomás" in child_side
    assert world.case_a.reference in child_side


def test_a_relative_in_mexico_is_registered_from_the_panel_and_errors_are_in_spanish(client, world):
    login_verified(client, world.officer_a)
    client.cookies.load({"django_language": "es"})
    url = reverse("workspace:person_family_new", args=[world.person_a.pk])
    fields = {
        "case": world.case_a.pk,
        "relative-new-given_names": "Herminia",
        "relative-new-paternal_surname": "",
        "relative-new-maternal_surname": "",
        "relative-new-kind": "parent",
        "relative-new-relative_whereabouts": "mexico",
    }
    refused = client.post(url, fields)
    assert refused.status_code == 400
    assert "Capture al menos un apellido." in refused.content.decode()
    assert not FamilyRelationship.objects.filter(person_b=world.person_a).exists()
    fields["relative-new-paternal_surname"] = "Ortiz"
    assert client.post(url, fields).status_code == 302
    relationship = FamilyRelationship.objects.active().of_person(world.person_a.pk).get()
    assert relationship.side(world.person_a.pk).relative.full_name == "Herminia Ortiz"
    assert relationship.side(world.person_a.pk).relative_whereabouts == "mexico"


def test_the_checklist_adds_a_task_and_marking_it_done_closes_the_task(client, world):
    login_verified(client, world.officer_a)
    case = world.case_a
    due = timezone.localdate() + dt.timedelta(days=10)
    added = client.post(
        reverse("workspace:case_family_item_add", args=[case.pk]),
        {"item-kind": "nationality", "item-due_on": due.isoformat()},
    )
    assert added.status_code == 302
    item = FamilyChecklistItem.objects.get(case=case)
    assert Task.objects.filter(
        pk=item.task_id, kind=TaskKind.FAMILY_PREPAREDNESS, due_date=due, done=False
    ).exists()
    text = page(client, case)
    assert "no obliga a un tribunal" in text
    key = f"item-{item.pk}"
    done = client.post(
        reverse("workspace:case_family_item", args=[case.pk, item.pk]),
        {f"{key}-status": "done", f"{key}-version": item.version},
        HTTP_ACCEPT="application/json",
    )
    assert done.status_code == 200
    assert "family" in done.json()["parts"]
    item.refresh_from_db()
    assert item.status == "done"
    assert Task.objects.get(pk=item.task_id).done


def test_another_consulate_gets_404_and_a_manager_reads_without_forms(client, world):
    login_verified(client, world.officer_b)
    assert client.get(reverse("workspace:person_family", args=[world.person_a.pk])).status_code == 404
    client.logout()
    login_verified(client, world.manager)
    text = client.get(reverse("workspace:person_family", args=[world.person_a.pk])).content.decode()
    assert 'id="family"' in text
    assert "relative-new-given_names" not in text


def test_the_panel_runs_the_same_queries_for_2_and_for_6_relatives(client, world):
    officer = world.officer_a
    login_verified(client, officer)
    case = world.case_a

    def grow(count: int) -> None:
        for i in range(count):
            relative = f.make_person(officer, given_names=f"Pariente {i}")
            f.make_case(officer, person=relative)
            services.relationship_add(actor=officer, person=world.person_a, relative=relative, kind="sibling")
            services.checklist_item_add(actor=officer, case=case, kind="documents", document="passport")

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("workspace:case", args=[case.pk])).status_code == 200
        return len(captured)

    grow(2)
    measure()
    few = measure()
    grow(4)
    assert measure() == few


def test_the_persons_staff_page_links_to_the_family_page(client, world):
    login_verified(client, world.officer_a)
    client.cookies.load({"django_language": "es"})
    text = client.get(reverse("admin:cases_person_change", args=[world.person_a.pk])).content.decode()
    assert reverse("workspace:person_family", args=[world.person_a.pk]) in text
