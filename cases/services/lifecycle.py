"""Case lifecycle: open -> in_progress -> (pending_closure ->) closed; closed -> in_progress on reopening.

Every transition lives here and is refused with a clear message where it is not allowed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Hearing, Referral, Reminder, RepatriationHandoff, Task, Transfer
from cases.models.case import Outcome, Priority, Status
from cases.models.crossoffice import ACTIVE_REFERRAL, TransferStatus
from cases.models.reminder import EVENT_TYPES, ReminderStatus
from cases.models.work import EventKind, HearingStatus
from cases.reminders import schedule, webhook_events
from cases.services.common import bump, case_write
from cases.services.work import _record_cancellation, _record_completion
from consulates.policy import can


def closure_needs_approval(case: Case) -> bool:
    """Urgent cases and cases of vulnerable persons are closed only with a supervisor's approval, and so
    is a case that was urgent, or whose person was flagged vulnerable, at any time since it was last
    opened or reopened (``Case.closure_needs_approval``, kept by the services): lowering the priority
    or clearing the flags first does not skip the supervisor. A child's case always needs one
    (``case.close.child``), whether or not the person was flagged as a minor."""
    return case.closure_needs_approval or _urgent_or_vulnerable(case) or case.is_child_case


def _may_close_directly(actor, case: Case) -> bool:
    """Whether ``actor`` may close at once a case needing approval: a child's case by its own rule."""
    if case.is_child_case:
        return can(actor, "case.close.child", case)
    return can(actor, "case.close.direct", case)


def require_child_reception(case: Case, outcome: str) -> None:
    """A child's case is not closed as repatriated until the receiving office (the DIF, at the reception
    point) has confirmed receiving the child: the hand-off's confirmation (decision 0029). Checked on the
    request and again on the approval (a request made before the rule, or before a reopening)."""
    if outcome != Outcome.REPATRIATED or not case.is_child_case:
        return
    confirmed = RepatriationHandoff.objects.filter(case=case, confirmed_at__isnull=False).exists()
    if not confirmed:
        raise ValidationError(
            _(
                "This child's case cannot be closed as repatriated yet: the DIF receiving office has not "
                "confirmed receiving the child. Record the confirmation on the repatriation hand-off first."
            ),
            code="child_reception_unconfirmed",
        )


def _urgent_or_vulnerable(case: Case) -> bool:
    return case.priority == Priority.URGENT or case.person.is_vulnerable


def _cancel_reminders(case: Case) -> None:
    """A closed case reminds nobody of anything (its reminders are kept, cancelled, for the record).
    Its partners' event webhooks still go out: what happened (a referral withdrawn by the closure)
    stays true after it."""
    Reminder.objects.filter(case=case, status=ReminderStatus.PENDING).exclude(kind__in=EVENT_TYPES).update(
        status=ReminderStatus.CANCELLED, lease_until=None, updated_at=timezone.now()
    )


def _reschedule_reminders(case: Case) -> None:
    """On reopening, the case's hearings, open tasks, art. 36 clock and hand-off remind again."""
    schedule.case_reminders_resync(case)


def _end_cross_office_work(case: Case, actor) -> None:
    """A closed case moves nowhere and keeps no partner: its pending transfer is cancelled and its
    active referrals are withdrawn, each on the timeline."""
    now = timezone.now()
    for transfer in Transfer.objects.select_for_update().filter(case=case, status=TransferStatus.PENDING):
        transfer.cancel(by=actor, note=_("The case was closed."), at=now)
        events.transfer_decided(case, actor, transfer=transfer, kind=EventKind.TRANSFER_CANCELLED)
    referrals = Referral.objects.select_for_update().filter(case=case, status__in=ACTIVE_REFERRAL)
    for referral in referrals.select_related("partner").order_by("pk"):
        referral.withdraw(by=actor, reason=_("The case was closed."), at=now)
        event = events.referral_changed(
            case, actor, referral=referral, kind=EventKind.REFERRAL_WITHDRAWN, text=referral.withdrawal_reason
        )
        webhook_events.referral_withdrawn(event, referral)


def open_work(case: Case) -> dict[str, int]:
    """What a closure could leave open: the case's open tasks and its scheduled hearings still to come."""
    return {
        "tasks": Task.objects.filter(case=case, done=False).count(),
        "hearings": Hearing.objects.filter(
            case=case, status=HearingStatus.SCHEDULED, starts_at__gte=timezone.now()
        ).count(),
    }


def _wrap_up_open_work(case: Case, actor) -> None:
    """On closing, what the closure's request chose: open tasks marked done and scheduled hearings still
    to come cancelled, each on the timeline (a cancelled hearing also tells the partners who follow it)."""
    now = timezone.now()
    if case.closure_completes_tasks:
        for task in Task.objects.select_for_update().filter(case=case, done=False).order_by("pk"):
            _record_completion(case, actor, task, now)
    if case.closure_cancels_hearings:
        hearings = Hearing.objects.select_for_update().filter(
            case=case, status=HearingStatus.SCHEDULED, starts_at__gte=now
        )
        for hearing in hearings.order_by("starts_at", "pk"):
            _record_cancellation(case, actor, hearing, _("The case was closed."))


