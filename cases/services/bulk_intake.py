"""Registering persons and opening their cases many at a time: what ``person_register``, ``alias_add`` and
``case_open`` do for one, done set-wise for a detainee list's chunk (``intake.imports``), with the same
rules, validation, identifier screening, timeline events, history and reminders.

Each item is checked on its own first, in Python: an item that fails gets its own field errors and the
others go on. What only the database can check (a concurrent write of the same identifier) fails the whole
call with an ``IntegrityError``; the caller (inside a savepoint) then writes those items one by one through
the single-item services.

Decision 0016 says why (an import of 10,000 rows written one statement at a time spent its time waiting on
some 30 round trips a row).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Hashable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Person
from cases.models.case import Status
from cases.models.crossoffice import Transfer, TransferStatus
from cases.models.custody import CustodySource
from cases.models.identity import PersonAlias
from cases.models.reminder import Reminder, ReminderStatus
from cases.models.work import EventKind, Hearing, HearingStatus
from cases.reminders import schedule
from cases.services.aliases import _clean as alias_clean
from cases.services.aliases import _parts as name_parts
from cases.services.cases import (
    CUSTODY_FIELDS,
    UPDATABLE_FIELDS,
    _display,
    _validate_case_fields,
    case_opening_values,
    case_reference_allocate,
)
from cases.services.common import bump
from cases.services.custody import custody_apply_many, episodes_open
from cases.services.identifier_reviews import (
    IDENTIFIER_FIELDS,
    INTERACTIVE,
    identifier_reviews_open,
    identifiers_screen_many,
)
from cases.services.persons import PERSON_FIELDS, _clean_identifiers
from cases.services.transfers import transfer_propose_for_custody
from cases.services.verification import verify_tasks_complete_many
from consulates.models import Consulate, DetentionFacility
from consulates.policy import allowed_among, authorize
from consulates.selectors import district_consulate_ids

PERSON_EXCLUDED = ["registered_by", "search_name", "curp_bidx", "a_number_bidx"]


@dataclass
class Opening:
    """A case to open: for ``person`` (saved) or for the person registered from ``register`` (fields)."""

    person: Person | None = None
    register: dict | None = None
    category: str = ""
    subtype: str = ""
    facility: DetentionFacility | None = None
    detained_since: dt.date | None = None


@dataclass
class Opened:
    person: Person
    case: Case


def _register_many(actor, consulate: Consulate, items: dict[Hashable, dict], budget: str) -> dict:
    """``person_register`` for each item: {key: Person (saved, ``identifiers_in_review`` set) or error}."""
    out: dict[Hashable, Person | ValidationError] = {}
    people: dict[Hashable, Person] = {}
    for key, fields in items.items():
        unknown = set(fields) - PERSON_FIELDS
        if unknown:
            raise TypeError(f"Unknown person fields: {sorted(unknown)}")
        try:
            person = Person(registered_by_id=consulate.pk, **_clean_identifiers(fields))
            if person.contact_consent:
                person.contact_consent_at = timezone.now()
            # The one check constraint (a surname), in Python: asking the database costs a round trip.
            person.full_clean(exclude=PERSON_EXCLUDED, validate_constraints=False)
            if not (person.paternal_surname or person.maternal_surname):
                raise ValidationError({"paternal_surname": _("Enter at least one surname.")})
        except ValidationError as error:
            out[key] = error
            continue
        people[key] = person
    wanted = {
        key: {name: getattr(person, name) for name in IDENTIFIER_FIELDS if getattr(person, name)}
        for key, person in people.items()
    }
    screened = identifiers_screen_many(actor=actor, identifiers=wanted, budget=budget)
    for key, result in screened.items():
        if isinstance(result, ValidationError):
            out[key] = result
            del people[key]
            continue
        for item in result:
            setattr(people[key], item.field, None)
    Person.objects.bulk_create(list(people.values()))
    for key, person in people.items():
        identifier_reviews_open(actor=actor, person=person, withheld=screened.get(key, []))
        out[key] = person
    return out


def aliases_add_many(actor, wanted: list[tuple[Person, dict]]) -> None:
    """``alias_add`` for each (person, name: given_names, paternal_surname, maternal_surname, source); a
    name the person already has, or one the actor may not add, is left out (as the import does one by one)."""
    if not wanted:
        return
    known: dict[int, set] = {}
    ids = [person.pk for person, _name in wanted]
    for alias in PersonAlias.objects.filter(person_id__in=ids).only(
        "person_id", "given_names", "paternal_surname", "maternal_surname"
    ):
        known.setdefault(alias.person_id, set()).add(name_parts(alias))
    permitted = allowed_among(actor, "person.edit", {person.pk: person for person, _name in wanted}.values())
    new = []
    for person, name in wanted:
        if person.pk not in permitted:
            continue
        try:
            fields = alias_clean(name["given_names"], name["paternal_surname"], name["maternal_surname"])
            alias = PersonAlias(person=person, created_by=actor, source=name["source"], **fields)
            alias.full_clean(
                exclude=["person", "created_by", "search_name", "match_keys"], validate_unique=False
            )
        except ValidationError:
            continue
        parts = name_parts(alias)
        if (
            person.anonymised_at is not None
            or parts == name_parts(person)
            or parts in known.get(person.pk, set())
        ):
            continue
        known.setdefault(person.pk, set()).add(parts)
        new.append(alias)
    PersonAlias.objects.bulk_create(new)


@transaction.atomic
def detainees_open(
    *,
    actor,
    consulate: Consulate,
    operation=None,
    items: dict[Hashable, Opening],
    review_budget: str = INTERACTIVE,
) -> dict:
    """Register the new persons and open a case for each item, set-wise:
    {key: ``Opened`` or ``ValidationError``}. The rules are those of ``person_register``, ``alias_add`` and
    ``case_open``, checked once for the whole call where they do not depend on the item; identifier reviews
    count against ``review_budget`` (as ``person_register``'s)."""
    authorize(actor, "case.open", consulate)
    if any(item.register is not None for item in items.values()):
        authorize(actor, "person.register", consulate)
    if operation is not None and operation.consulate_id != consulate.pk:
        raise ValidationError({"operation": _("Choose an operation of the case's consulate.")})
    out: dict[Hashable, Opened | ValidationError] = {}
    registered = _register_many(
        actor,
        consulate,
        {key: item.register for key, item in items.items() if item.register is not None},
        review_budget,
    )
    persons: dict[Hashable, Person] = {}
    for key, item in items.items():
        person = registered.get(key, item.person) if item.register is not None else item.person
        if isinstance(person, ValidationError):
            out[key] = person
        else:
            persons[key] = person
    known = [person.pk for key, person in persons.items() if items[key].register is None]
    openable = set(
        Person.objects.openable_by(actor, consulate).filter(pk__in=known).values_list("pk", flat=True)
    )
    valid: dict[Hashable, dict] = {}
    for key, person in persons.items():
        item = items[key]
        if item.register is None and person.pk not in openable:
            out[key] = ValidationError(
                {
                    "person": _(
                        "Choose a person registered by your consulate or with a case of your consulate."
                    )
                }
            )
            continue
        if person.anonymised_at is not None:
            out[key] = ValidationError(
                {"person": _("This person's data was anonymised: register the person again.")}
            )
            continue
        values = case_opening_values(
            category=item.category,
            subtype=item.subtype,
            facility=item.facility,
            detained_since=item.detained_since,
        )
        try:
            _validate_case_fields(values, consulate_tz=consulate.timezone)
        except ValidationError as error:
            out[key] = error
            continue
        valid[key] = values
    now = timezone.now()
    year = now.astimezone(zoneinfo.ZoneInfo(consulate.timezone)).year
    references = case_reference_allocate(consulate=consulate, year=year, count=len(valid)) if valid else []
    cases = {
        key: Case(
            reference=reference,
            person=persons[key],
            consulate=consulate,
            opened_at=now,
            opened_by=actor,
            last_activity_at=now,
            custody_verified_at=now if values["facility"] else None,
            closure_needs_approval=persons[key].is_vulnerable,
            operation=operation,
            **values,
        )
        for (key, values), reference in zip(valid.items(), references, strict=True)
    }
    Case.objects.bulk_create(list(cases.values()))
    episodes_open(cases=list(cases.values()), actor=actor, source=CustodySource.IMPORT)
    with events.collected():
        for case in cases.values():
            events.case_opened(case, actor)
            if case.facility_id:
                events.case_updated(
                    case, actor, kind=EventKind.CUSTODY, changes={"facility": ["", str(case.facility)]}
                )
    districts = district_consulate_ids({case.facility_id for case in cases.values() if case.facility_id})
    for key, case in cases.items():
        # A new case has no pending transfer or reminder: only a facility in another district, or an
        # art. 36 clock, has something to write (what ``case_open`` would write).
        district = districts.get(case.facility_id) if case.in_custody else None
        if district is not None and district != consulate.pk:
            transfer_propose_for_custody(case, actor)
        if case.consulate_notified_at is not None:
            schedule.art36_reminder_sync(case)
        out[key] = Opened(person=persons[key], case=case)
    return out


@transaction.atomic
def cases_custody_update_many(*, actor, changes: dict[int, dict], operation=None) -> dict[int, Case]:
    """``case_update`` of custody (``facility``, ``detained_since``) and ``operation_case_attach`` (when
    ``operation`` is given and a case has none) for many open cases at once: ``changes`` is {case id:
    {field: value}}. Returns the cases changed (or left as they were, nothing to change); a case the
    actor may not work on, or closed meanwhile, is left out for the caller to write on its own."""
    if operation is not None:
        authorize(actor, "operation.manage", operation)
    cases = list(
        Case.objects.select_for_update(of=("self",))
        .select_related("consulate", "facility")  # the facility's name for the timeline, read with the row
        .filter(pk__in=list(changes))
        .order_by("pk")
    )
    permitted = allowed_among(actor, "case.work", cases) if cases else set()
    out: dict[int, Case] = {}
    changed: list[Case] = []
    moved: list[Case] = []
    now = timezone.now()
    valid: dict[int, Case] = {}
    wanted: dict[int, dict] = {}
    for case in cases:
        if case.pk not in permitted or case.status == Status.CLOSED:
            continue
        if operation is not None and case.consulate_id != operation.consulate_id:
            continue
        values = {name: getattr(case, name) for name in UPDATABLE_FIELDS} | changes[case.pk]
        for name in ("subtype", "notified_by", "summary"):
            values[name] = values[name] or ""
        try:
            _validate_case_fields(values, consulate_tz=case.consulate.timezone)
        except ValidationError:
            continue
        valid[case.pk] = case
        wanted[case.pk] = {
            name: values[name] for name in changes[case.pk] if getattr(case, name) != values[name]
        }
    before = {pk: {name: _display(case, name) for name in CUSTODY_FIELDS} for pk, case in valid.items()}
    # The custody history first, set-wise: it sets each case's current custody (its only writer).
    applied = custody_apply_many(
        [case for pk, case in valid.items() if wanted[pk]],
        {pk: names for pk, names in wanted.items() if names},
        actor=actor,
        source=CustodySource.IMPORT,
    )
    with events.collected():
        for pk, case in valid.items():
            result = applied.get(pk, [])
            if isinstance(result, ValidationError):
                continue
            names = list(result)
            attach = operation is not None and case.operation_id is None
            out[case.pk] = case
            if not names and not attach:
                continue
            if names:
                diff = {name: [before[pk][name], _display(case, name)] for name in names}
                events.case_updated(case, actor, kind=EventKind.CUSTODY, changes=diff)
                moved.append(case)
            if attach:
                case.operation = operation
            bump(case, now)
            if case.status == Status.OPEN:
                case.status = Status.IN_PROGRESS
                events.status_changed(case, actor, old=Status.OPEN, new=Status.IN_PROGRESS)
            changed.append(case)
    Case.objects.bulk_update(
        changed,
        [
            "facility",
            "detained_since",
            "released_on",
            "custody_verified_at",
            "operation",
            "status",
            "version",
            "last_activity_at",
        ],
    )
    _after_custody(actor, moved)
    verify_tasks_complete_many(
        [case for case in valid.values() if isinstance(applied.get(case.pk), list) and applied[case.pk]],
        actor,
    )
    return out


def _after_custody(actor, cases: list[Case]) -> None:
    """What ``case_update`` does after custody changed, for the cases where it has something to do: a
    transfer to propose or withdraw, an art. 36 reminder to keep in step, hearing reminders to resync."""
    if not cases:
        return
    ids = [case.pk for case in cases]
    pending = set(
        Transfer.objects.filter(case_id__in=ids, status=TransferStatus.PENDING).values_list(
            "case_id", flat=True
        )
    )
    reminded = set(
        Reminder.objects.filter(
            subject_type="case-art36", subject_id__in=ids, status=ReminderStatus.PENDING
        ).values_list("subject_id", flat=True)
    )
    heard = set(
        Hearing.objects.filter(
            case_id__in=ids, status=HearingStatus.SCHEDULED, starts_at__gt=timezone.now()
        ).values_list("case_id", flat=True)
    )
    districts = district_consulate_ids({case.facility_id for case in cases if case.facility_id})
    for case in cases:
        district = districts.get(case.facility_id) if case.in_custody else None
        if case.pk in pending or (district is not None and district != case.consulate_id):
            transfer_propose_for_custody(case, actor)
        if case.pk in reminded or case.consulate_notified_at is not None:
            schedule.art36_reminder_sync(case)
        if case.pk in heard:  # their reminders' recipient and zone follow custody (as ``case_update``)
            schedule.case_hearings_resync(case)
