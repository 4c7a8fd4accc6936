"""A chunk's rows written set-wise (``cases.services.bulk_intake``): the same decisions, records, provenance,
events and locks as one row at a time (``commit``), in a few statements for the whole chunk.

``plan`` keeps for the one-by-one path what needs it: a row about the same person as an earlier row of the
chunk (its identity locks collide), and, once locked, a row whose person another writer created since the
chunk was matched (it is matched again), a linked row whose open case changes custody or operation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from cases import events
from cases.categories import Category
from cases.models import Case, Person
from cases.models.case import Status
from cases.models.identity import AliasSource
from cases.namekeys import match_keys
from cases.services.bulk_intake import Opening, aliases_add_many, cases_custody_update_many, detainees_open
from cases.services.duplicate_reviews import duplicate_reviews_open_new
from cases.services.identifier_reviews import IMPORT
from intake.imports.rows import Parsed
from intake.models import ImportRow, RowDecision

logger = logging.getLogger(__name__)

WRITTEN = (RowDecision.LINKED, RowDecision.NEW, RowDecision.REVIEW, RowDecision.REPEATED)
# A reason code of ours beside the matcher's: an identifier was withheld for review.
IDENTIFIER_IN_REVIEW = "identifier_in_review"
# A row's transaction lasts well under this: a person another row was creating while this chunk was
# matched (not yet committed, so not seen) has a ``created_at`` no older than the match's start minus it.
IN_FLIGHT = dt.timedelta(seconds=60)


def plan(rows: list[ImportRow], locks: dict[int, list[int]]) -> tuple[list[ImportRow], list[ImportRow]]:
    """(set-wise, one by one): the first row of each group sharing an identity lock goes set-wise."""
    taken: set[int] = set()
    bulk, single = [], []
    for row in rows:
        ids = locks[row.pk]
        if taken.intersection(ids):
            single.append(row)
        else:
            taken.update(ids)
            bulk.append(row)
    return bulk, single


def _lock_all(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")  # as a row's commit (``commit._lock``)
        # In ascending order, as every writer takes them: two imports wait for each other, never deadlock.
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(id)) FROM unnest(%s::bigint[]) AS id", [sorted(ids)]
        )


def _prior(batch, rows: list[ImportRow]) -> dict[str, ImportRow]:
    """The earliest written row with each row's key at this consulate (the row is then "repeated")."""
    found: dict[str, ImportRow] = {}
    keys = {row.row_key for row in rows if row.row_key}
    earlier = (
        ImportRow.objects.filter(
            row_key__in=keys, batch__consulate_id=batch.consulate_id, decision__in=WRITTEN
        )
        .exclude(pk__in=[row.pk for row in rows])
        .only("pk", "row_key", "person_id", "case_id", "review_id", "reasons")
        .order_by("pk")
    )
    for row in earlier:
        if row.person_id:
            found.setdefault(row.row_key, row)
    return found


def _created_since(parsed: dict[int, Parsed], since) -> set[int]:
    """``commit._created_since`` for many rows: the rows whose person may have been created since."""
    if not parsed:
        return set()
    recent = Person.objects.filter(created_at__gte=since)
    hit: set[int] = set()
    numbers = {pk: item.a_number for pk, item in parsed.items() if item.a_number}
    if numbers:
        index_of = Person._meta.get_field("a_number_bidx").index_of
        found = set(recent.with_a_number(*numbers.values()).values_list("a_number_bidx", flat=True))
        hit.update(pk for pk, number in numbers.items() if index_of(number) in found)
    wanted: dict[int, tuple[str, list[str]]] = {}
    for pk, item in parsed.items():
        if item.date_of_birth:
            keys = match_keys(
                item.given_names, item.paternal_surname, item.maternal_surname, item.date_of_birth
            )
            names = [key for key in keys if key.startswith("n:")]
            if names:
                wanted[pk] = (f"d:{item.date_of_birth.isoformat()}", names)
    if wanted:
        # The persons of the last minute or so (the index on ``created_at``), compared in Python: the keys'
        # GIN index is slow to ask while an import fills its pending list.
        by_date: dict[str, list[tuple[int, list[str]]]] = {}
        for pk, (dob, names) in wanted.items():
            by_date.setdefault(dob, []).append((pk, names))
        for keys in recent.values_list("match_keys", flat=True):
            keys = set(keys)
            for key in keys.intersection(by_date):
                hit.update(pk for pk, names in by_date[key] if keys.intersection(names))
    return hit


def _written_alias(parsed: Parsed) -> dict | None:
    given, paternal, maternal = parsed.written
    if not given or not (paternal or maternal):
        return None
    return {
        "given_names": given[:120],
        "paternal_surname": paternal[:80],
        "maternal_surname": maternal[:80],
        "source": AliasSource.DETAINEE_LIST,
    }


