"""cases/services/merges.py: persons_merge and persons_unmerge (every move, the snapshot, the refusals)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pghistory.models import Context

from cases import services
from cases.models import (
    Case,
    CaseEvent,
    DuplicateReview,
    EmergencyContact,
    IdentifierReview,
    Person,
    PersonAlias,
    PersonMerge,
)
from cases.models.work import EventKind
from cases.services.merge_moves import SNAPSHOT_FIELDS, SPECIAL, STAYING, moved_references, person_references
from cases.services.merges import merge_snapshot, persons_merge, persons_unmerge
from tests import factories as f

pytestmark = pytest.mark.django_db

DOB = dt.date(1988, 5, 17)


@pytest.fixture
def boss():
    return f.supervisor("dallas")


@pytest.fixture
def pair(boss):
    """Two records of one person: the survivor lacks the CURP, phone and address the other has."""
    survivor = f.make_person(
        boss,
        given_names="José Luis",
        paternal_surname="Hernández",
        maternal_surname="",
        curp="",
        sex="H",
        date_of_birth=DOB,
    )
    merged = f.make_person(
        boss,
        given_names="Jose Luis",
        paternal_surname="Hernandez",
        maternal_surname="Ramírez",
        date_of_birth=DOB,
        sex="H",
        a_number="A-201-555-013",
        phone="+1 214 555 0101",
        us_address="123 Main St\nDallas, TX 75201",
        is_pregnant=False,
        fears_return=True,
    )
    f.make_case(boss, person=survivor)
    f.make_case(boss, person=merged)
    services.emergency_contact_save(
        actor=boss, person=merged, contact=EmergencyContact(name="Rosa Ramírez", relationship="madre")
    )
    PersonAlias.objects.create(
        person=merged, given_names="Luis", paternal_surname="Hernandez", maternal_surname="", source="other"
    )
    return Person.objects.get(pk=survivor.pk), Person.objects.get(pk=merged.pk)


def versions(*persons):
    return {p.pk: p.updated_at.isoformat() for p in persons}


def state(person):
    person = Person.objects.get(pk=person.pk)
    return {name: getattr(person, name) for name in SNAPSHOT_FIELDS} | {"merged_into": person.merged_into_id}


def test_every_foreign_key_to_person_is_moved_or_listed_as_staying():
    """A foreign key to Person added tomorrow must not be left behind silently: each one is moved
    generically, moved by code of its own (SPECIAL) or listed as staying (STAYING)."""
    keys = {(fk.model._meta.label, fk.name) for fk in person_references()}
    moved = {(fk.model._meta.label, fk.name) for fk in moved_references()}
    assert keys == moved | SPECIAL | STAYING
    assert not moved & (SPECIAL | STAYING)
    # Every relation Person's meta knows (history tables aside) is one of them.
    related = {
        (r.related_model._meta.label, r.field.name)
        for r in Person._meta.related_objects
        if not r.related_model._meta.label.endswith("History")
    }
    assert related <= keys
    for expected in [("cases.Case", "person"), ("intake.Inquiry", "person"), ("intake.ImportRow", "person")]:
        assert expected in moved


def test_merge_moves_everything_and_copies_what_the_survivor_lacks(pair, boss):
    survivor, merged = pair
    merged_state = state(merged)
    merge = persons_merge(
        actor=boss,
        survivor=survivor,
        merged=merged,
        reason="Misma persona",
        expected_versions=versions(*pair),
    )
    survivor.refresh_from_db()
    merged.refresh_from_db()
    assert merged.merged_into_id == survivor.pk
    assert merged.a_number is None
    assert merged.curp is None
    assert survivor.a_number == merged_state["a_number"]
    assert survivor.curp == merged_state["curp"]  # the survivor had none
    assert survivor.phone == "+1 214 555 0101"
    assert survivor.us_address == "123 Main St\nDallas, TX 75201"
    assert survivor.fears_return is True
    assert survivor.maternal_surname == ""  # names are not copied: they become an alias
    assert Case.objects.filter(person=survivor).count() == 2
    assert not Case.objects.filter(person=merged).exists()
    assert EmergencyContact.objects.filter(person=survivor, name="Rosa Ramírez").exists()
    aliases = {
        (a.given_names, a.paternal_surname, a.maternal_surname, a.source) for a in survivor.aliases.all()
    }
    assert ("Jose Luis", "Hernandez", "Ramírez", "merge") in aliases
    assert ("Luis", "Hernandez", "", "other") in aliases
    for case in Case.objects.filter(person=survivor):
        event = CaseEvent.objects.get(case=case, kind=EventKind.MERGED)
        assert event.payload["merge_id"] == merge.pk
    snapshot = merge_snapshot(merge)
    assert snapshot["merged"]["a_number"] == merged_state["a_number"]
    assert {item["model"] for item in snapshot["moved"]} >= {"cases.Case", "cases.EmergencyContact"}
    assert set(snapshot["copied"]) >= {"curp", "a_number", "phone", "us_address", "fears_return"}
    # The audit trail's context names the merge.
    assert Context.objects.filter(metadata__person_merge="merge", metadata__person_merge_id=merge.pk).exists()


def test_merged_record_disappears_from_everyday_use(pair, boss):
    survivor, merged = pair
    persons_merge(actor=boss, survivor=survivor, merged=merged, reason="Misma persona")
    for user in (boss, f.officer("dallas"), f.administrator(), f.manager()):
        assert not Person.objects.visible_to(user).filter(pk=merged.pk).exists()
        assert Person.objects.visible_to(user).filter(pk=survivor.pk).exists() or user == boss
    with pytest.raises(ValidationError) as refused:
        services.person_update(actor=boss, person=merged, phone="+1 214 555 0199")
    assert refused.value.code == "merged"


def test_unmerge_restores_both_records_field_for_field(pair, boss):
    survivor, merged = pair
    before = {"survivor": state(survivor), "merged": state(merged)}
    cases = {p.pk: set(Case.objects.filter(person=p).values_list("pk", flat=True)) for p in pair}
    contacts = set(EmergencyContact.objects.filter(person=merged).values_list("pk", flat=True))
    aliases = {
        p.pk: set(PersonAlias.objects.filter(person=p).values_list("given_names", "paternal_surname"))
        for p in pair
    }
    merge = persons_merge(actor=boss, survivor=survivor, merged=merged, reason="Misma persona")
    later_case = f.make_case(boss, person=Person.objects.get(pk=survivor.pk))  # added after: stays
    persons_unmerge(actor=boss, merge=merge, reason="Eran hermanos")
    assert state(survivor) == before["survivor"]
    assert state(merged) == before["merged"]
    assert set(Case.objects.filter(person=merged).values_list("pk", flat=True)) == cases[merged.pk]
    assert set(Case.objects.filter(person=survivor).values_list("pk", flat=True)) == cases[survivor.pk] | {
        later_case.pk
    }
    assert set(EmergencyContact.objects.filter(person=merged).values_list("pk", flat=True)) == contacts
    for p in pair:
        assert (
            set(PersonAlias.objects.filter(person=p).values_list("given_names", "paternal_surname"))
            == aliases[p.pk]
        )
    merge.refresh_from_db()
    assert merge.unmerged_at is not None
    assert merge.unmerge_reason == "Eran hermanos"
    assert CaseEvent.objects.filter(kind=EventKind.UNMERGED).count() == 3
    with pytest.raises(ValidationError):
        persons_unmerge(actor=boss, merge=merge, reason="otra vez")


def test_a_copied_field_changed_after_the_merge_keeps_its_new_value(pair, boss):
    survivor, merged = pair
    merge = persons_merge(actor=boss, survivor=survivor, merged=merged, reason="Misma persona")
    services.person_update(actor=boss, person=Person.objects.get(pk=survivor.pk), phone="+1 469 555 0000")
    persons_unmerge(actor=boss, merge=merge, reason="No eran la misma")
    assert Person.objects.get(pk=survivor.pk).phone == "+1 469 555 0000"
    assert Person.objects.get(pk=merged.pk).phone == "+1 214 555 0101"


def test_open_duplicate_reviews_follow_the_merge(pair, boss):
    survivor, merged = pair
    third = f.make_person(boss, given_names="Luis", paternal_surname="Hernández")
    common = {
        "score": 0.8,
        "reasons": ["same_dob"],
        "source": "registration",
        "requesting_consulate_id": survivor.registered_by_id,
    }
    between = DuplicateReview.objects.create(person=merged, candidate=survivor, **common)
    other = DuplicateReview.objects.create(person=third, candidate=merged, **common)
    merge = persons_merge(
        actor=boss, survivor=survivor, merged=merged, reason="Misma persona", review=between
    )
    between.refresh_from_db()
    other.refresh_from_db()
    assert (between.status, between.resolution) == ("resolved", "merged")
    assert other.status == "open"
    assert other.candidate_id == survivor.pk
    persons_unmerge(actor=boss, merge=merge, reason="No")
    other.refresh_from_db()
    assert other.candidate_id == merged.pk


def test_identifier_reviews_move_with_the_record(pair, boss):
    survivor, merged = pair
    review = IdentifierReview.objects.create(
        kind="curp",
        value="",
        existing_person=merged,
        requested_by=boss,
        requesting_consulate_id=merged.registered_by_id,
    )
    persons_merge(actor=boss, survivor=survivor, merged=merged, reason="Misma persona")
    review.refresh_from_db()
    assert review.existing_person_id == survivor.pk


def test_stale_versions_are_refused_and_nothing_is_written(pair, boss):
    survivor, merged = pair
    seen = versions(*pair)
    services.person_update(actor=boss, person=merged, phone="+1 214 555 0123")
    with pytest.raises(ValidationError) as refused:
        persons_merge(actor=boss, survivor=survivor, merged=merged, reason="x", expected_versions=seen)
    assert refused.value.code == "stale"
    assert not PersonMerge.objects.exists()
    assert Person.objects.get(pk=merged.pk).merged_into_id is None


def test_anonymised_or_already_merged_records_are_refused(pair, boss):
    survivor, merged = pair
    third = f.make_person(boss)
    persons_merge(actor=boss, survivor=survivor, merged=merged, reason="Misma persona")
    with pytest.raises(ValidationError) as refused:
        persons_merge(actor=boss, survivor=third, merged=merged, reason="x")
    assert refused.value.code == "merged"
    Person.objects.filter(pk=third.pk).update(anonymised_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValidationError) as refused:
        persons_merge(actor=boss, survivor=survivor, merged=third, reason="x")
    assert refused.value.code == "anonymised"
    with pytest.raises(ValidationError):
        persons_merge(actor=boss, survivor=survivor, merged=third, reason=" ")


def test_merge_needs_a_supervisor_holding_both_records(pair, boss):
    survivor, merged = pair
    with pytest.raises(PermissionDenied):
        persons_merge(actor=f.officer("dallas"), survivor=survivor, merged=merged, reason="x")
    houston = f.make_person(f.supervisor("houston"))
    with pytest.raises(PermissionDenied):
        persons_merge(actor=boss, survivor=survivor, merged=houston, reason="x")
    assert persons_merge(actor=f.administrator(), survivor=survivor, merged=houston, reason="Misma persona")


def test_the_supervisor_who_merged_a_record_held_through_a_case_can_undo_it(boss):
    """A Houston record with a Dallas case: Dallas's supervisor merges it into a Dallas record (both held),
    and can undo it although the case moved away from the merged record."""
    houston_officer = f.officer("houston")
    houston = f.make_person(houston_officer, given_names="Luis", paternal_surname="Ortega")
    case = f.make_case(houston_officer, person=houston)
    Case.objects.filter(pk=case.pk).update(consulate=f.consulate("dallas"))  # as a transfer leaves it
    dallas = f.make_person(boss, given_names="Luis", paternal_surname="Ortega")
    merge = persons_merge(actor=boss, survivor=dallas, merged=houston, reason="Misma persona")
    persons_unmerge(actor=boss, merge=merge, reason="No era")
    assert Case.objects.filter(person=houston).count() == 1
