"""An ICE list imported at Dallas through the one service: decisions, provenance, custody, operation,
aliases, the person another consulate holds, errors, and re-importing the same file."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cases.models import Case, CaseEvent, DuplicateReview, IdentifierReview, Person, PersonAlias
from cases.models.access import AccessLog
from cases.models.work import EventKind
from intake.imports import services
from intake.imports.report import not_imported_csv, row_outcomes
from intake.models import BatchStatus, ImportRow, RowDecision
from tests import factories as f
from tests.intake.imports.world import ICE_LIST, build
from tests.worlds import rolled_back


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        w = build()
        w["batch"] = services.import_file(
            actor=w["dallas"],
            consulate=f.consulate("dallas"),
            filename="ice.csv",
            content=ICE_LIST.encode(),
            operation=w["operation"],
        )
        yield w


@pytest.fixture
def rows(world):
    return {row.number: row for row in ImportRow.objects.filter(batch=world["batch"])}


pytestmark = pytest.mark.django_db


def test_batch_is_done_and_its_file_deleted(world):
    batch = world["batch"]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.upload == ""
    assert (batch.total_rows, batch.done_rows) == (8, 8)
    assert (batch.linked_count, batch.review_count, batch.new_count, batch.error_count) == (2, 2, 1, 3)


def test_known_person_linked_with_a_new_case_from_the_operation(world, rows):
    row = rows[2]
    assert row.decision == RowDecision.LINKED
    assert row.person == world["known"]
    case = row.case
    assert case.person == world["known"]
    assert case.operation == world["operation"]
    assert case.facility == world["facility"]
    assert case.detained_since == dt.date(2026, 11, 30)
    assert (case.category, case.subtype) == ("migratorio", "detencion_migratoria")
    kinds = set(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert {EventKind.OPENED, EventKind.IMPORTED, EventKind.CUSTODY} <= kinds
    # What the list wrote, kept as another name of the person.
    assert PersonAlias.objects.filter(
        person=world["known"], paternal_surname="RAMIREZ SOTO", maternal_surname=""
    ).exists()


def test_open_case_gets_its_custody_updated_not_a_second_case(world, rows):
    row = rows[3]
    assert row.decision == RowDecision.LINKED
    assert row.case == world["open_case"]
    assert Case.objects.filter(person=world["with_case"]).count() == 1
    case = Case.objects.get(pk=world["open_case"].pk)
    assert case.facility == world["facility"]
    assert case.operation == world["operation"]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.IMPORTED, payload__opened=False).exists()
    # ICE's "MENDEZ" without maternal surname is kept as another name.
    assert PersonAlias.objects.filter(
        person=world["with_case"], paternal_surname="MENDEZ", source="detainee_list"
    ).exists()


def test_person_of_another_consulate_is_not_revealed(world, rows):
    row = rows[4]
    assert row.decision == RowDecision.REVIEW
    assert row.reasons == ["identifier_in_review"]  # no reason naming the other consulate's person
    created = row.person
    assert created != world["hidden"]
    assert created.registered_by_id == f.consulate("dallas").pk
    assert created.a_number is None  # withheld by the identifier screening
    assert IdentifierReview.objects.filter(attempted_person=created, existing_person=world["hidden"]).exists()
    review = DuplicateReview.objects.get(person=created, candidate=world["hidden"])
    assert review.source == "import"
    assert row.review == review
    assert row_outcomes(world["batch"])[2]["person_id"] == created.pk


def test_likely_duplicate_goes_to_review_with_a_new_record(world, rows):
    row = rows[5]
    assert row.decision == RowDecision.REVIEW
    assert row.person != world["lookalike"]
    assert row.review.candidate == world["lookalike"]
    assert row.reasons


def test_new_person_with_compound_surname_and_unknown_facility(world, rows):
    row = rows[6]
    assert row.decision == RowDecision.NEW
    person = row.person
    assert (person.given_names, person.paternal_surname, person.maternal_surname) == (
        "Ana Maria",
        "Guzman",
        "De la Cruz",
    )
    assert row.case.facility is None
    assert row.case.detained_since == dt.date(2026, 11, 29)


def test_bad_rows_not_imported_with_their_reason(world, rows):
    assert rows[7].decision == RowDecision.ERROR
    assert "date_of_birth" in rows[7].errors
    assert rows[8].decision == RowDecision.ERROR
    assert rows[9].decision == RowDecision.ERROR
    assert "a_number" in rows[9].errors
    for number in (7, 8, 9):
        assert rows[number].person is None
    report = not_imported_csv(world["batch"])
    lines = report.strip().splitlines()
    assert len(lines) == 4
    assert "GUATEMALA" in report


def test_reimport_of_the_same_file_creates_nothing(world):
    persons, cases, events = Person.objects.count(), Case.objects.count(), CaseEvent.objects.count()
    again = services.import_file(
        actor=world["dallas"], consulate=f.consulate("dallas"), filename="ice.csv", content=ICE_LIST.encode()
    )
    decisions = {row.number: row.decision for row in again.rows.all()}
    assert [decisions[n] for n in (2, 3, 4, 5, 6)] == [RowDecision.REPEATED] * 5
    assert (Person.objects.count(), Case.objects.count(), CaseEvent.objects.count()) == (
        persons,
        cases,
        events,
    )
    first = {row.number: row for row in world["batch"].rows.all()}
    for row in again.rows.filter(decision=RowDecision.REPEATED):
        assert (row.person_id, row.case_id) == (first[row.number].person_id, first[row.number].case_id)


def test_every_import_is_in_the_access_log(world):
    whats = set(AccessLog.objects.filter(user=world["dallas"]).values_list("what", flat=True))
    assert f"detainee list import #{world['batch'].pk}: uploaded" in whats
    assert f"detainee list import #{world['batch'].pk}: started" in whats


def test_dry_run_preview_writes_no_person(world):
    persons = Person.objects.count()
    batch = services.import_file(
        actor=world["dallas"],
        consulate=f.consulate("dallas"),
        filename="ice.csv",
        content=ICE_LIST.encode(),
        dry_run=True,
    )
    assert Person.objects.count() == persons
    outcomes = {row["row"]: row for row in row_outcomes(batch, preview=True)}
    assert outcomes[2]["decision"] == "linked"
    assert outcomes[4]["decision"] == "review"
    assert outcomes[4]["person_id"] is None  # the other consulate's person is not named
    assert outcomes[4]["reasons"] == []
    assert outcomes[8]["decision"] == "error"
    assert json.dumps(outcomes)