def commit_bulk(actor, batch, rows: list[ImportRow], parsed, outcomes, started, facilities, locks) -> list:
    """Write ``rows`` (planned set-wise) inside the caller's transaction; return the rows left for the
    one-by-one path. Raises a database error (the caller undoes the whole write) if one is met."""
    _lock_all(sorted({lock for row in rows for lock in locks[row.pk]}))
    single: list[ImportRow] = []
    prior = _prior(batch, rows)
    fresh = _created_since(
        {row.pk: parsed[row.pk] for row in rows if outcomes[row.pk].decision != RowDecision.LINKED},
        started - IN_FLIGHT,
    )
    done: list[ImportRow] = []
    todo: list[ImportRow] = []
    for row in rows:
        earlier = prior.get(row.row_key)
        if earlier is not None:
            row.decision = RowDecision.REPEATED
            row.person_id, row.case_id, row.review_id = earlier.person_id, earlier.case_id, earlier.review_id
            row.reasons = earlier.reasons
            done.append(row)
        elif row.pk in fresh:
            single.append(row)
        else:
            todo.append(row)
    linked_ids = {
        outcomes[row.pk].person_id for row in todo if outcomes[row.pk].decision == RowDecision.LINKED
    }
    linked = Person.objects.in_bulk(linked_ids)
    open_cases: dict[int, Case] = {}
    for case in (
        Case.objects.filter(person_id__in=linked_ids, consulate_id=batch.consulate_id)
        .exclude(status=Status.CLOSED)
        .order_by("person_id", "-opened_at")
    ):
        open_cases.setdefault(case.person_id, case)
    openings: dict[int, Opening] = {}
    kept: list[ImportRow] = []  # linked rows with an open case here (its custody updated if it changed)
    custody: dict[int, tuple[int, dict]] = {}
    for row in todo:
        item, outcome = parsed[row.pk], outcomes[row.pk]
        facility = facilities.get(item.facility_id) if item.facility_id else None
        if outcome.decision == RowDecision.LINKED:
            case = open_cases.get(outcome.person_id)
            if case is None:
                openings[row.pk] = _opening(item, facility, person=linked[outcome.person_id])
            else:
                change = custody_changes(case, facility, item.book_in_date)
                if change or (batch.operation_id and case.operation_id is None):
                    custody[row.pk] = (case.pk, change)
                row.person_id, row.case = outcome.person_id, case
                kept.append(row)
        else:
            openings[row.pk] = _opening(item, facility, register=_register_fields(item))
    if custody:
        updated = cases_custody_update_many(
            actor=actor,
            changes={case_id: change for case_id, change in custody.values()},
            operation=batch.operation if batch.operation_id else None,
        )
        for row in [row for row in kept if row.pk in custody and custody[row.pk][0] not in updated]:
            kept.remove(row)
            single.append(row)  # the case could not be changed here: on its own, with the reason
    results = detainees_open(
        actor=actor,
        consulate=batch.consulate,
        operation=batch.operation,
        items=openings,
        review_budget=IMPORT,
    )
    candidates = Person.objects.in_bulk(
        {outcomes[pk].person_id for pk in openings if outcomes[pk].decision == RowDecision.REVIEW}
    )
    opened: list[ImportRow] = []
    opened_pks: set[int] = set()
    for row in todo:
        if row.pk not in openings:
            continue
        result, outcome = results[row.pk], outcomes[row.pk]
        if isinstance(result, ValidationError):
            row.decision, row.errors = RowDecision.ERROR, _messages(result)
            row.person = row.case = row.review = None
            done.append(row)
            continue
        row.decision = outcome.decision
        row.person, row.case, row.review = result.person, result.case, None
        row.reasons = list(outcome.reasons) if outcome.visible else []
        if getattr(result.person, "identifiers_in_review", ()):
            row.reasons.append(IDENTIFIER_IN_REVIEW)
        opened.append(row)
        opened_pks.add(row.pk)
    reviewed = [
        row
        for row in opened
        if outcomes[row.pk].decision == RowDecision.REVIEW and outcomes[row.pk].person_id
    ]
    reviews = duplicate_reviews_open_new(
        actor=actor,
        reviews=[
            (
                row.person,
                candidates[outcomes[row.pk].person_id],
                outcomes[row.pk].score,
                outcomes[row.pk].reasons,
            )
            for row in reviewed
        ],
        source="import",
        consulate=batch.consulate,
    )
    for row, review in zip(reviewed, reviews, strict=True):
        row.review = review
    for row in kept:
        row.decision, row.review = RowDecision.LINKED, None
        row.reasons = list(outcomes[row.pk].reasons)
    aliases = []
    for row in kept + [row for row in opened if outcomes[row.pk].decision == RowDecision.LINKED]:
        alias = _written_alias(parsed[row.pk])
        person = linked[row.person_id]
        if alias is not None:
            aliases.append((person, alias))
    for row in opened:
        alias = _written_alias(parsed[row.pk])
        if outcomes[row.pk].decision != RowDecision.LINKED and alias:
            aliases.append((row.person, alias))
    aliases_add_many(actor, aliases)  # leaves out a name the person already has
    with events.collected():
        for row in kept + opened:
            events.imported(
                row.case,
                actor,
                batch_id=batch.pk,
                row=row.number,
                decision=row.decision,
                opened=row.pk in opened_pks,
            )
    rows_written(done + kept + opened)
    return single


