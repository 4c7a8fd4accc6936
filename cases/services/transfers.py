"""Moving a case to another consulate: request, automatic proposal, accept, reject, cancel."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, Task, Transfer
from cases.models.case import Status
from cases.models.crossoffice import TransferStatus
from cases.models.work import EventKind
from cases.reminders import schedule, webhook_events
from cases.services.common import (
    case_write,
    constraint_violation,
    lock_case,
    touch,
)
from consulates.models import Consulate
from consulates.policy import authorize
from consulates.selectors import consulate_for_facility


def _lock_transfer(transfer: Transfer | int) -> tuple[Transfer, Case]:
    """Lock case then transfer (the order every case service uses), and re-read both."""
    pk = transfer if isinstance(transfer, int) else transfer.pk
    case_id = Transfer.objects.values_list("case_id", flat=True).get(pk=pk)
    case = lock_case(case_id)
    transfer = (
        Transfer.objects.select_for_update().select_related("from_consulate", "to_consulate").get(pk=pk)
    )
    return transfer, case


def _refuse_unless_pending(transfer: Transfer) -> None:
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(
            _("This transfer was already %(status)s.") % {"status": transfer.get_status_display().lower()},
            code="decided",
        )


def _create(case: Case, actor, *, to_consulate: Consulate, reason: str, automatic: bool) -> Transfer:
    try:
        with transaction.atomic():
            transfer = Transfer.objects.create(
                case=case,
                from_consulate=case.consulate,
                to_consulate=to_consulate,
                reason=reason,
                automatic=automatic,
                requested_by=actor,
            )
    except IntegrityError as exc:
        violation = constraint_violation(exc, Transfer)
        if violation is not None:
            raise violation from exc
        raise
    events.transfer_requested(case, actor, transfer=transfer)
    return transfer


@transaction.atomic
def transfer_request(*, actor, case: Case, to_consulate: Consulate, reason: str) -> Transfer:
    """An officer or supervisor of the case's consulate asks another consulate to take the case."""
    case = case_write(case, actor, "transfer.request")
    errors = {}
    if to_consulate is None:
        errors["to_consulate"] = [_("Choose the consulate that should take the case.")]
    elif to_consulate.pk == case.consulate_id:
        errors["to_consulate"] = [_("The case is already with this consulate.")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the case should move.")]
    if errors:
        raise ValidationError(errors)
    transfer = _create(case, actor, to_consulate=to_consulate, reason=reason.strip(), automatic=False)
    touch(case, actor)
    return transfer


def transfer_propose_for_custody(case: Case, actor) -> Transfer | None:
    """Called by the case services (inside their transaction, with the case locked) after custody
    changed: when the facility lies in another consulate's district, propose moving the case there.

    An automatic proposal that no longer fits (custody moved again) is cancelled; a transfer a person
    requested is left alone, since they may have reasons the facility does not show.
    """
    pending = Transfer.objects.select_for_update().filter(case=case, status=TransferStatus.PENDING).first()
    district = consulate_for_facility(case.facility_id) if case.in_custody else None
    wanted = district if district is not None and district.pk != case.consulate_id else None
    if pending is not None:
        if wanted is not None and pending.to_consulate_id == wanted.pk:
            return pending
        if not pending.automatic:
            return None
        pending.cancel(by=actor, note=_("Custody changed again; this proposal no longer applies."))
        events.transfer_decided(case, actor, transfer=pending, kind=EventKind.TRANSFER_CANCELLED)
    if wanted is None:
        return None
    reason = _(
        "Custody moved to %(facility)s, in the district of the %(consulate)s. Proposed automatically."
    ) % {"facility": case.facility.name, "consulate": wanted}
    return _create(case, actor, to_consulate=wanted, reason=reason, automatic=True)


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer, note: str = "") -> Transfer:
    """A supervisor of the receiving consulate takes the case: it moves with its reference, the
    assignee and the open tasks' assignees are cleared (they belong to the other office)."""
    transfer, case = _lock_transfer(transfer)
    authorize(actor, "transfer.decide", transfer)
    _refuse_unless_pending(transfer)
    if case.consulate_id != transfer.from_consulate_id:
        raise ValidationError(_("The case is no longer with the consulate that asked for this transfer."))
    if case.status == Status.PENDING_CLOSURE:
        raise ValidationError(
            _("The case is waiting for a closure decision at its consulate; accept the transfer after it."),
            code="pending_closure",
        )
    transfer.status = TransferStatus.ACCEPTED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.note = (note or "").strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "note"])
    previous_assignee = case.assigned_to
    case.consulate = transfer.to_consulate
    case.assigned_to = None
    cleared = list(
        Task.objects.select_for_update().filter(case=case, done=False, assignee__isnull=False).order_by("pk")
    )
    for task in cleared:
        task.assignee = None
        task.save(update_fields=["assignee"])
    event = events.transfer_decided(case, actor, transfer=transfer, kind=EventKind.TRANSFER_ACCEPTED)
    webhook_events.case_transferred(event, case)
    if previous_assignee is not None:
        events.assigned(case, actor, assignee=None, previous=previous_assignee)
    touch(case, actor, fields=["consulate", "assigned_to"])
    # after the save: the reminders follow the cleared assignees and the new consulate's clock
    schedule.case_reminders_resync(case)
    return transfer


@transaction.atomic
def transfer_reject(*, actor, transfer: Transfer, note: str) -> Transfer:
    """A supervisor of the receiving consulate declines; the case stays where it is."""
    transfer, case = _lock_transfer(transfer)
    authorize(actor, "transfer.decide", transfer)
    _refuse_unless_pending(transfer)
    if not (note or "").strip():
        raise ValidationError({"note": _("Say why the transfer is rejected.")})
    transfer.status = TransferStatus.REJECTED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.note = note.strip()
    transfer.save(update_fields=["status", "decided_by", "decided_at", "note"])
    events.transfer_decided(case, actor, transfer=transfer, kind=EventKind.TRANSFER_REJECTED)
    touch(case, actor)
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer, note: str = "") -> Transfer:
    """The sending consulate withdraws its request (or an automatic proposal)."""
    transfer, case = _lock_transfer(transfer)
    authorize(actor, "transfer.cancel", transfer)
    _refuse_unless_pending(transfer)
    transfer.cancel(by=actor, note=(note or "").strip())
    events.transfer_decided(case, actor, transfer=transfer, kind=EventKind.TRANSFER_CANCELLED)
    touch(case, actor)
    return transfer
