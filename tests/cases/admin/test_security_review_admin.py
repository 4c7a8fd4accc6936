"""Issue 15 in the staff UI: closing needs the supervisor however the case and person were changed
(item 4); an identifier held by a person the officer cannot see is reviewed, not confirmed (item 6); a
person merely offered by a pending transfer gets no case at the receiving consulate (item 9)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases import services
from cases.models import AccessLog, Case, IdentifierReview, Person
from cases.models.case import Status
from tests.auth import login_verified
from tests.cases.admin.helpers import person_post
from tests.cases.admin.test_case_workflow_admin import _case_post
from tests.cases.admin.test_person_workflow_admin import _change_post
from tests.factories import consulate, supervisor
from tests.factories.crossoffice import make_transfer

pytestmark = pytest.mark.django_db


def in_spanish(message: str) -> str:
    with translation.override("es"):
        return gettext(message)


def _act(client, case, action, data=None):
    return client.post(reverse("admin:cases_case_action", args=[case.pk, action]), data or {})


# --- item 4 ----------------------------------------------------------------------------------------


def test_lowering_priority_and_clearing_flags_on_the_pages_does_not_skip_the_supervisor(client, world):
    services.person_update(actor=world.officer_a, person=world.person_a, is_minor=True)
    case = services.case_update(actor=world.officer_a, case=world.case_a, priority="urgent")
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("admin:cases_case_change", args=[case.pk]), _case_post(case, priority="normal")
    )
    assert response.status_code == 302
    person = Person.objects.get(pk=world.person_a.pk)
    response = client.post(reverse("admin:cases_person_change", args=[person.pk]), _change_post(person))
    assert response.status_code == 302
    assert not Person.objects.get(pk=person.pk).is_vulnerable
    case = Case.objects.get(pk=case.pk)
    assert case.priority == "normal"
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert (
        in_spanish("Closing this case needs a supervisor's approval (urgent or vulnerable person).") in page
    )
    _act(client, case, "close", {"outcome": "released"})
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE


# --- item 6 ----------------------------------------------------------------------------------------


def test_a_curp_held_by_a_hidden_person_is_kept_for_review_and_the_rest_is_saved(client, world):
    hidden = world.person_b  # El Paso's
    login_verified(client, world.officer_a)
    data = person_post(curp=hidden.curp, sex=hidden.sex, given_names="Wendolyn")
    response = client.post(reverse("admin:cases_person_add"), data, follow=True)
    page = response.content.decode()
    assert in_spanish("A person with this CURP is already registered in the network.") not in page
    notice = in_spanish(
        "The CURP was not recorded: it needs review by an administrator. Everything else was saved."
    )
    assert notice in page
    saved = Person.objects.get(given_names="Wendolyn")
    assert saved.curp is None
    review = IdentifierReview.objects.get()
    assert (review.existing_person, review.attempted_person, review.requested_by) == (
        hidden,
        saved,
        world.officer_a,
    )
    assert AccessLog.objects.filter(
        action="identifier_review", person_id=hidden.pk, user=world.officer_a
    ).exists()


def test_a_curp_held_by_a_person_i_can_see_is_still_a_plain_field_error(client, world):
    login_verified(client, world.officer_a)
    before = Person.objects.count()
    response = client.post(
        reverse("admin:cases_person_add"),
        person_post(curp=world.person_a.curp, sex=world.person_a.sex or "H"),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["curp"] == [
        in_spanish("A person with this CURP is already registered in the network.")
    ]
    assert Person.objects.count() == before
    assert not IdentifierReview.objects.exists()


def test_too_many_reviews_are_a_form_error(client, world, settings):
    from django.core.cache import cache

    settings.IDENTIFIER_REVIEW_RATE_PER_USER = "0/h"
    cache.clear()
    login_verified(client, world.officer_a)
    before = Person.objects.count()
    response = client.post(
        reverse("admin:cases_person_add"), person_post(curp=world.person_b.curp, sex=world.person_b.sex)
    )
    cache.clear()
    assert response.status_code == 200
    assert "curp" in response.context["adminform"].form.errors
    assert Person.objects.count() == before
    assert not IdentifierReview.objects.exists()


@pytest.fixture
def review(world):
    services.person_register(
        actor=world.officer_a, given_names="Wendy", paternal_surname="Bóxer", a_number=world.person_b.a_number
    )
    return IdentifierReview.objects.get()


def _listed(client, user) -> list:
    login_verified(client, user)
    response = client.get(reverse("admin:cases_identifierreview_changelist"))
    if response.status_code != 200:
        return []
    return list(response.context["cl"].result_list)


def test_the_review_list_shows_reviews_to_administrators_and_the_owning_consulate(client, world, review):
    assert _listed(client, world.administrator) == [review]
    assert _listed(client, world.officer_b) == [review]
    assert _listed(client, world.officer_a) == []
    assert _listed(client, world.manager) == []
    change = reverse("admin:cases_identifierreview_change", args=[review.pk])
    assert client.get(change).status_code == 403  # the manager
    login_verified(client, world.officer_a)
    assert client.get(change)["Location"] == reverse("admin:index")  # not theirs: it does not exist
    login_verified(client, world.officer_b)
    page = client.get(change).content.decode()
    assert world.person_b.full_name in page
    assert world.person_b.a_number not in page
    assert world.person_b.a_number_display not in page


def test_the_owning_consulate_resolves_from_the_list(client, world, review):
    login_verified(client, world.officer_b)
    changelist = reverse("admin:cases_identifierreview_changelist")
    response = client.post(
        changelist, {"action": "resolve_duplicate", "_selected_action": [review.pk]}, follow=True
    )
    assert response.status_code == 200
    review.refresh_from_db()
    assert (review.status, review.resolution, review.resolved_by) == (
        "resolved",
        "duplicate",
        world.officer_b,
    )


def test_the_requesting_officer_cannot_resolve(client, world, review):
    login_verified(client, world.officer_a)
    changelist = reverse("admin:cases_identifierreview_changelist")
    client.post(changelist, {"action": "resolve_dismissed", "_selected_action": [review.pk]})
    assert IdentifierReview.objects.get().status == "open"


# --- item 9 ----------------------------------------------------------------------------------------


def test_an_offered_person_gets_no_case_from_the_add_page(client, world):
    transfer = make_transfer(world.officer_b, world.case_b, "dallas")
    login_verified(client, supervisor("dallas"))
    response = client.get(reverse("admin:cases_person_change", args=[world.person_b.pk]))
    assert response.status_code == 200  # read while Dallas decides on the transfer
    login_verified(client, world.officer_a)
    data = {"person": world.person_b.pk, "consulate": consulate("dallas").pk, "category": "civil"}
    response = client.post(reverse("admin:cases_case_add"), {**data, "subtype": "", "priority": "normal"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["person"] == [
        in_spanish("Choose a person registered by your consulate or with a case of your consulate.")
    ]
    assert not Case.objects.filter(person=world.person_b, consulate=consulate("dallas")).exists()
    query = {"app_label": "cases", "model_name": "case", "field_name": "person", "term": "ramon"}
    offered = client.post("/admin/autocomplete/", query).json()["results"]
    assert str(world.person_b.pk) not in {item["id"] for item in offered}

    services.transfer_cancel(actor=world.officer_b, transfer=transfer)
    response = client.get(reverse("admin:cases_person_change", args=[world.person_b.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
