"""From an inquiry to a record: candidates among the persons the user sees (with reasons in words),
linking only to a visible person (the caller's spelling kept as another name), converting into a person
and a case with the fields carried over, and the inquiry on the case's timeline."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases.models import CaseEvent, PersonAlias
from cases.models.work import EventKind
from cases.timeline import timeline_entries
from consulates.models import DetentionFacility
from intake.inquiries import conversion, services
from intake.models import LocateResult, LocateWhere

pytestmark = pytest.mark.django_db


def test_candidates_are_among_the_persons_the_user_sees(world):
    found = conversion.candidates(user=world.officer_a, inquiry=world.inquiry_a)
    assert [s.person for s in found] == [world.person_a]  # El Paso's namesake is not even hinted at
    with translation.override("es"):
        found = conversion.candidates(user=world.officer_a, inquiry=world.inquiry_a)
    assert "misma fecha de nacimiento" in found[0].reasons
    administrators = {
        s.person for s in conversion.candidates(user=world.administrator, inquiry=world.inquiry_a)
    }
    assert administrators == {world.person_a, world.person_b}


def test_link_only_to_a_visible_person(world):
    with pytest.raises(ValidationError) as error:
        conversion.inquiry_link(actor=world.officer_a, inquiry=world.inquiry_a, person=world.person_b)
    assert "person" in error.value.message_dict
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.person_id is None


def test_link_to_a_known_person_and_their_open_case(world):
    inquiry = services.inquiry_update(
        actor=world.officer_a,
        inquiry=world.inquiry_a,
        sought_given_names="Jose Luis",
        sought_paternal_surname="Hernandes",
    )
    conversion.inquiry_link(actor=world.officer_a, inquiry=inquiry, person=world.person_a)
    inquiry.refresh_from_db()
    assert (inquiry.person, inquiry.case) == (world.person_a, world.case_a)
    alias = PersonAlias.objects.get(person=world.person_a, source="inquiry")
    assert (alias.given_names, alias.paternal_surname) == ("Jose Luis", "Hernandes")
    event = CaseEvent.objects.get(case=world.case_a, kind=EventKind.INQUIRY_LINKED)
    assert event.payload["inquiry_id"] == inquiry.pk
    assert "Rosa" not in str(event.payload)
    with translation.override("es"):
        (entry,) = timeline_entries(CaseEvent.objects.filter(pk=event.pk).select_related("actor"))
    assert entry.kind == "Consulta vinculada"
    assert f"Consulta {inquiry.pk}" in entry.facts


def test_the_same_spelling_adds_no_other_name(world):
    conversion.inquiry_link(actor=world.officer_a, inquiry=world.inquiry_a, person=world.person_a)
    assert not PersonAlias.objects.filter(person=world.person_a).exists()


def test_convert_carries_the_fields_over(world):
    facility = DetentionFacility.objects.filter(active=True, county__consulate=world.dallas).first()
    inquiry = services.inquiry_update(
        actor=world.officer_a,
        inquiry=world.inquiry_a,
        sought_a_number="A201555999",
        arrested_on=timezone.localdate() - dt.timedelta(days=2),
    )
    services.locate_attempt_add(
        actor=world.officer_a,
        inquiry=inquiry,
        where=LocateWhere.FACILITY,
        result=LocateResult.FOUND,
        facility=facility,
    )
    conversion.inquiry_convert(actor=world.officer_a, inquiry=inquiry, sex="H")
    inquiry.refresh_from_db()
    person, case = inquiry.person, inquiry.case
    assert (person.given_names, person.paternal_surname, person.maternal_surname) == (
        "José Luis",
        "Hernández",
        "Luna",
    )
    assert person.date_of_birth == dt.date(1990, 4, 12)
    assert person.state_of_birth == "MN"  # "Morelia, Michoacán"
    assert person.a_number == "201555999"
    assert person.sex == "H"
    assert person.registered_by == world.dallas
    assert case.person == person
    assert case.consulate == world.dallas
    assert case.facility == facility
    assert case.detained_since == inquiry.arrested_on
    # The custody history starts from the search that found the person; the searches are the case's too.
    episode = case.custody_episodes.get()
    assert (episode.facility, episode.source, episode.started_on) == (
        facility,
        "facility",
        inquiry.arrested_on,
    )
    copied = list(case.locate_attempts.values_list("where", "result", "facility_id", "from_inquiry"))
    assert copied == [(LocateWhere.FACILITY, LocateResult.FOUND, facility.pk, inquiry.pk)]
    assert CaseEvent.objects.filter(
        case=case, kind=EventKind.INQUIRY_LINKED, payload__how="converted"
    ).exists()
    with pytest.raises(ValidationError):  # once
        conversion.inquiry_convert(actor=world.officer_a, inquiry=inquiry)


def test_convert_by_another_consulate_is_refused(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        conversion.inquiry_convert(actor=world.officer_b, inquiry=world.inquiry_a)


@pytest.mark.parametrize(
    ("place", "code"),
    [("Michoacán", "MN"), ("Morelia, Michoacán", "MN"), ("ciudad de mexico", "DF"), ("Texas", ""), ("", "")],
)
def test_state_of_birth(place, code):
    assert conversion.state_of_birth(place) == code


def test_convert_opens_a_review_for_the_consulate_holding_a_namesake_the_officer_cannot_see(world):
    from cases.models import DuplicateReview

    conversion.inquiry_convert(actor=world.officer_a, inquiry=world.inquiry_a, sex="H")
    world.inquiry_a.refresh_from_db()
    new = world.inquiry_a.person
    reviews = DuplicateReview.objects.filter(person=new)
    assert list(reviews.values_list("candidate_id", "source")) == [(world.person_b.pk, "inquiry")]
    assert not DuplicateReview.objects.visible_to(world.officer_a).filter(person=new).exists()
    assert DuplicateReview.objects.visible_to(world.officer_b).filter(person=new).exists()
