"""Opening, updating and assigning cases; notes, calls and visits."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.categories import SUBTYPE_CATEGORY, Category
from cases.models import Case, Operation, Person
from cases.models.case import NotificationRequest, NotifiedBy, Priority
from cases.models.custody import CustodySource
from cases.models.identity import ArrestingAgency
from cases.models.work import NOTE_KINDS, EventKind
from cases.reminders import schedule
from cases.services.common import (
    case_write,
    require_assignable,
    touch,
)
from cases.services.custody import custody_apply
from cases.services.removal import REMOVAL_FIELDS, normalise_removal, removal_errors
from cases.services.transfers import transfer_propose_for_custody
from cases.services.verification import verify_tasks_complete
from consulates.models import Consulate, DetentionFacility
from consulates.policy import authorize

CUSTODY_FIELDS = ("facility", "detained_since", "released_on")
ART36_FIELDS = (
    "arrested_at",
    "arresting_agency",
    "advised_at",
    "notification_request",
    "notification_request_at",
    "consulate_notified_at",
    "notified_by",
    "first_contact_at",
    "opposes_consular_action",
    "opposition_note",
)
# Text fields stored blank when empty (``None`` from a form or the API becomes "").
BLANK_TEXT_FIELDS = ("subtype", "notified_by", "summary", "arresting_agency", "opposition_note")
GENERAL_FIELDS = (
    "category",
    "subtype",
    "priority",
    "summary",
    "expected_removal_date",
    *REMOVAL_FIELDS,
    "reception_point",
)
# The fields whose change moves the 48-hour reminder of a removal without a hand-off.
REMOVAL_CLOCK_FIELDS = ("expected_removal_date", "expected_removal_time", "reception_point")
UPDATABLE_FIELDS = CUSTODY_FIELDS + ART36_FIELDS + GENERAL_FIELDS


def case_reference_allocate(*, consulate: Consulate, year: int, count: int = 1) -> list[str]:
    """Hand out ``count`` new references for ``consulate`` and ``year``.

    One upsert increments the counter and locks its row until the transaction ends, so concurrent
    creators wait for each other and never receive the same number.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO cases_casesequence (consulate_id, year, last_number) VALUES (%s, %s, %s)
            ON CONFLICT (consulate_id, year)
            DO UPDATE SET last_number = cases_casesequence.last_number + EXCLUDED.last_number
            RETURNING last_number
            """,
            [consulate.pk, year, count],
        )
        last = cursor.fetchone()[0]
    return [f"{consulate.code}-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]


def _validate_case_fields(values: dict, *, consulate_tz: str) -> None:
    errors: dict[str, list[str]] = {}
    category = values.get("category")
    subtype = values.get("subtype")
    if category not in Category.values:
        errors["category"] = [_("Choose a category.")]
    elif subtype and SUBTYPE_CATEGORY.get(subtype) != category:
        errors["subtype"] = [_("This subtype does not belong to the chosen category.")]
    if values.get("priority") not in Priority.values:
        errors["priority"] = [_("Choose a priority.")]
    today = timezone.now().astimezone(zoneinfo.ZoneInfo(consulate_tz)).date()
    now = timezone.now() + dt.timedelta(minutes=5)  # tolerate clock skew of the user's device
    detained, released = values.get("detained_since"), values.get("released_on")
    if detained and detained > today:
        errors["detained_since"] = [_("The detention date cannot be in the future.")]
    if released and detained and released < detained:
        errors["released_on"] = [_("The release date cannot be before the detention date.")]
    if released and not values.get("facility"):
        errors["released_on"] = [_("Record the facility the person was released from.")]
    _validate_art36(values, errors, now=now)
    if errors:
        raise ValidationError(errors)


def _add(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _validate_art36(values: dict, errors: dict, *, now: dt.datetime) -> None:
    """Art. 36 as it works for Mexico (not a mandatory-notification country): arrest, the person advised
    of the right, the person's choice (asked for notification, declined, or not known), the consulate
    notified and by whom, first contact; and an express opposition to consular action (36(1)(c))."""
    arrested, advised, chosen_at, notified, contacted = (
        values.get(f)
        for f in (
            "arrested_at",
            "advised_at",
            "notification_request_at",
            "consulate_notified_at",
            "first_contact_at",
        )
    )
    for name, value in (
        ("arrested_at", arrested),
        ("advised_at", advised),
        ("notification_request_at", chosen_at),
        ("consulate_notified_at", notified),
        ("first_contact_at", contacted),
    ):
        if value and value > now:
            _add(errors, name, _("This time cannot be in the future."))
    if arrested and advised and advised < arrested:
        _add(errors, "advised_at", _("The person cannot be advised of the right before the arrest."))
    if arrested and chosen_at and chosen_at < arrested:
        _add(
            errors,
            "notification_request_at",
            _("The person cannot ask for or decline notification before the arrest."),
        )
    if arrested and notified and notified < arrested:
        _add(errors, "consulate_notified_at", _("The consulate cannot be notified before the arrest."))
    if arrested and contacted and contacted < arrested:
        _add(errors, "first_contact_at", _("Consular contact cannot precede the arrest."))
    agency = values.get("arresting_agency") or ""
    if agency and agency not in ArrestingAgency.values:
        _add(errors, "arresting_agency", _("Choose the agency that made the arrest."))
    request = values.get("notification_request")
    if request not in NotificationRequest.values:
        _add(
            errors,
            "notification_request",
            _("Say whether the person asked for the consulate to be notified, declined, or it is not known."),
        )
    elif request == NotificationRequest.UNKNOWN and chosen_at:
        _add(
            errors,
            "notification_request",
            _("Say whether the person asked for the consulate to be notified or declined at that time."),
        )
    elif request == NotificationRequest.DECLINED and values.get("notified_by") == NotifiedBy.PERSON:
        _add(
            errors,
            "notification_request",
            _("The person cannot both decline notification and be the one who notified the consulate: "
              "correct one of the two."),
        )  # fmt: skip
    if notified and not values.get("notified_by"):
        _add(errors, "notified_by", _("Say who notified the consulate."))
    if values.get("notified_by") and values["notified_by"] not in NotifiedBy.values:
        _add(errors, "notified_by", _("Choose who notified the consulate."))
    if (values.get("opposition_note") or "").strip() and not values.get("opposes_consular_action"):
        _add(
            errors,
            "opposition_note",
            _("Describe how the person stated it only when the person opposes consular action."),
        )


def _display(case: Case, name: str) -> str:
    """A value as the timeline stores it: choice codes (labelled in the reader's language when shown),
    ISO dates and times, and the name of a related record."""
    value = getattr(case, name)
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes")
    return str(value)


def case_opening_values(
    *,
    category: str,
    subtype: str = "",
    priority: str = Priority.NORMAL,
    summary: str = "",
    facility: DetentionFacility | None = None,
    detained_since: dt.date | None = None,
    arrested_at: dt.datetime | None = None,
    consulate_notified_at: dt.datetime | None = None,
    notified_by: str = "",
    first_contact_at: dt.datetime | None = None,
    arresting_agency: str = "",
    advised_at: dt.datetime | None = None,
    notification_request: str = NotificationRequest.UNKNOWN,
    notification_request_at: dt.datetime | None = None,
    opposes_consular_action: bool = False,
    opposition_note: str = "",
) -> dict:
    """The fields a new case is opened with, as ``case_open`` (and the set-wise ``detainees_open``) store
    them, before ``_validate_case_fields``."""
    return {
        "category": category,
        "subtype": subtype or "",
        "priority": priority,
        "summary": summary,
        "facility": facility,
        "detained_since": detained_since,
        "arrested_at": arrested_at,
        "consulate_notified_at": consulate_notified_at,
        "notified_by": notified_by or "",
        "first_contact_at": first_contact_at,
        "arresting_agency": arresting_agency or "",
        "advised_at": advised_at,
        "notification_request": notification_request or NotificationRequest.UNKNOWN,
        "notification_request_at": notification_request_at,
        "opposes_consular_action": bool(opposes_consular_action),
        "opposition_note": (opposition_note or "").strip(),
    }


@transaction.atomic
def case_open(
    *,
    actor,
    person: Person,
    consulate: Consulate,
    category: str,
    subtype: str = "",
    priority: str = Priority.NORMAL,
    summary: str = "",
    facility: DetentionFacility | None = None,
    detained_since: dt.date | None = None,
    arrested_at: dt.datetime | None = None,
    consulate_notified_at: dt.datetime | None = None,
    notified_by: str = "",
    first_contact_at: dt.datetime | None = None,
    arresting_agency: str = "",
    advised_at: dt.datetime | None = None,
    notification_request: str = NotificationRequest.UNKNOWN,
    notification_request_at: dt.datetime | None = None,
    opposes_consular_action: bool = False,
    opposition_note: str = "",
    operation: Operation | None = None,
    custody_source: str = CustodySource.OTHER,
) -> Case:
    """Open a case under a consulate the actor works for, for a person that consulate registered or
    holds a case of (``Person.objects.openable_by``): a person it only reads because another consulate
    offered it a case by a pending transfer is not its to open cases for. Administrators may open a
    case for any person at any consulate."""
    authorize(actor, "case.open", consulate)
    current = Person.objects.openable_by(actor, consulate).filter(pk=person.pk).first()
    if current is None:
        raise ValidationError(
            {"person": _("Choose a person registered by your consulate or with a case of your consulate.")}
        )
    if current.anonymised_at is not None:
        raise ValidationError({"person": _("This person's data was anonymised: register the person again.")})
    values = case_opening_values(
        category=category,
        subtype=subtype,
        priority=priority,
        summary=summary,
        facility=facility,
        detained_since=detained_since,
        arrested_at=arrested_at,
        consulate_notified_at=consulate_notified_at,
        notified_by=notified_by,
        first_contact_at=first_contact_at,
        arresting_agency=arresting_agency,
        advised_at=advised_at,
        notification_request=notification_request,
        notification_request_at=notification_request_at,
        opposes_consular_action=opposes_consular_action,
        opposition_note=opposition_note,
    )
    _validate_case_fields(values, consulate_tz=consulate.timezone)
    if operation is not None and operation.consulate_id != consulate.pk:
        raise ValidationError({"operation": _("Choose an operation of the case's consulate.")})
    now = timezone.now()
    year = now.astimezone(zoneinfo.ZoneInfo(consulate.timezone)).year
    (reference,) = case_reference_allocate(consulate=consulate, year=year)
    # Custody is recorded by the custody service (its history); without a facility there is none to record.
    custody = {name: values.pop(name) for name in ("facility", "detained_since")} if facility else {}
    case = Case.objects.create(
        reference=reference,
        person=person,
        consulate=consulate,
        opened_at=now,
        opened_by=actor,
        last_activity_at=now,
        closure_needs_approval=priority == Priority.URGENT or current.is_vulnerable,
        operation=operation,
        opposition_recorded_at=now if values["opposes_consular_action"] else None,
        **values,
    )
    events.case_opened(case, actor)
    if facility:
        custody_apply(case, actor=actor, source=custody_source, wanted=custody)
        case.save(update_fields=["facility", "detained_since", "custody_verified_at"])
        events.case_updated(case, actor, kind=EventKind.CUSTODY, changes={"facility": ["", str(facility)]})
        transfer_propose_for_custody(case, actor)
    schedule.art36_reminder_sync(case)
    return case


@transaction.atomic
def case_update(
    *,
    actor,
    case: Case,
    expected_version: int | None = None,
    custody_source: str = CustodySource.OTHER,
    **changes,
) -> Case:
    """Change custody, the art. 36 record, category, priority or repatriation data of a case. A case
    urgent before or after the change keeps needing a supervisor's approval to close. Recording that the
    person opposes consular action stamps ``opposition_recorded_at``; withdrawing it clears the stamp."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not updatable here: {sorted(unknown)}")
    case = case_write(case, actor, "case.work", expected_version=expected_version)
    values = {name: getattr(case, name) for name in UPDATABLE_FIELDS}
    values.update(changes)
    for name in BLANK_TEXT_FIELDS:
        values[name] = values[name] or ""
    values["opposition_note"] = values["opposition_note"].strip()
    values["notification_request"] = values["notification_request"] or NotificationRequest.UNKNOWN
    values["opposes_consular_action"] = bool(values["opposes_consular_action"])
    normalise_removal(values)
    try:
        _validate_case_fields(values, consulate_tz=case.consulate.timezone)
        errors = {}
    except ValidationError as error:
        errors = error.message_dict
    for name, messages in removal_errors(values).items():
        errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    changed = [name for name in changes if getattr(case, name) != values[name]]
    if not changed:
        return case
    if "reception_point" in changed and values["reception_point"] and not values["reception_point"].offered:
        # Kept on the cases that already name it; a point closed or no longer designated is not newly chosen.
        raise ValidationError(
            {"reception_point": _("This reception point is closed or no longer designated: choose another.")}
        )
    before = {name: _display(case, name) for name in (*changed, *CUSTODY_FIELDS)}
    saved_fields = list(changed)
    urgent_now_or_before = Priority.URGENT in (case.priority, values["priority"])
    if "priority" in changed and urgent_now_or_before and not case.closure_needs_approval:
        case.closure_needs_approval = True
        saved_fields.append("closure_needs_approval")
    for name in changed:
        if name not in CUSTODY_FIELDS:
            setattr(case, name, values[name])
    if set(changed) & set(CUSTODY_FIELDS):
        # The current custody is the history's (cases.services.custody): recorded there, read back.
        wanted = {name: values[name] for name in CUSTODY_FIELDS if name in changed}
        moved = custody_apply(case, actor=actor, source=custody_source, wanted=wanted)
        changed = [name for name in changed if name not in CUSTODY_FIELDS or name in moved]
        changed += [name for name in moved if name not in changed]
        saved_fields = [name for name in saved_fields if name not in CUSTODY_FIELDS] + moved
        saved_fields.append("custody_verified_at")
    if "opposes_consular_action" in changed:
        # When the opposition was recorded (or withdrawn: cleared; the history keeps the earlier time).
        case.opposition_recorded_at = timezone.now() if case.opposes_consular_action else None
        saved_fields.append("opposition_recorded_at")
    after = {name: _display(case, name) for name in changed}
    for kind, group in (
        (EventKind.CUSTODY, CUSTODY_FIELDS),
        (EventKind.ART36, ART36_FIELDS),
        (EventKind.UPDATED, GENERAL_FIELDS),
    ):
        diff = {name: [before[name], after[name]] for name in changed if name in group}
        if diff:
            events.case_updated(case, actor, kind=kind, changes=diff)
    touch(case, actor, fields=saved_fields)
    if "facility" in changed or "released_on" in changed:
        transfer_propose_for_custody(case, actor)
    if set(changed) & set(CUSTODY_FIELDS + ART36_FIELDS):
        schedule.art36_reminder_sync(case)
    if set(changed) & set(REMOVAL_CLOCK_FIELDS):
        schedule.removal_reminder_sync(case)
    if set(changed) & set(CUSTODY_FIELDS):
        verify_tasks_complete(case, actor)
        # Detained or released: the person's hearing reminders change recipient (re-checked when sent);
        # another place of custody: its zone (hearings without a court, the person's nights).
        schedule.case_hearings_resync(case)
    return case


@transaction.atomic
def case_assign(*, actor, case: Case, assignee, expected_version: int | None = None) -> Case:
    """Assign the case to an officer or supervisor of its consulate (``None`` unassigns)."""
    case = case_write(case, actor, "case.assign", expected_version=expected_version)
    require_assignable(case, assignee)
    if case.assigned_to_id == getattr(assignee, "pk", None):
        return case
    previous = case.assigned_to
    case.assigned_to = assignee
    events.assigned(case, actor, assignee=assignee, previous=previous)
    touch(case, actor, fields=["assigned_to"])
    return case


@transaction.atomic
def case_note_add(*, actor, case: Case, kind: str = EventKind.NOTE, text: str, occurred_at=None):
    """Log a note, phone call or visit on the case timeline."""
    if kind not in NOTE_KINDS:
        raise ValidationError({"kind": _("Choose note, call or visit.")})
    if not (text or "").strip():
        raise ValidationError({"text": _("Write what happened.")})
    if occurred_at and occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("This time cannot be in the future.")})
    case = case_write(case, actor, "case.work")
    event = events.note_added(case, actor, kind=kind, text=text.strip(), occurred_at=occurred_at)
    touch(case, actor)
    return event
