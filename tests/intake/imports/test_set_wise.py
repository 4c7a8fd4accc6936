"""The set-wise write of a chunk (``commit_bulk`` and ``cases.services.bulk_intake``) leaves what the
one-by-one path leaves: the same records, timeline, history and provenance; custody updates with their
events, version and transfer proposal; the same identifier screening and permissions; and a chunk whose
set-wise write fails is written again in halves, set-wise, down to the part with the failing row, which is
written one row at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from cases.models import Case, CaseEvent, CaseHistory, Person, PersonAlias, PersonHistory
from cases.models.crossoffice import Transfer, TransferStatus
from cases.models.work import EventKind
from cases.services.identifier_reviews import identifiers_screen, identifiers_screen_many
from consulates.models import DetentionFacility
from consulates.policy import allowed_among, can
from intake.imports import commit, commit_bulk, services
from intake.models import RowDecision
from tests import factories as f
from tests.intake.imports.world import build
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

HEADER = "A-Number,Last Name,First Name,DOB,Gender,Country of Citizenship,Facility,Book-In Date\n"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build()


def _import(world, text: str):
    return services.import_file(
        actor=world["dallas"],
        consulate=f.consulate("dallas"),
        filename="l.csv",
        content=(HEADER + text).encode(),
    )


def _one_by_one(monkeypatch):
    monkeypatch.setattr(commit_bulk, "plan", lambda rows, locks: ([], list(rows)))


def _shape(row):
    """What a written row left, without what differs by nature (ids, names, times)."""
    person, case = row.person, row.case
    events = CaseEvent.objects.filter(case=case).order_by("pk")
    return {
        "decision": row.decision,
        "reasons": row.reasons,
        "person": (person.registered_by_id, person.sex, bool(person.match_keys), bool(person.a_number_bidx)),
        "case": (
            case.category,
            case.subtype,
            case.status,
            case.facility_id,
            case.detained_since,
            case.operation_id,
            case.version,
            case.closure_needs_approval,
            case.opened_by_id,
        ),
        "events": [(e.kind, e.actor_id, sorted(e.payload)) for e in events],
        "aliases": PersonAlias.objects.filter(person=person).count(),
        "history": (
            PersonHistory.objects.filter(pgh_obj_id=person.pk).count(),
            CaseHistory.objects.filter(pgh_obj_id=case.pk).count(),
        ),
    }


def test_a_new_row_leaves_what_the_one_by_one_path_leaves(world, monkeypatch):
    line = "A20888{n:04d},BARRERA LUNA,ANGEL,03/0{n}/1988,M,MEXICO,Prairieland Detention Center,11/30/2026\n"
    together = _import(world, line.format(n=1)).rows.get()
    _one_by_one(monkeypatch)
    alone = _import(world, line.format(n=2)).rows.get()
    assert together.decision == RowDecision.NEW
    assert _shape(together) == _shape(alone)
    assert together.person.a_number == "208880001"


def test_a_linked_row_updating_custody_leaves_what_the_one_by_one_path_leaves(world, monkeypatch):
    houston_jail = DetentionFacility.objects.get(name="Houston Contract Detention Facility")
    first = f.make_person(
        world["dallas"], given_names="Ruth", paternal_surname="Ibarra", sex="M", a_number="207770001"
    )
    second = f.make_person(
        world["dallas"], given_names="Ruth", paternal_surname="Ibarra", sex="M", a_number="207770002"
    )
    cases = [f.make_case(world["dallas"], person=person) for person in (first, second)]
    line = "A20777000{n},IBARRA,RUTH,,F,MEXICO,Houston Contract Detention Facility,11/28/2026\n"
    together = _import(world, line.format(n=1)).rows.get()
    _one_by_one(monkeypatch)
    alone = _import(world, line.format(n=2)).rows.get()
    assert together.decision == RowDecision.LINKED, together.errors
    assert together.case_id == cases[0].pk
    assert _shape(together) == _shape(alone)
    case = Case.objects.get(pk=cases[0].pk)
    assert (case.facility_id, case.detained_since) == (houston_jail.pk, dt.date(2026, 11, 28))
    custody = CaseEvent.objects.get(case=case, kind=EventKind.CUSTODY)
    assert custody.payload["changes"]["facility"] == ["", str(houston_jail)]
    # Houston's district: a transfer is proposed, as for a custody change made by hand.
    transfer = Transfer.objects.get(case=case, status=TransferStatus.PENDING)
    assert transfer.automatic
    assert transfer.to_consulate == f.consulate("houston")


def test_a_chunk_whose_set_wise_write_fails_is_written_row_by_row(world, monkeypatch):
    def broken(**kwargs):
        raise IntegrityError("a concurrent write")

    monkeypatch.setattr(commit_bulk, "detainees_open", broken)
    before = Person.objects.count()
    batch = _import(
        world,
        "A206660001,VARGAS,ELENA,04/04/1984,F,MEXICO,Prairieland Detention Center,11/30/2026\n"
        "A206660002,QUIROZ,MATEO,05/05/1985,M,MEXICO,Prairieland Detention Center,11/30/2026\n",
    )
    assert sorted(batch.rows.values_list("decision", flat=True)) == [RowDecision.NEW, RowDecision.NEW]
    assert Person.objects.count() == before + 2
    assert all(row.case_id for row in batch.rows.all())


def test_one_failing_row_sends_only_a_small_part_of_its_chunk_one_by_one(world, monkeypatch):
    opened = commit_bulk.detainees_open

    def breaks_on_one_row(**kwargs):
        if any(
            item.register and item.register["given_names"].upper() == "ROTO"
            for item in kwargs["items"].values()
        ):
            raise IntegrityError("a concurrent write")
        return opened(**kwargs)

    alone = []
    commit_row = commit._commit_row

    def counted(actor, batch, row, *args):
        alone.append(row.number)
        return commit_row(actor, batch, row, *args)

    monkeypatch.setattr(commit_bulk, "detainees_open", breaks_on_one_row)
    monkeypatch.setattr(commit, "_commit_row", counted)
    lines = [
        f"A2055{n:05d},SALAS,{'ROTO' if n == 37 else 'NUEVO'},{1 + n % 12:02d}/{1 + n % 27:02d}/{1950 + n % 40},"
        "M,MEXICO,Prairieland Detention Center,11/30/2026\n"
        for n in range(60)
    ]
    batch = _import(world, "".join(lines))
    assert set(batch.rows.values_list("decision", flat=True)) == {RowDecision.NEW}
    assert 38 in alone  # the failing row (numbered from 1) went on its own, with few others
    assert len(alone) <= commit_bulk.SMALLEST_PART


def test_many_identifiers_are_screened_as_one(world):
    dallas = world["dallas"]
    asked = {
        "visible": {"a_number": world["known"].a_number},
        "hidden": {"a_number": world["hidden"].a_number},
        "free": {"a_number": "205550001"},
        "twice": {"a_number": "205550001"},
        "none": {},
    }
    many = identifiers_screen_many(actor=dallas, identifiers=asked)
    with pytest.raises(ValidationError) as single:
        identifiers_screen(actor=dallas, person_pk=None, identifiers=asked["visible"])
    assert many["visible"].message_dict == single.value.message_dict
    assert [(w.field, w.holder_id) for w in many["hidden"]] == [("a_number", world["hidden"].pk)]
    assert many["free"] == []
    assert many["none"] == []
    assert "a_number" in many["twice"].message_dict  # the same value twice in one call: the second is refused


def test_allowed_among_answers_as_can_for_each_object(world):
    persons = list(
        Person.objects.filter(pk__in=[world["known"].pk, world["hidden"].pk, world["lookalike"].pk])
    )
    users = (world["dallas"], world["houston"], f.supervisor("houston"), f.manager(), f.administrator())
    for user in users:
        for action in ("person.edit", "person.merge", "duplicate_review.resolve", "person.export"):
            expected = {person.pk for person in persons if can(user, action, person)}
            assert allowed_among(user, action, persons) == expected, (user, action)
