"""Legal proceedings of a case, their decisions and deadlines (decision 0024).

Every function locks the case (``case_write``: the policy's ``proceeding.record``, the case open), then
the proceeding, checks what it is given, writes, records the timeline entry and makes the deadlines'
reminders match (``schedule.deadline_reminders_sync``) in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Proceeding, ProceedingDeadline
from cases.models.proceeding import (
    BIA_APPEAL_DAYS,
    BIA_APPEALABLE,
    MOTION_TO_REOPEN_DAYS,
    OPEN_STATUSES,
    DeadlineKind,
    DeadlineStatus,
    ProceedingKind,
    ProceedingOutcome,
    ProceedingStatus,
)
from cases.reminders import schedule
from cases.services.common import case_write, touch
from cases.services.proceeding_checks import FIELDS, clean_deadline, clean_decision, clean_proceeding

# The status a proceeding may be moved to by hand, from which (a decision is ``proceeding_decide``).
STATUS_MOVES = {
    ProceedingStatus.ON_APPEAL: (ProceedingStatus.DECIDED,),
    ProceedingStatus.CLOSED: OPEN_STATUSES,
    ProceedingStatus.PENDING: (ProceedingStatus.CLOSED,),  # reopened, before any decision
    ProceedingStatus.DECIDED: (ProceedingStatus.ON_APPEAL, ProceedingStatus.CLOSED),  # appeal ended
}


def _display(value) -> str:
    return "" if value is None else str(value)


@transaction.atomic
def proceeding_open(*, actor, case: Case, kind: str, **fields) -> Proceeding:
    """A new proceeding of the case, pending. ``fields``: any of ``proceeding_checks.FIELDS``."""
    values = clean_proceeding({name: fields.get(name) for name in FIELDS} | {"kind": kind})
    case = case_write(case, actor, "proceeding.record")
    proceeding = Proceeding.objects.create(case=case, **values)
    events.proceeding_opened(case, actor, proceeding=proceeding)
    touch(case, actor)
    return proceeding


def _lock(
    proceeding: Proceeding | int, actor, expected_version: int | None = None
) -> tuple[Case, Proceeding]:
    pk = proceeding if isinstance(proceeding, int) else proceeding.pk
    case_id = Proceeding.objects.values_list("case_id", flat=True).get(pk=pk)
    case = case_write(case_id, actor, "proceeding.record")
    proceeding = (
        Proceeding.objects.select_for_update(of=("self",))
        .select_related("court", "counsel_partner")
        .get(pk=pk)
    )
    if expected_version is not None and proceeding.version != expected_version:
        raise ValidationError(
            _(
                "Someone else changed this proceeding while you were editing it. Reload the page and try again."
            ),
            code="stale",
        )
    proceeding.case = case
    return case, proceeding


@transaction.atomic
def proceeding_update(
    *, actor, proceeding: Proceeding, expected_version: int | None = None, **fields
) -> Proceeding:
    """Correct or complete a proceeding: its court, number, dates, notes and attorney of record. The kind
    changes only while nothing was decided (a decision is one of its kind's)."""
    case, proceeding = _lock(proceeding, actor, expected_version)
    current = {name: getattr(proceeding, name) for name in FIELDS}
    values = clean_proceeding(current | {name: value for name, value in fields.items() if name in FIELDS})
    if values["kind"] != proceeding.kind and proceeding.outcome:
        raise ValidationError(
            {"kind": [_("A decided proceeding keeps its kind. Record a new proceeding instead.")]}
        )
    changes = {
        name: [_display(current[name]), _display(value)]
        for name, value in values.items()
        if current[name] != value
    }
    if not changes:
        return proceeding
    for name, value in values.items():
        setattr(proceeding, name, value)
    proceeding.version += 1
    proceeding.save()
    events.proceeding_updated(case, actor, proceeding=proceeding, changes=changes)
    touch(case, actor)
    if {"counsel_kind", "counsel_partner"} & set(changes):  # who a detained person's reminders reach
        schedule.case_hearings_resync(case)
    if "court" in changes:  # the deadlines' reminders are on the court's clock
        for deadline in proceeding.deadlines.filter(status=DeadlineStatus.OPEN):
            schedule.deadline_reminders_sync(deadline)
    return proceeding


def _deadline(
    proceeding: Proceeding, kind: str, due_on: dt.date, description: str = ""
) -> ProceedingDeadline:
    deadline = ProceedingDeadline.objects.create(
        proceeding=proceeding, kind=kind, due_on=due_on, description=description
    )
    schedule.deadline_reminders_sync(deadline)
    return deadline


@transaction.atomic
def proceeding_decide(
    *,
    actor,
    proceeding: Proceeding,
    outcome: str,
    decided_on: dt.date,
    departure_by: dt.date | None = None,
    expected_version: int | None = None,
) -> Proceeding:
    """Record the decision. Before an immigration judge, a removal order or a grant of voluntary departure
    opens the deadline to appeal to the BIA (30 days after the decision); an order in absence, the motion
    to reopen (180 days); a grant of voluntary departure with its date to leave, that date."""
    case, proceeding = _lock(proceeding, actor, expected_version)
    clean_decision(proceeding.kind, outcome, decided_on, proceeding.started_on)
    if proceeding.status == ProceedingStatus.CLOSED:
        raise ValidationError(_("This proceeding is closed."), code="proceeding_closed")
    if outcome == ProceedingOutcome.VOLUNTARY_DEPARTURE_GRANTED and departure_by is None:
        raise ValidationError({"departure_by": [_("Enter the date by which the person must leave.")]})
    if departure_by is not None and departure_by < decided_on:
        raise ValidationError({"departure_by": [_("The date to leave cannot come before the decision.")]})
    previous = [proceeding.get_status_display(), proceeding.outcome]
    proceeding.status, proceeding.outcome, proceeding.decided_on = (
        ProceedingStatus.DECIDED,
        outcome,
        decided_on,
    )
    proceeding.version += 1
    proceeding.save(update_fields=["status", "outcome", "decided_on", "version", "updated_at"])
    created = []
    before_judge = proceeding.kind in (ProceedingKind.REMOVAL, ProceedingKind.VOLUNTARY_DEPARTURE)
    if before_judge and outcome in BIA_APPEALABLE:
        due = decided_on + dt.timedelta(days=BIA_APPEAL_DAYS)
        created.append(_deadline(proceeding, DeadlineKind.BIA_APPEAL, due))
    if outcome == ProceedingOutcome.ORDERED_IN_ABSENCE:
        due = decided_on + dt.timedelta(days=MOTION_TO_REOPEN_DAYS)
        created.append(_deadline(proceeding, DeadlineKind.MOTION_TO_REOPEN, due))
    if departure_by is not None:
        created.append(_deadline(proceeding, DeadlineKind.DEPARTURE, departure_by))
    events.proceeding_decided(case, actor, proceeding=proceeding, previous=previous, deadlines=created)
    touch(case, actor)
    return proceeding


@transaction.atomic
def proceeding_status_set(
    *, actor, proceeding: Proceeding, status: str, expected_version: int | None = None
) -> Proceeding:
    """Move a proceeding on appeal (the BIA appeal deadline is then met), close it (its open deadlines
    stop being reminded), or reopen it."""
    case, proceeding = _lock(proceeding, actor, expected_version)
    if proceeding.status not in STATUS_MOVES.get(status, ()):
        raise ValidationError({"status": [_("This proceeding cannot move to that status now.")]})
    if status == ProceedingStatus.PENDING and proceeding.outcome:
        raise ValidationError({"status": [_("A decided proceeding is reopened as decided.")]})
    if status == ProceedingStatus.DECIDED and not proceeding.outcome:
        raise ValidationError({"status": [_("Record the decision first.")]})
    previous = proceeding.status
    proceeding.status = status
    proceeding.version += 1
    proceeding.save(update_fields=["status", "version", "updated_at"])
    if status == ProceedingStatus.ON_APPEAL:
        appeals = proceeding.deadlines.select_for_update().filter(
            kind=DeadlineKind.BIA_APPEAL, status=DeadlineStatus.OPEN
        )
        for deadline in appeals.order_by("pk"):
            _resolve(case, actor, deadline, DeadlineStatus.MET)
    events.proceeding_updated(case, actor, proceeding=proceeding, changes={"status": [previous, status]})
    touch(case, actor)
    for deadline in proceeding.deadlines.filter(status=DeadlineStatus.OPEN).order_by("pk"):
        schedule.deadline_reminders_sync(deadline)
    return proceeding


@transaction.atomic
def deadline_add(
    *, actor, proceeding: Proceeding, kind: str, due_on: dt.date, description: str = ""
) -> ProceedingDeadline:
    description = clean_deadline(kind, due_on, description)
    case, proceeding = _lock(proceeding, actor)
    if proceeding.status == ProceedingStatus.CLOSED:
        raise ValidationError(_("This proceeding is closed."), code="proceeding_closed")
    deadline = _deadline(proceeding, kind, due_on, description)
    events.deadline_added(case, actor, deadline=deadline)
    touch(case, actor)
    return deadline


def _resolve(case: Case, actor, deadline: ProceedingDeadline, status: str) -> None:
    deadline.status, deadline.resolved_at, deadline.resolved_by = status, timezone.now(), actor
    deadline.save(update_fields=["status", "resolved_at", "resolved_by"])
    events.deadline_resolved(case, actor, deadline=deadline)
    schedule.deadline_reminders_sync(deadline)


@transaction.atomic
def deadline_resolve(*, actor, deadline: ProceedingDeadline, status: str) -> ProceedingDeadline:
    """Mark an open deadline met or waived: its reminders are cancelled."""
    if status not in (DeadlineStatus.MET, DeadlineStatus.WAIVED):
        raise ValidationError({"status": [_("Say whether the deadline was met or waived.")]})
    case, _proceeding = _lock(deadline.proceeding_id, actor)
    deadline = ProceedingDeadline.objects.select_for_update().get(pk=deadline.pk)
    if deadline.status != DeadlineStatus.OPEN:
        raise ValidationError(_("This deadline was already met or waived."), code="deadline_resolved")
    _resolve(case, actor, deadline, status)
    touch(case, actor)
    return deadline


# Which open proceeding a hearing scheduled without one joins: a criminal court hearing the open criminal
# case, a hearing before an immigration judge the open removal proceedings (created when there is none).
# A family court or other hearing is outside the listed proceedings and joins none.
HEARING_PROCEEDING = {
    "master_calendar": ProceedingKind.REMOVAL,
    "individual": ProceedingKind.REMOVAL,
    "bond": ProceedingKind.REMOVAL,
    "credible_fear": ProceedingKind.REMOVAL,
    "criminal": ProceedingKind.CRIMINAL,
}


def proceeding_for_hearing(case: Case, *, hearing_kind: str, court=None) -> Proceeding | None:
    """The case's (locked, authorized) open proceeding a new hearing of ``hearing_kind`` joins, opened
    here (with the hearing's court when it suits the kind) when there is none."""
    # An open one of the kind, decided or on appeal included (a hearing after a remand or a motion to
    # reopen continues the same proceedings); staff choose another proceeding explicitly.
    kind = HEARING_PROCEEDING.get(hearing_kind)
    if kind is None:
        return None
    found = (
        Proceeding.objects.filter(case=case, kind=kind, status__in=OPEN_STATUSES)
        .order_by("-started_on", "-pk")
        .first()
    )
    if found is not None:
        return found
    court_values = {}
    if court is not None:
        try:
            court_values = {
                "court": clean_proceeding({name: None for name in FIELDS} | {"kind": kind, "court": court})[
                    "court"
                ]
            }
        except ValidationError:
            court_values = {}
    # Its timeline entry is the hearing's (``hearing_scheduled`` names the proceeding).
    return Proceeding.objects.create(case=case, kind=kind, **court_values)
