"""Families (decision 0027): relationships between persons and the family-preparedness checklist.

A relationship is one row for the pair (``FamilyRelationship``: the lower person id first, one standing row
per pair, both database constraints). It is recorded by a worker who may change one of the persons and sees
the other, corrected or removed (with a reason: the row stays, ended) by a worker who sees both and may
change either (the policy's ``family.add`` and ``family.change``). Each write goes on the timeline of the
open cases of both persons, naming the relative by id only.

A checklist item is case work (``family_checklist.edit``, through ``case_write``): while it is pending it
has one open task of kind ``family_preparedness`` due on the item's date; marked done or not applicable,
the task is closed (and its reminders cancelled). Marking the task done from the tasks panel marks the item
done."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases import events
from cases.models import Case, FamilyChecklistItem, FamilyRelationship, Person, Task
from cases.models.case import Status
from cases.models.family import (
    INVERSE,
    ChecklistItemKind,
    ChecklistStatus,
    DocumentToIssue,
    RelationshipKind,
    Whereabouts,
)
from cases.models.work import EventKind, TaskKind
from cases.reminders import schedule
from cases.services.common import case_write, constraint_violation, touch
from cases.services.persons import refuse_if_merged
from consulates.policy import authorize

NOTES_MAX = 500
REASON_MAX = 300


def _stale() -> ValidationError:
    return ValidationError(
        _("Someone else changed this record while you were editing it. Reload the page and try again."),
        code="stale",
    )


def _clean_relationship(kind: str, whereabouts: dict, notes: str) -> str:
    errors = {}
    if kind not in RelationshipKind.values:
        errors["kind"] = [_("Choose how they are related.")]
    for field, value in whereabouts.items():
        if value not in Whereabouts.values:
            errors[field] = [_("Choose where this person is.")]
    notes = " ".join((notes or "").split())
    if len(notes) > NOTES_MAX:
        errors["notes"] = [_("Keep the notes under %(count)d characters.") % {"count": NOTES_MAX}]
    if errors:
        raise ValidationError(errors)
    return notes


def _open_cases(relationship: FamilyRelationship) -> list[Case]:
    return list(
        Case.objects.filter(person_id__in=[relationship.person_a_id, relationship.person_b_id])
        .exclude(status=Status.CLOSED)
        .order_by("pk")
    )


def _record_on_cases(relationship: FamilyRelationship, actor, kind: str, **extra) -> None:
    for case in _open_cases(relationship):
        side = relationship.side(case.person_id)
        events.relationship_recorded(
            case, actor, kind=kind, relationship=relationship, relative_kind=side.relative_kind, **extra
        )


@transaction.atomic
def relationship_add(
    *,
    actor,
    person: Person,
    relative: Person,
    kind: str,
    relative_whereabouts: str = Whereabouts.UNKNOWN,
    person_whereabouts: str = Whereabouts.UNKNOWN,
    notes: str = "",
) -> FamilyRelationship:
    """Record that ``relative`` is ``kind`` to ``person`` (``parent``: the relative is the person's parent).
    ``person`` is a record the actor may change; ``relative`` one the actor sees (a person of another
    consulate the actor cannot see is "not found", as everywhere)."""
    notes = _clean_relationship(
        kind, {"relative_whereabouts": relative_whereabouts, "person_whereabouts": person_whereabouts}, notes
    )
    if person.pk == relative.pk:
        raise ValidationError({"relative": [_("A person cannot be their own relative.")]})
    locked = {
        p.pk: p
        for p in Person.objects.select_for_update().filter(pk__in=[person.pk, relative.pk]).order_by("pk")
    }
    person, relative = locked[person.pk], locked[relative.pk]
    authorize(actor, "family.add", person)
    if not Person.objects.visible_to(actor).filter(pk=relative.pk).exists():
        raise ValidationError({"relative": [_("Choose a person from the search.")]})
    for record in (person, relative):
        refuse_if_merged(record)
    if person.pk < relative.pk:
        values = {
            "person_a": person,
            "person_b": relative,
            "kind": INVERSE[kind],
            "whereabouts_a": person_whereabouts,
            "whereabouts_b": relative_whereabouts,
        }
    else:
        values = {
            "person_a": relative,
            "person_b": person,
            "kind": kind,
            "whereabouts_a": relative_whereabouts,
            "whereabouts_b": person_whereabouts,
        }
    try:
        with transaction.atomic():
            relationship = FamilyRelationship.objects.create(recorded_by=actor, notes=notes, **values)
    except IntegrityError as error:
        refusal = constraint_violation(error, FamilyRelationship, field="relative")
        if refusal is None:
            raise
        raise refusal from error
    _record_on_cases(relationship, actor, EventKind.RELATIONSHIP_ADDED)
    return relationship


def _lock_relationship(
    relationship: FamilyRelationship | int, actor, expected_version: int | None
) -> FamilyRelationship:
    pk = relationship if isinstance(relationship, int) else relationship.pk
    relationship = (
        FamilyRelationship.objects.select_for_update().select_related("person_a", "person_b").get(pk=pk)
    )
    authorize(actor, "family.change", relationship)
    if expected_version is not None and relationship.version != expected_version:
        raise _stale()
    if not relationship.is_active:
        raise ValidationError(_("This relationship was removed."), code="relationship_ended")
    return relationship


@transaction.atomic
def relationship_correct(
    *,
    actor,
    relationship: FamilyRelationship,
    expected_version: int | None = None,
    for_person: Person | None = None,
    **fields,
) -> FamilyRelationship:
    """Correct a relationship. ``fields``: ``kind`` (what the relative is to ``for_person``, default
    ``person_b`` as the row reads), ``relative_whereabouts``, ``person_whereabouts``, ``notes``."""
    relationship = _lock_relationship(relationship, actor, expected_version)
    person_id = for_person.pk if for_person is not None else relationship.person_b_id
    if person_id not in (relationship.person_a_id, relationship.person_b_id):
        raise ValidationError({"person": [_("This person is not part of this relationship.")]})
    side = relationship.side(person_id)
    own, other = ("a", "b") if person_id == relationship.person_a_id else ("b", "a")
    kind = fields.get("kind") or side.relative_kind
    wanted = {
        f"whereabouts_{other}": fields.get("relative_whereabouts") or side.relative_whereabouts,
        f"whereabouts_{own}": fields.get("person_whereabouts") or side.own_whereabouts,
    }
    notes = _clean_relationship(
        kind,
        {
            "relative_whereabouts": wanted[f"whereabouts_{other}"],
            "person_whereabouts": wanted[f"whereabouts_{own}"],
        },
        fields.get("notes", relationship.notes),
    )
    wanted["kind"] = kind if other == "a" else INVERSE[kind]
    wanted["notes"] = notes
    changes = {
        name: [getattr(relationship, name), value]
        for name, value in wanted.items()
        if getattr(relationship, name) != value and name != "notes"
    }
    if not changes and notes == relationship.notes:
        return relationship
    for name, value in wanted.items():
        setattr(relationship, name, value)
    relationship.version += 1
    relationship.save()
    if changes:
        _record_on_cases(relationship, actor, EventKind.RELATIONSHIP_CHANGED, changes=sorted(changes))
    return relationship


@transaction.atomic
def relationship_end(
    *, actor, relationship: FamilyRelationship, reason: str, expected_version: int | None = None
) -> FamilyRelationship:
    """Remove a relationship recorded by mistake or no longer true: the row stays, ended, with the reason
    (its history is kept; the pair may be recorded again)."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": [_("Say why the relationship is removed.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError(
            {"reason": [_("Keep the reason under %(count)d characters.") % {"count": REASON_MAX}]}
        )
    relationship = _lock_relationship(relationship, actor, expected_version)
    relationship.ended_at, relationship.ended_by, relationship.end_reason = timezone.now(), actor, reason
    relationship.version += 1
    relationship.save()
    _record_on_cases(relationship, actor, EventKind.RELATIONSHIP_ENDED)
    return relationship


# ------------------------------------------------------------------------------------------------
# The family-preparedness checklist

ITEM_FIELDS = ("document", "description", "caregiver_name", "caregiver_contact", "note", "due_on")


def _clean_item(kind: str, values: dict) -> dict:
    errors: dict[str, list] = {}
    cleaned = {
        name: " ".join(value.split()) if isinstance(value, str) else value for name, value in values.items()
    }
    if kind not in ChecklistItemKind.values:
        errors["kind"] = [_("Choose the item.")]
    if cleaned.get("document") and cleaned["document"] not in DocumentToIssue.values:
        errors["document"] = [_("Choose the document.")]
    if kind != ChecklistItemKind.DOCUMENTS:
        cleaned["document"] = ""
    elif not cleaned.get("document"):
        errors["document"] = [_("Choose the document to issue.")]
    if kind != ChecklistItemKind.CAREGIVER:
        cleaned["caregiver_name"], cleaned["caregiver_contact"] = "", ""
    if kind == ChecklistItemKind.OTHER and not cleaned.get("description"):
        errors["description"] = [_("Say what needs to be done.")]
    limits = {"description": 200, "caregiver_name": 160, "caregiver_contact": 160, "note": 500}
    for name, limit in limits.items():
        if len(cleaned.get(name) or "") > limit:
            errors[name] = [_("Keep this under %(count)d characters.") % {"count": limit}]
    due = cleaned.get("due_on")
    if due is not None and not isinstance(due, dt.date):
        errors["due_on"] = [_("Enter a date.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _task_title(item: FamilyChecklistItem) -> str:
    # Stored once, in the staff default language (as the scan's tasks).
    with override("es"):
        return (_("Family preparedness: %(item)s") % {"item": item.title})[:200]


def _open_task(case: Case, item: FamilyChecklistItem) -> Task:
    task = Task.objects.create(
        case=case,
        kind=TaskKind.FAMILY_PREPAREDNESS,
        title=_task_title(item),
        due_date=item.due_on,
        assignee_id=case.assigned_to_id,
    )
    schedule.task_reminders_sync(task)
    return task


def _close_task(task: Task | None, actor) -> None:
    if task is None or task.done:
        return
    task.done, task.completed_at, task.completed_by = True, timezone.now(), actor
    task.save(update_fields=["done", "completed_at", "completed_by"])
    schedule.task_reminders_sync(task)


@transaction.atomic
def checklist_item_add(*, actor, case: Case, kind: str, **fields) -> FamilyChecklistItem:
    """A new pending item, with its task (due on ``due_on``). ``fields``: any of ``ITEM_FIELDS``."""
    values = _clean_item(
        kind, {name: fields.get(name, None if name == "due_on" else "") for name in ITEM_FIELDS}
    )
    case = case_write(case, actor, "family_checklist.edit")
    item = FamilyChecklistItem(case=case, kind=kind, created_by=actor, **values)
    item.save()
    item.task = _open_task(case, item)
    item.save(update_fields=["task"])
    events.family_item_added(case, actor, item=item)
    touch(case, actor)
    return item


def _lock_item(item: FamilyChecklistItem | int, actor, expected_version: int | None):
    pk = item if isinstance(item, int) else item.pk
    case_id = FamilyChecklistItem.objects.values_list("case_id", flat=True).get(pk=pk)
    case = case_write(case_id, actor, "family_checklist.edit")
    item = FamilyChecklistItem.objects.select_for_update(of=("self",)).select_related("task").get(pk=pk)
    if expected_version is not None and item.version != expected_version:
        raise _stale()
    return case, item


@transaction.atomic
def checklist_item_update(
    *,
    actor,
    item: FamilyChecklistItem,
    expected_version: int | None = None,
    status: str | None = None,
    **fields,
) -> FamilyChecklistItem:
    """Change an item: its details, due date (its task's), and status. Done or not applicable closes its
    task; pending again opens a new one."""
    case, item = _lock_item(item, actor, expected_version)
    if status is not None and status not in ChecklistStatus.values:
        raise ValidationError({"status": [_("Choose pending, done or not applicable.")]})
    current = {name: getattr(item, name) for name in ITEM_FIELDS}
    values = _clean_item(item.kind, current | {n: v for n, v in fields.items() if n in ITEM_FIELDS})
    new_status = status or item.status
    changed = {name for name, value in values.items() if current[name] != value}
    if not changed and new_status == item.status:
        return item
    for name, value in values.items():
        setattr(item, name, value)
    resolved = new_status != item.status and new_status != ChecklistStatus.PENDING
    reopened = new_status != item.status and new_status == ChecklistStatus.PENDING
    item.status = new_status
    item.resolved_at = timezone.now() if new_status != ChecklistStatus.PENDING else None
    item.version += 1
    if resolved:
        _close_task(item.task, actor)
    elif reopened or (item.status == ChecklistStatus.PENDING and item.task is None):
        item.task = _open_task(case, item)
    elif item.status == ChecklistStatus.PENDING and item.task is not None and not item.task.done:
        task = Task.objects.select_for_update().get(pk=item.task_id)
        task.due_date, task.title = item.due_on, _task_title(item)
        task.save(update_fields=["due_date", "title"])
        schedule.task_reminders_sync(task)
    item.save()
    if resolved:
        events.family_item_resolved(case, actor, item=item)
    touch(case, actor)
    return item


def checklist_task_done(case: Case, actor, task: Task) -> None:
    """A family-preparedness task marked done from the tasks panel (the case locked and authorized by
    ``task_complete``): its item is done."""
    item = FamilyChecklistItem.objects.select_for_update().filter(task=task).first()
    if item is None or item.status != ChecklistStatus.PENDING:
        return
    item.status, item.resolved_at = ChecklistStatus.DONE, timezone.now()
    item.version += 1
    item.save(update_fields=["status", "resolved_at", "version"])
    events.family_item_resolved(case, actor, item=item)
