"""cases/services/family.py and its visibility rule: relationships recorded once and read from both sides,
seen only by who sees both persons (and partners with a ``family`` consent); the family-preparedness
checklist, each pending item a task."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import override

from cases import services
from cases.models import CaseEvent, FamilyChecklistItem, FamilyRelationship, Task
from cases.models.family import ChecklistStatus
from cases.models.work import EventKind, TaskKind
from tests import factories as f
from tests.factories.crossoffice import make_consent, make_referral
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """A detained father in Dallas and his two children with their own Dallas cases; a sister held only by
    Houston; a partner with a referral of the father's case."""
    with rolled_back(django_db_blocker):
        dallas, houston = f.officer("dallas"), f.officer("houston")
        father = f.make_person(dallas, given_names="Juan", paternal_surname="Pérez", sex="H")
        father_case = f.make_case(dallas, person=father)
        son = f.make_person(dallas, given_names="Luis", paternal_surname="Pérez", is_minor=True)
        son_case = f.make_case(dallas, person=son)
        daughter = f.make_person(dallas, given_names="Ana", paternal_surname="Pérez", is_minor=True)
        f.make_case(dallas, person=daughter)
        sister = f.make_person(houston, given_names="Rosa", paternal_surname="Pérez")
        f.make_case(houston, person=sister)
        to_son = services.relationship_add(
            actor=dallas, person=son, relative=father, kind="parent", relative_whereabouts="detained_us"
        )
        to_daughter = services.relationship_add(
            actor=dallas, person=father, relative=daughter, kind="child", relative_whereabouts="state_care_us"
        )
        admin = f.administrator()
        to_sister = services.relationship_add(
            actor=admin, person=father, relative=sister, kind="sibling", relative_whereabouts="mexico"
        )
        yield SimpleNamespace(
            dallas=dallas,
            houston=houston,
            admin=admin,
            father=father,
            father_case=father_case,
            son=son,
            son_case=son_case,
            daughter=daughter,
            sister=sister,
            to_son=to_son,
            to_daughter=to_daughter,
            to_sister=to_sister,
        )


def test_a_relationship_is_one_row_read_from_both_sides_with_its_label(world):
    row = FamilyRelationship.objects.get(pk=world.to_son.pk)
    assert (row.person_a_id, row.person_b_id) == tuple(sorted((world.father.pk, world.son.pk)))
    from_son, from_father = row.side(world.son.pk), row.side(world.father.pk)
    assert (from_son.relative, from_son.relative_kind) == (world.father, "parent")
    assert (from_father.relative, from_father.relative_kind) == (world.son, "child")
    with override("en"):
        assert str(from_son.whereabouts_label) == "Detained in the United States"
    with override("es"):
        assert (str(from_son.label), str(from_father.label)) == ("padre/madre de", "hijo/a de")