# A set-wise write that fails is tried again in halves, down to this many rows; smaller parts go one by
# one. One bad row in a chunk of 500 then costs a few undone halves, not 500 rows written on their own.
SMALLEST_PART = 16
_ROW_STATE = ("decision", "errors", "reasons", "person_id", "case_id", "review_id")


def write_together(actor, batch, rows: list[ImportRow], parsed, outcomes, started, facilities, locks):
    """``commit_bulk`` in its own savepoint; returns the rows left for the one-by-one path. A database
    error (a concurrent write of the same identifier, say) undoes the part whole: its rows get back the
    state they had and are written in halves, each again set-wise."""
    before = {row.pk: [getattr(row, name) for name in _ROW_STATE] for row in rows}
    try:
        with transaction.atomic():
            return commit_bulk(actor, batch, rows, parsed, outcomes, started, facilities, locks)
    except DatabaseError as error:
        # The log names the error's state and constraint, never its detail (it can quote a row's values).
        diag = getattr(error.__cause__, "diag", None)
        logger.warning(
            "import %s: a set-wise write of %s rows failed (%s, %s %s); written again in smaller parts",
            batch.pk,
            len(rows),
            type(error).__name__,
            getattr(diag, "sqlstate", None),
            getattr(diag, "constraint_name", None),
        )
    for row in rows:
        for name, value in zip(_ROW_STATE, before[row.pk], strict=True):
            setattr(row, name, value)
    if len(rows) <= SMALLEST_PART:
        return rows
    half = len(rows) // 2
    return [
        *write_together(actor, batch, rows[:half], parsed, outcomes, started, facilities, locks),
        *write_together(actor, batch, rows[half:], parsed, outcomes, started, facilities, locks),
    ]


def rows_written(rows: list[ImportRow]) -> None:
    """Save each row's decision, errors, reasons and records in one statement (``bulk_update`` builds a
    CASE per column and row: 500 rows cost more to build than to run)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE intake_importrow AS r
               SET decision = v.decision, errors = v.errors::jsonb, reasons = v.reasons::jsonb,
                   person_id = v.person_id, case_id = v.case_id, review_id = v.review_id
              FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::bigint[], %s::bigint[],
                          %s::bigint[]) AS v(id, decision, errors, reasons, person_id, case_id, review_id)
             WHERE r.id = v.id
            """,
            [
                [row.pk for row in rows],
                [row.decision for row in rows],
                [json.dumps(row.errors or {}) for row in rows],
                [json.dumps(row.reasons or []) for row in rows],
                [row.person_id for row in rows],
                [row.case_id for row in rows],
                [row.review_id for row in rows],
            ],
        )


def custody_changes(case: Case, facility, book_in_date) -> dict:
    """What a list's row changes in the custody of the consulate's open case of its person: the facility
    and the book-in date it gives, where they differ (nothing the list leaves empty)."""
    changes = {}
    if facility is not None and case.facility_id != facility.pk:
        changes["facility"] = facility
    if book_in_date and case.detained_since != book_in_date:
        changes["detained_since"] = book_in_date
    return changes


def _register_fields(item: Parsed) -> dict:
    return {
        "given_names": item.given_names,
        "paternal_surname": item.paternal_surname,
        "maternal_surname": item.maternal_surname,
        "date_of_birth": item.date_of_birth,
        "sex": item.sex,
        "state_of_birth": item.state_of_birth,
        "curp": item.curp,
        "a_number": item.a_number,
    }


def _opening(item: Parsed, facility, *, person=None, register=None) -> Opening:
    return Opening(
        person=person,
        register=register,
        category=Category.MIGRATORIO,
        subtype="detencion_migratoria",
        facility=facility,
        detained_since=item.book_in_date,
    )


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}
