"""Writing a detainee list's rows, through the services staff use: ``person_register``, ``case_open`` (or
``case_update`` of the custody of the case the consulate already has open for a known person),
``duplicate_review_open``, and the case timeline's ``imported`` event.

* Rows are matched in chunks (``match_many``), then written set-wise by chunk (``commit_bulk``) or, where
  that cannot be, one by one, each in its own transaction (a savepoint inside a caller's): a bad row never
  stops the others, and is recorded with its reason.
* Provenance: the row points to the person, case and review it created or linked.
* A certain match with a person the importing consulate cannot see reveals nothing: the row makes a new
  record, as "review", with a ``DuplicateReview`` for the owning consulate; an identifier that person
  holds is withheld by the identifier screening (``cases.services.identifier_reviews``).
* Idempotent: a row whose key (``ImportRow.row_key``) was already imported at this consulate is
  "repeated" and points to the same records.
* Concurrency: each row takes transaction-level advisory locks on who it is about (date of birth and
  first given name; the A-number), in a fixed order, then checks whether a matching person was created
  since its chunk was matched (by another import or an earlier row of this one) and, if so, matches again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.categories import Category
from cases.matching import MatchQuery, match_many
from cases.models import Case, Person
from cases.models.case import Status
from cases.models.identity import AliasSource
from cases.namekeys import fold, match_keys, phonetic, tokens
from cases.services.aliases import alias_add
from cases.services.cases import case_open, case_update
from cases.services.duplicate_reviews import duplicate_review_open
from cases.services.identifier_reviews import IMPORT
from cases.services.operations import operation_case_attach
from cases.services.persons import person_register
from consulates.models import DetentionFacility
from intake.imports.commit_bulk import (
    IDENTIFIER_IN_REVIEW,
    IN_FLIGHT,
    WRITTEN,
    custody_changes,
    plan,
    write_together,
)
from intake.imports.rows import Parsed
from intake.models import ImportBatch, ImportRow, RowDecision

logger = logging.getLogger(__name__)

CHUNK = 500
# The matcher reads every eligible person of the network once per call: a list is matched 5,000 rows at a
# time, not 500 (20 reads of 100,000 persons for a 10,000-row list took longer than its writes).
MATCH_CHUNK = 5000


@dataclass(frozen=True)
class Outcome:
    decision: str  # linked | review | new
    person_id: int | None  # the best candidate
    score: float
    reasons: tuple[str, ...]
    visible: bool  # may the importing user see that candidate?


def visible_person_ids(actor, ids) -> set[int]:
    return set(Person.objects.visible_to(actor).filter(pk__in=list(ids)).values_list("pk", flat=True))


def query_of(parsed: Parsed) -> MatchQuery:
    return MatchQuery(
        given_names=parsed.given_names,
        paternal_surname=parsed.paternal_surname,
        maternal_surname=parsed.maternal_surname,
        date_of_birth=parsed.date_of_birth,
        sex=parsed.sex,
        state_of_birth=parsed.state_of_birth,
        curp=parsed.curp,
        a_number=parsed.a_number,
    )


def match_rows(actor, parsed: list[Parsed]) -> list[Outcome]:
    """The matcher's decision for each row, against the whole network; a certain match the user cannot
    see is "review"."""
    results = match_many([query_of(item) for item in parsed], among=Person.objects.all())
    tops = {result.candidates[0].person_id for result in results if result.candidates}
    visible = visible_person_ids(actor, tops) if tops else set()
    outcomes = []
    for result in results:
        top = result.candidates[0] if result.candidates else None
        seen = top is not None and top.person_id in visible
        decision = result.decision
        if decision == RowDecision.LINKED and not seen:
            decision = RowDecision.REVIEW
        outcomes.append(
            Outcome(
                decision=decision,
                person_id=top.person_id if top and decision != RowDecision.NEW else None,
                score=top.score if top else 0.0,
                reasons=tuple(top.reasons) if top and decision != RowDecision.NEW else (),
                visible=seen,
            )
        )
    return outcomes


def parsed_of(row: ImportRow) -> Parsed:
    data = json.loads(row.data)
    return Parsed(
        number=row.number,
        given_names=data["given_names"],
        paternal_surname=data["paternal_surname"],
        maternal_surname=data["maternal_surname"],
        date_of_birth=dt.date.fromisoformat(data["date_of_birth"]) if data["date_of_birth"] else None,
        sex=data["sex"],
        state_of_birth=data["state_of_birth"],
        curp=data["curp"],
        a_number=data["a_number"],
        facility_id=data["facility_id"],
        facility_text=data["facility_text"],
        book_in_date=dt.date.fromisoformat(data["book_in_date"]) if data["book_in_date"] else None,
        country=data["country"],
        written=tuple(data["written"]),
        errors=row.errors or {},
        warnings=data.get("warnings", []),
        skip=data.get("skip", ""),
    )


def _lock_id(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big", signed=True)


def identity_locks(parsed: Parsed) -> list[int]:
    """Advisory lock ids for who a row is about: same person, same locks (whatever the surname order or
    the surnames given); distinct persons may share one, which only makes them wait."""
    given = tokens(parsed.given_names)
    first = phonetic(given[0]) if given else ""
    dob = parsed.date_of_birth.isoformat() if parsed.date_of_birth else ""
    if not dob:
        surnames = sorted(phonetic(w) for w in tokens(f"{parsed.paternal_surname} {parsed.maternal_surname}"))
        dob = surnames[0] if surnames else ""
    keys = [f"import-person:{dob}:{first}"]
    if parsed.a_number:
        keys.append(f"import-a:{parsed.a_number}")
    if parsed.curp:
        keys.append(f"import-c:{parsed.curp}")
    return sorted(_lock_id(key) for key in keys)


def _lock(ids: list[int]) -> None:
    with connection.cursor() as cursor:
        # A row's commit need not wait for the disk: after a crash at most the last rows' writes are lost
        # whole (never half), and they are still pending: running the import again writes them.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _created_since(parsed: Parsed, since) -> bool:
    """Was a person this row could be created (by another import's row, or an earlier row of this one)
    since its chunk was matched? Same date of birth and a name key in common, or the same A-number: what
    the identity locks serialise on. Two queries, each on its own index (an OR of both scans the table)."""
    recent = Person.objects.filter(created_at__gte=since - IN_FLIGHT)
    if parsed.a_number and recent.with_a_number(parsed.a_number).exists():
        return True
    if not parsed.date_of_birth:
        return False
    keys = match_keys(
        parsed.given_names, parsed.paternal_surname, parsed.maternal_surname, parsed.date_of_birth
    )
    names = [key for key in keys if key.startswith("n:")]
    dob = f"d:{parsed.date_of_birth.isoformat()}"
    return bool(names) and recent.filter(match_keys__contains=[dob], match_keys__overlap=names).exists()


def commit_rows(*, actor, batch: ImportBatch) -> None:
    """Write every pending row of ``batch`` (status running): matched ``MATCH_CHUNK`` rows at a time (the
    matcher reads the network once per call), written ``CHUNK`` rows at a time, the counts updated after
    each written chunk (the progress bar)."""
    facilities = DetentionFacility.objects.in_bulk()
    pending = list(
        batch.rows.filter(decision=RowDecision.PENDING).order_by("number").values_list("pk", flat=True)
    )
    for start in range(0, len(pending), MATCH_CHUNK):
        rows = list(ImportRow.objects.filter(pk__in=pending[start : start + MATCH_CHUNK]).order_by("number"))
        parsed = {row.pk: parsed_of(row) for row in rows}
        importable = [row for row in rows if parsed[row.pk].importable]
        started = timezone.now()
        matched = match_rows(actor, [parsed[row.pk] for row in importable])
        outcomes = dict(zip([row.pk for row in importable], matched, strict=True))
        for first in range(0, len(rows), CHUNK):
            _commit_chunk(actor, batch, rows[first : first + CHUNK], parsed, outcomes, started, facilities)


def _commit_chunk(
    actor, batch: ImportBatch, rows: list[ImportRow], parsed, outcomes, started, facilities
) -> None:
    """Write ``rows``, matched at ``started`` (``outcomes``): set-wise where it can, one by one otherwise."""
    importable = [row for row in rows if parsed[row.pk].importable]
    errors = [row for row in rows if not parsed[row.pk].importable]
    for row in errors:
        row.decision = RowDecision.ERROR
        if parsed[row.pk].skip:
            row.errors = {"country": [parsed[row.pk].skip]}
    ImportRow.objects.bulk_update(errors, ["decision", "errors"])
    locks = {row.pk: identity_locks(parsed[row.pk]) for row in importable}
    together, single = plan(importable, locks)
    if together:
        single += write_together(actor, batch, together, parsed, outcomes, started, facilities, locks)
    for row in sorted(single, key=lambda row: row.number):
        _commit_row(actor, batch, row, parsed[row.pk], outcomes[row.pk], started, facilities)
    counts = {decision: 0 for decision in RowDecision.values}
    for row in rows:
        counts[row.decision] += 1
    ImportBatch.objects.filter(pk=batch.pk).update(
        done_rows=F("done_rows") + len(rows),
        new_count=F("new_count") + counts[RowDecision.NEW],
        linked_count=F("linked_count") + counts[RowDecision.LINKED] + counts[RowDecision.REPEATED],
        review_count=F("review_count") + counts[RowDecision.REVIEW],
        error_count=F("error_count") + counts[RowDecision.ERROR],
    )
    logger.info("import %s: %s rows written", batch.pk, len(rows))


def _commit_row(actor, batch, row: ImportRow, item: Parsed, outcome, started, facilities) -> None:
    """One row in its own transaction (a savepoint inside a caller's): an error is the row's alone."""
    try:
        with transaction.atomic():
            _commit_one(actor, batch, row, item, outcome, started, facilities)
    except (ValidationError, PermissionDenied) as error:
        row.decision = RowDecision.ERROR
        row.errors = _messages(error)
        row.person = row.case = row.review = None
        row.save(update_fields=["decision", "errors", "person", "case", "review"])


def _messages(error) -> dict[str, list[str]]:
    if isinstance(error, PermissionDenied):
        return {"__all__": [str(error) or _("You cannot do this.")]}
    if hasattr(error, "error_dict"):
        return {name: [str(m) for m in messages] for name, messages in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def _commit_one(actor, batch, row: ImportRow, parsed: Parsed, outcome: Outcome, started, facilities) -> None:
    _lock(identity_locks(parsed))
    prior = (
        ImportRow.objects.filter(
            row_key=row.row_key, batch__consulate_id=batch.consulate_id, decision__in=WRITTEN
        )
        .exclude(pk=row.pk)
        .order_by("pk")
        .first()
    )
    if prior is not None and prior.person_id:
        row.decision = RowDecision.REPEATED
        row.person_id, row.case_id, row.review_id = prior.person_id, prior.case_id, prior.review_id
        row.reasons = prior.reasons
        row.save(update_fields=["decision", "person", "case", "review", "reasons"])
        return
    if outcome.decision != RowDecision.LINKED and _created_since(parsed, started):
        outcome = match_rows(actor, [parsed])[0]
    reasons = list(outcome.reasons) if outcome.visible else []
    review = None
    if outcome.decision == RowDecision.LINKED:
        person = Person.objects.get(pk=outcome.person_id)
    else:
        person = person_register(
            actor=actor,
            consulate=batch.consulate,
            given_names=parsed.given_names,
            paternal_surname=parsed.paternal_surname,
            maternal_surname=parsed.maternal_surname,
            date_of_birth=parsed.date_of_birth,
            sex=parsed.sex,
            state_of_birth=parsed.state_of_birth,
            curp=parsed.curp,
            a_number=parsed.a_number,
            review_budget=IMPORT,
        )
        if getattr(person, "identifiers_in_review", ()):
            reasons.append(IDENTIFIER_IN_REVIEW)
        if outcome.decision == RowDecision.REVIEW and outcome.person_id:
            review = duplicate_review_open(
                actor=actor,
                person=person,
                candidate=Person.objects.get(pk=outcome.person_id),
                score=outcome.score,
                reasons=list(outcome.reasons),
                source="import",
                consulate=batch.consulate,
            )
    _alias(actor, person, parsed)
    case, opened = _case_for(actor, batch, person, parsed, facilities)
    events.imported(case, actor, batch_id=batch.pk, row=row.number, decision=outcome.decision, opened=opened)
    row.decision = outcome.decision
    row.person, row.case, row.review, row.reasons = person, case, review, reasons
    row.save(update_fields=["decision", "person", "case", "review", "reasons"])


def _alias(actor, person: Person, parsed: Parsed) -> None:
    """The name as the list wrote it, kept as another name of the person (``alias_add``) when it differs
    (accents, case and spacing aside) from the registered name and the person's other names."""
    given, paternal, maternal = parsed.written
    if not given or not (paternal or maternal):
        return
    wanted = tuple(" ".join(fold(part).split()) for part in (given, paternal, maternal))
    names = [(person.given_names, person.paternal_surname, person.maternal_surname)]
    names += list(person.aliases.values_list("given_names", "paternal_surname", "maternal_surname"))
    if any(tuple(" ".join(fold(part).split()) for part in name) == wanted for name in names):
        return
    with contextlib.suppress(ValidationError, PermissionDenied):
        alias_add(
            actor=actor,
            person=person,
            given_names=given[:120],
            paternal_surname=paternal[:80],
            maternal_surname=maternal[:80],
            source=AliasSource.DETAINEE_LIST,
        )


def _case_for(actor, batch, person: Person, parsed: Parsed, facilities) -> tuple[Case, bool]:
    """The consulate's open case of the person, its custody updated; or a new detention case."""
    facility = facilities.get(parsed.facility_id) if parsed.facility_id else None
    case = (
        Case.objects.filter(person=person, consulate_id=batch.consulate_id)
        .exclude(status=Status.CLOSED)
        .order_by("-opened_at")
        .first()
    )
    opened = case is None
    if case is None:
        case = case_open(
            actor=actor,
            person=person,
            consulate=batch.consulate,
            category=Category.MIGRATORIO,
            subtype="detencion_migratoria",
            facility=facility,
            detained_since=parsed.book_in_date,
            operation=batch.operation,
        )
    else:
        changes = custody_changes(case, facility, parsed.book_in_date)
        if changes:
            case = case_update(actor=actor, case=case, **changes)
        if batch.operation_id and case.operation_id is None:
            case = operation_case_attach(actor=actor, operation=batch.operation, case=case)
    return case, opened
