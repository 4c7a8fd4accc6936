"""Hearings and tasks on a case."""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import AgencyRequest, Case, Hearing, Proceeding, Task
from cases.models.children import OPEN_REQUEST_STATUSES, AgencyRequestStatus
from cases.models.proceeding import ProceedingStatus
from cases.models.work import EventKind, HearingKind, HearingStatus, TaskKind
from cases.reminders import schedule, webhook_events
from cases.services.common import case_write, require_assignable, touch
from cases.services.family import checklist_task_done
from cases.services.proceedings import proceeding_for_hearing
from consulates.courts import ImmigrationCourt


def _validate_hearing(kind: str, starts_at, location: str, court=None) -> str:
    """Refuse what is missing; return the place as recorded (the court's name when only a court is
    chosen)."""
    errors = {}
    location = (location or "").strip() or (court.name if court is not None else "")
    if kind not in HearingKind.values:
        errors["kind"] = [_("Choose the kind of hearing.")]
    if starts_at is None:
        errors["starts_at"] = [_("Enter the date and time of the hearing.")]
    elif timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Enter the time with its timezone.")]
    if not location:
        errors["location"] = [_("Enter the court or place of the hearing.")]
    if errors:
        raise ValidationError(errors)
    return location


@transaction.atomic
def hearing_schedule(
    *,
    actor,
    case: Case,
    kind: str,
    starts_at: dt.datetime,
    location: str = "",
    notes: str = "",
    court: ImmigrationCourt | None = None,
    proceeding: Proceeding | None = None,
) -> Hearing:
    """``starts_at`` is an instant: forms read the typed time in the hearing's zone (``cases.zones``).
    ``proceeding``: the case's open proceeding the hearing is part of; without one, the open proceeding
    of the hearing's kind (``proceeding_for_hearing``: removal proceedings before an immigration judge,
    opened when there is none)."""
    location = _validate_hearing(kind, starts_at, location, court)
    case = case_write(case, actor, "case.work")
    if proceeding is None:
        proceeding = proceeding_for_hearing(case, hearing_kind=kind, court=court)
    elif proceeding.case_id != case.pk or proceeding.status == ProceedingStatus.CLOSED:
        raise ValidationError({"proceeding": [_("Choose an open proceeding of this case.")]})
    hearing = Hearing.objects.create(
        case=case,
        kind=kind,
        starts_at=starts_at,
        location=location,
        notes=notes,
        court=court,
        proceeding=proceeding,
    )
    event = events.hearing_scheduled(case, actor, hearing=hearing)
    webhook_events.hearing_scheduled(event, hearing)
    touch(case, actor)
    schedule.hearing_reminders_sync(hearing)
    return hearing


def hearing_state(hearing: Hearing) -> str:
    """A short token of a hearing as a writer read it (kind, time, place, notes, status), for
    ``hearing_update(seen=...)``."""
    fields = (
        hearing.kind,
        hearing.starts_at.timestamp(),
        hearing.location,
        hearing.notes,
        hearing.status,
        hearing.court_id,
    )
    return hashlib.sha256("\x1f".join(map(str, fields)).encode()).hexdigest()[:16]


@transaction.atomic
def hearing_update(
    *,
    actor,
    hearing: Hearing,
    kind: str,
    starts_at: dt.datetime,
    location: str = "",
    notes: str = "",
    seen: str | None = None,
    court: ImmigrationCourt | None = None,
) -> Hearing:
    """Reschedule or correct a scheduled hearing. ``seen``: the ``hearing_state`` the writer read; when
    the hearing changed since (someone else rescheduled it), the change is refused as stale (the case's
    version is not used: a note logged meanwhile does not conflict with a new time)."""
    location = _validate_hearing(kind, starts_at, location, court)
    case = case_write(hearing.case_id, actor, "case.work")
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.status != HearingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled hearing can be changed."), code="hearing_not_scheduled")
    if seen is not None and seen != hearing_state(hearing):
        raise ValidationError(
            _(
                "Someone else changed this hearing while you were editing it. Check its new details and save again."
            ),
            code="stale",
        )
    new = {"kind": kind, "starts_at": starts_at, "location": location, "notes": notes, "court": court}
    changes = {
        name: [
            "" if getattr(hearing, name) is None else str(getattr(hearing, name)),
            "" if value is None else str(value),
        ]
        for name, value in new.items()
        if getattr(hearing, name) != value
    }
    if not changes:
        return hearing
    for name, value in new.items():
        setattr(hearing, name, value)
    hearing.save()
    event = events.hearing_updated(case, actor, hearing=hearing, changes=changes)
    if {"starts_at", "location", "court"} & set(changes):  # the time or place: what a partner plans around
        webhook_events.hearing_changed(event, hearing)
    touch(case, actor)
    schedule.hearing_reminders_sync(hearing)
    return hearing