def test_the_same_pair_cannot_be_recorded_again_from_either_side_nor_a_person_with_themself(world):
    with pytest.raises(ValidationError) as error:
        services.relationship_add(actor=world.dallas, person=world.father, relative=world.son, kind="child")
    assert "relative" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.relationship_add(actor=world.dallas, person=world.son, relative=world.son, kind="sibling")
    # the database itself refuses a second row for the pair and a reversed one
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyRelationship.objects.create(
            person_a=world.to_son.person_a,
            person_b=world.to_son.person_b,
            kind="other",
            recorded_by=world.dallas,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyRelationship.objects.create(
            person_a=world.to_son.person_b,
            person_b=world.to_son.person_a,
            kind="other",
            recorded_by=world.dallas,
        )


def test_visibility_follows_both_persons_across_consulates(world):
    dallas_sees = set(FamilyRelationship.objects.visible_to(world.dallas).values_list("pk", flat=True))
    houston_sees = set(FamilyRelationship.objects.visible_to(world.houston).values_list("pk", flat=True))
    manager_sees = set(FamilyRelationship.objects.visible_to(f.manager()).values_list("pk", flat=True))
    ours = {world.to_son.pk, world.to_daughter.pk, world.to_sister.pk}
    assert dallas_sees & ours == {world.to_son.pk, world.to_daughter.pk}  # not the Houston-only sister
    assert houston_sees & ours == set()  # Houston sees the sister, not the Dallas father
    assert manager_sees >= ours
    assert FamilyRelationship.objects.visible_to(f.auditor()).count() == 0


def test_an_officer_cannot_link_a_person_of_another_consulate(world):
    with pytest.raises(ValidationError) as error:
        services.relationship_add(
            actor=world.dallas, person=world.father, relative=world.sister, kind="other"
        )
    assert "relative" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.relationship_add(
            actor=world.houston, person=world.father, relative=world.sister, kind="other"
        )
    with pytest.raises(PermissionDenied):  # Dallas sees the father, not the sister: it cannot end it
        services.relationship_end(actor=world.dallas, relationship=world.to_sister, reason="error")
    with pytest.raises(PermissionDenied):
        services.relationship_end(actor=f.manager(), relationship=world.to_son, reason="error")


def test_a_partner_sees_the_relationships_only_with_a_family_consent(world):
    partner_user = f.partner_user()
    partner = partner_user.partner_membership.partner
    consent = make_consent(world.dallas, world.father_case, partner, scope=["identity", "custody"])
    make_referral(world.dallas, world.father_case, partner)
    assert not FamilyRelationship.objects.visible_to(partner_user).exists()
    services.consent_withdraw(actor=world.dallas, consent=consent, note="nuevo consentimiento")
    # a withdrawn consent ends the referral; a new one covering the family, and a new referral
    make_consent(world.dallas, world.father_case, partner, scope=["identity", "family"])
    make_referral(world.dallas, world.father_case, partner)
    seen = set(FamilyRelationship.objects.visible_to(partner_user).values_list("pk", flat=True))
    assert seen == {world.to_son.pk, world.to_daughter.pk, world.to_sister.pk}


def test_correct_and_end_are_on_the_open_cases_timelines_and_kept_in_history(world):
    relationship = services.relationship_correct(
        actor=world.dallas,
        relationship=world.to_daughter,
        for_person=world.daughter,
        relative_whereabouts="detained_us",
        person_whereabouts="at_liberty_us",
        expected_version=world.to_daughter.version,
    )
    assert relationship.side(world.daughter.pk).relative_whereabouts == "detained_us"
    assert relationship.side(world.father.pk).relative_whereabouts == "at_liberty_us"
    with pytest.raises(ValidationError) as stale:
        services.relationship_end(
            actor=world.dallas, relationship=relationship, reason="x", expected_version=1
        )
    assert stale.value.code == "stale"
    with pytest.raises(ValidationError):
        services.relationship_end(actor=world.dallas, relationship=relationship, reason="  ")
    services.relationship_end(actor=world.dallas, relationship=relationship, reason="Registrado por error")
    relationship.refresh_from_db()
    assert relationship.ended_at is not None
    assert relationship.end_reason == "Registrado por error"
    kinds = list(
        CaseEvent.objects.filter(case=world.father_case, payload__relationship_id=relationship.pk)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EventKind.RELATIONSHIP_ADDED,
        EventKind.RELATIONSHIP_CHANGED,
        EventKind.RELATIONSHIP_ENDED,
    ]
    assert list(relationship.history.values_list("pgh_label", flat=True).order_by("pgh_id")) == [
        "insert",
        "update",
        "update",
    ]
    # ended, the pair may be recorded again
    again = services.relationship_add(
        actor=world.dallas, person=world.daughter, relative=world.father, kind="parent"
    )
    assert again.pk != relationship.pk


def test_a_pending_checklist_item_is_a_task_closed_when_done_or_not_applicable(world):
    case = world.son_case
    due = TODAY + dt.timedelta(days=5)
    item = services.checklist_item_add(
        actor=world.dallas,
        case=case,
        kind="caregiver",
        caregiver_name="Tía Carmen",
        caregiver_contact="214 555 0100",
        due_on=due,
    )
    task = item.task
    assert (task.kind, task.due_date, task.done) == (TaskKind.FAMILY_PREPAREDNESS, due, False)
    docs = services.checklist_item_add(actor=world.dallas, case=case, kind="documents", document="passport")
    assert Task.objects.filter(case=case, kind=TaskKind.FAMILY_PREPAREDNESS, done=False).count() == 2
    later = due + dt.timedelta(days=3)
    item = services.checklist_item_update(
        actor=world.dallas, item=item, due_on=later, expected_version=item.version
    )
    task.refresh_from_db()
    assert task.due_date == later
    services.checklist_item_update(actor=world.dallas, item=item, status="done")
    task.refresh_from_db()
    assert task.done
    services.checklist_item_update(actor=world.dallas, item=docs, status="not_applicable")
    assert not Task.objects.filter(case=case, kind=TaskKind.FAMILY_PREPAREDNESS, done=False).exists()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.FAMILY_ITEM_DONE).count() == 2
    with pytest.raises(ValidationError) as error:
        services.checklist_item_add(actor=world.dallas, case=case, kind="documents")
    assert "document" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.checklist_item_add(actor=world.houston, case=case, kind="nationality")


def test_marking_the_task_done_marks_its_item_done(world):
    item = services.checklist_item_add(actor=world.dallas, case=world.father_case, kind="power_of_attorney")
    services.task_complete(actor=world.dallas, task=item.task)
    item.refresh_from_db()
    assert item.status == ChecklistStatus.DONE
    assert item.resolved_at is not None
    assert FamilyChecklistItem.objects.visible_to(world.houston).filter(pk=item.pk).count() == 0


def test_a_person_and_themself_cannot_be_one_row_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        FamilyRelationship.objects.create(
            person_a=world.father, person_b=world.father, kind="other", recorded_by=world.dallas
        )


def test_erasing_a_relative_clears_the_relationships_free_text_in_rows_and_history():
    from cases.services import privacy

    officer = f.officer("dallas")
    father = f.make_person(officer)
    mother = f.make_person(officer, given_names="Lucía", paternal_surname="Ruiz")
    relationship = services.relationship_add(
        actor=officer, person=father, relative=mother, kind="spouse", notes="Vive en Celaya con su hermana"
    )
    privacy.person_erase(actor=f.administrator(), person=mother, reason="Solicitud escrita, folio 12")
    relationship.refresh_from_db()
    assert relationship.notes == ""
    assert set(relationship.history.values_list("notes", flat=True)) == {""}