@transaction.atomic
def case_close_request(
    *,
    actor,
    case: Case,
    outcome: str,
    outcome_notes: str = "",
    complete_tasks: bool = False,
    cancel_hearings: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Close the case, or ask a supervisor to when it needs approval. Needs an outcome. ``complete_tasks``
    and ``cancel_hearings``: what the closure does with the open tasks and scheduled hearings, when the
    case is closed."""
    case = case_write(case, actor, "case.close.request", expected_version=expected_version, open_only=False)
    if not case.allows("close_request"):
        raise ValidationError(
            _("Only an open or in-progress case can be closed; this one is %(status)s.")
            % {"status": case.get_status_display().lower()},
            code="transition",
        )
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome of the case.")})
    if outcome == Outcome.TRANSFERRED_OUT:
        raise ValidationError(
            {"outcome": _("A case is transferred out by recording its hand-over to the other consulate.")}
        )
    if outcome == Outcome.OTHER and not outcome_notes.strip():
        raise ValidationError({"outcome_notes": _("Describe the outcome.")})
    require_child_reception(case, outcome)
    now = timezone.now()
    old_status = case.status
    case.outcome, case.outcome_notes = outcome, outcome_notes.strip()
    case.closure_requested_by, case.closure_requested_at = actor, now
    case.closure_completes_tasks, case.closure_cancels_hearings = bool(complete_tasks), bool(cancel_hearings)
    if closure_needs_approval(case) and not _may_close_directly(actor, case):
        case.status = Status.PENDING_CLOSURE
        events.closure_requested(case, actor)
    else:
        case.status = Status.CLOSED
        case.closed_at = now
        events.case_closed(case, actor)
        _end_cross_office_work(case, actor)
        _wrap_up_open_work(case, actor)
        _cancel_reminders(case)
    events.status_changed(case, actor, old=old_status, new=case.status)
    bump(case, now)
    case.save()
    return case


def close_as_transferred_out(case: Case, actor, *, notes: str) -> None:
    """The closure a hand-over makes (``cases.services.handover``, inside its transaction, with the case
    locked and the hand-over authorized): closed at once with the outcome "transferred out", no approval
    (only a supervisor hands a case over). Like any closure it ends the pending transfer and the active
    referrals and cancels the case's reminders; its open tasks are marked done (nothing is left to do
    here). Its scheduled hearings stay as they are, on the record: the other consulate follows them now,
    and nobody here is reminded of them. Reopening works as for any closure."""
    if not case.allows("close_request"):
        raise ValidationError(
            _("Only an open or in-progress case can be handed over; this one is %(status)s.")
            % {"status": case.get_status_display().lower()},
            code="transition",
        )
    now = timezone.now()
    old_status = case.status
    case.outcome, case.outcome_notes = Outcome.TRANSFERRED_OUT, notes
    case.closure_requested_by, case.closure_requested_at = actor, now
    case.closure_completes_tasks, case.closure_cancels_hearings = True, False
    case.status, case.closed_at = Status.CLOSED, now
    events.case_closed(case, actor)
    _end_cross_office_work(case, actor)
    _wrap_up_open_work(case, actor)
    _cancel_reminders(case)
    events.status_changed(case, actor, old=old_status, new=Status.CLOSED)
    bump(case, now)
    case.save()


@transaction.atomic
def case_close_approve(*, actor, case: Case, expected_version: int | None = None) -> Case:
    """A supervisor of the case's consulate approves a pending closure."""
    case = case_write(case, actor, "case.close.approve", expected_version=expected_version, open_only=False)
    if not case.allows("close_decide"):
        raise ValidationError(_("There is no closure waiting for approval on this case."), code="transition")
    require_child_reception(case, case.outcome)
    now = timezone.now()
    case.status, case.closed_at = Status.CLOSED, now
    bump(case, now)
    case.save()
    events.closure_approved(case, actor)
    _end_cross_office_work(case, actor)
    _wrap_up_open_work(case, actor)
    _cancel_reminders(case)
    events.status_changed(case, actor, old=Status.PENDING_CLOSURE, new=Status.CLOSED)
    return case


@transaction.atomic
def case_close_reject(*, actor, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """A supervisor sends a pending closure back to work, saying why."""
    case = case_write(case, actor, "case.close.approve", expected_version=expected_version, open_only=False)
    if not case.allows("close_decide"):
        raise ValidationError(_("There is no closure waiting for approval on this case."), code="transition")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the closure is rejected.")})
    now = timezone.now()
    case.status = Status.IN_PROGRESS
    case.outcome, case.outcome_notes = "", ""
    case.closure_requested_by, case.closure_requested_at = None, None
    case.closure_completes_tasks = case.closure_cancels_hearings = False
    bump(case, now)
    case.save()
    events.closure_rejected(case, actor, reason=reason.strip())
    events.status_changed(
        case, actor, old=Status.PENDING_CLOSURE, new=Status.IN_PROGRESS, reason=reason.strip()
    )
    return case


@transaction.atomic
def case_reopen(*, actor, case: Case, reason: str, expected_version: int | None = None) -> Case:
    """Reopen a closed case; the previous outcome stays on the timeline. Whether closing it again needs
    a supervisor's approval starts afresh from its priority and its person's flags now."""
    case = case_write(case, actor, "case.reopen", expected_version=expected_version, open_only=False)
    if not case.allows("reopen"):
        if case.anonymised_at is not None:
            raise ValidationError(_("This case was anonymised and cannot be reopened."), code="anonymised")
        raise ValidationError(_("Only a closed case can be reopened."), code="transition")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    previous_outcome = case.outcome
    now = timezone.now()
    case.status = Status.IN_PROGRESS
    case.outcome, case.outcome_notes, case.closed_at = "", "", None
    case.closure_requested_by, case.closure_requested_at = None, None
    case.closure_needs_approval = _urgent_or_vulnerable(case)
    bump(case, now)
    case.save()
    events.case_reopened(case, actor, reason=reason.strip(), previous_outcome=previous_outcome)
    _reschedule_reminders(case)
    events.status_changed(case, actor, old=Status.CLOSED, new=Status.IN_PROGRESS, reason=reason.strip())
    return case