@transaction.atomic
def hearing_cancel(*, actor, hearing: Hearing, reason: str) -> Hearing:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the hearing is cancelled.")})
    case = case_write(hearing.case_id, actor, "case.work")
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.status != HearingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled hearing can be cancelled."), code="hearing_not_scheduled")
    _record_cancellation(case, actor, hearing, reason)
    touch(case, actor)
    schedule.hearing_reminders_sync(hearing)
    return hearing


def _record_cancellation(case: Case, actor, hearing: Hearing, reason: str) -> None:
    """A scheduled hearing (locked by the caller, which authorized) marked cancelled: on the timeline with
    the reason, and told to the partners who follow the case's hearings."""
    hearing.status = HearingStatus.CANCELLED
    hearing.save(update_fields=["status"])
    event = events.hearing_updated(
        case,
        actor,
        hearing=hearing,
        changes={"status": [HearingStatus.SCHEDULED, HearingStatus.CANCELLED]},
        text=reason,
    )
    webhook_events.hearing_changed(event, hearing)


@transaction.atomic
def hearing_outcome_record(*, actor, hearing: Hearing, outcome: str) -> Hearing:
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Describe what happened at the hearing.")})
    case = case_write(hearing.case_id, actor, "case.work")
    hearing = Hearing.objects.select_for_update().get(pk=hearing.pk)
    if hearing.status == HearingStatus.CANCELLED:
        raise ValidationError(_("A cancelled hearing has no outcome."), code="hearing_cancelled")
    previous_status = hearing.status
    hearing.status, hearing.outcome = HearingStatus.HELD, outcome.strip()
    hearing.save(update_fields=["status", "outcome"])
    event = events.hearing_updated(
        case,
        actor,
        hearing=hearing,
        changes={"status": [HearingStatus.SCHEDULED, HearingStatus.HELD]},
        text=hearing.outcome,
    )
    if previous_status != HearingStatus.HELD:  # a corrected outcome changes nothing a partner sees
        webhook_events.hearing_changed(event, hearing)
    touch(case, actor)
    schedule.hearing_reminders_sync(hearing)
    return hearing


@transaction.atomic
def task_add(*, actor, case: Case, title: str, due_date: dt.date | None = None, assignee=None) -> Task:
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what needs to be done.")})
    case = case_write(case, actor, "case.work")
    require_assignable(case, assignee)
    task = Task.objects.create(case=case, title=title.strip(), due_date=due_date, assignee=assignee)
    events.task_added(case, actor, task=task)
    touch(case, actor)
    schedule.task_reminders_sync(task)
    return task


@transaction.atomic
def task_update(*, actor, task: Task, title: str, due_date: dt.date | None, assignee) -> Task:
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what needs to be done.")})
    case = case_write(task.case_id, actor, "case.work")
    require_assignable(case, assignee)
    task = Task.objects.select_for_update().get(pk=task.pk)
    new = {"title": title.strip(), "due_date": due_date, "assignee": assignee}
    changes = {
        name: [str(getattr(task, name) or ""), str(value or "")]
        for name, value in new.items()
        if getattr(task, name) != value
    }
    if not changes:
        return task
    task.title, task.due_date, task.assignee = new["title"], due_date, assignee
    task.save(update_fields=["title", "due_date", "assignee"])
    events.task_updated(case, actor, task=task, changes=changes)
    touch(case, actor)
    schedule.task_reminders_sync(task)
    return task


@transaction.atomic
def task_complete(*, actor, task: Task) -> Task:
    case = case_write(task.case_id, actor, "case.work")
    task = Task.objects.select_for_update().get(pk=task.pk)
    if task.done:
        raise ValidationError(_("This task is already done."), code="task_done")
    _record_completion(case, actor, task, timezone.now())
    if task.kind == TaskKind.FAMILY_PREPAREDNESS:  # its checklist item is done with it
        checklist_task_done(case, actor, task)
    if task.kind == TaskKind.AGENCY_REQUEST:
        _agency_requests_done(case, actor, task)
    touch(case, actor)
    schedule.task_reminders_sync(task)
    return task


def _agency_requests_done(case: Case, actor, task: Task) -> None:
    """A child-welfare agency's request whose task is marked done is done (``cases.services.children``
    keeps the task in step with the request the other way round)."""
    for request in AgencyRequest.objects.select_for_update().filter(
        task=task, status__in=OPEN_REQUEST_STATUSES
    ):
        request.status, request.version = AgencyRequestStatus.DONE, request.version + 1
        request.save(update_fields=["status", "version", "updated_at"])
        events.agency_request_changed(case, actor, request=request, kind=EventKind.AGENCY_REQUEST_UPDATED)


def _record_completion(case: Case, actor, task: Task, now) -> None:
    """An open task (locked by the caller, which authorized) marked done by ``actor``, on the timeline."""
    task.done, task.completed_at, task.completed_by = True, now, actor
    task.save(update_fields=["done", "completed_at", "completed_by"])
    events.task_completed(case, actor, task=task)
