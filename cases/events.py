"""The case timeline: one small function per kind of event, each recording the actor and a payload.

Called only by services, inside their transaction, so an event exists exactly when its change does.
A service writing many cases at once (``cases.services.bulk_intake``) wraps its work in ``collected()``:
the same functions then build their events, and they are inserted together at the end of the block.
"""

from __future__ import annotations

import contextlib
import contextvars

from django.utils import timezone

from cases.models import Case, CaseEvent
from cases.models.work import EventKind

_collecting: contextvars.ContextVar[list | None] = contextvars.ContextVar("case_events", default=None)


@contextlib.contextmanager
def collected():
    """Events recorded inside the block are inserted in one statement when it ends without an error
    (inside the caller's transaction, as a single event would be)."""
    bucket: list[CaseEvent] = []
    token = _collecting.set(bucket)
    try:
        yield bucket
    finally:
        _collecting.reset(token)
    CaseEvent.objects.bulk_create(bucket)


def _record(case: Case, kind: str, actor, *, text: str = "", occurred_at=None, **payload) -> CaseEvent:
    event = CaseEvent(
        case=case,
        kind=kind,
        actor=actor,
        text=text,
        occurred_at=occurred_at or timezone.now(),
        payload=payload,
    )
    bucket = _collecting.get()
    if bucket is None:
        event.save(force_insert=True)
    else:
        bucket.append(event)
    return event


def case_opened(case: Case, actor) -> CaseEvent:
    return _record(case, EventKind.OPENED, actor, reference=case.reference, consulate=case.consulate.code)


def imported(case: Case, actor, *, batch_id: int, row: int, decision: str, opened: bool) -> CaseEvent:
    """The case was opened (``opened``) or its custody updated from a row of a detainee list."""
    return _record(
        case, EventKind.IMPORTED, actor, batch_id=batch_id, row=row, decision=decision, opened=opened
    )


def note_added(case: Case, actor, *, kind: str, text: str, occurred_at=None) -> CaseEvent:
    return _record(case, kind, actor, text=text, occurred_at=occurred_at)


def case_updated(case: Case, actor, *, kind: str, changes: dict) -> CaseEvent:
    """``changes`` maps a field name to ``[old, new]`` as display strings."""
    return _record(case, kind, actor, changes=changes)


def assigned(case: Case, actor, *, assignee, previous) -> CaseEvent:
    return _record(
        case,
        EventKind.ASSIGNED,
        actor,
        assignee_id=getattr(assignee, "pk", None),
        assignee=assignee.get_username() if assignee else "",
        previous=previous.get_username() if previous else "",
    )


def status_changed(case: Case, actor, *, old: str, new: str, reason: str = "") -> CaseEvent:
    return _record(case, EventKind.STATUS, actor, text=reason, old=old, new=new)


def hearing_scheduled(case: Case, actor, *, hearing) -> CaseEvent:
    return _record(
        case,
        EventKind.HEARING_SCHEDULED,
        actor,
        hearing_id=hearing.pk,
        proceeding_id=hearing.proceeding_id,
        hearing_kind=hearing.kind,
        starts_at=hearing.starts_at.isoformat(),
        location=hearing.location,
    )


def hearing_updated(case: Case, actor, *, hearing, changes: dict, text: str = "") -> CaseEvent:
    """``changes`` as display strings; the hearing as it stands after the change beside them (what a
    partner's ``hearing.changed`` webhook says, the same on every retry)."""
    return _record(
        case,
        EventKind.HEARING_UPDATED,
        actor,
        text=text,
        hearing_id=hearing.pk,
        changes=changes,
        hearing_kind=hearing.kind,
        starts_at=hearing.starts_at.isoformat(),
        location=hearing.location,
        status=hearing.status,
    )


def task_added(case: Case, actor, *, task) -> CaseEvent:
    due = task.due_date.isoformat() if task.due_date else None
    return _record(case, EventKind.TASK_ADDED, actor, task_id=task.pk, title=task.title, due_date=due)


def task_updated(case: Case, actor, *, task, changes: dict) -> CaseEvent:
    return _record(case, EventKind.TASK_UPDATED, actor, task_id=task.pk, title=task.title, changes=changes)


def task_completed(case: Case, actor, *, task) -> CaseEvent:
    return _record(case, EventKind.TASK_COMPLETED, actor, task_id=task.pk, title=task.title)


def closure_requested(case: Case, actor) -> CaseEvent:
    return _record(case, EventKind.CLOSURE_REQUESTED, actor, text=case.outcome_notes, outcome=case.outcome)


def closure_approved(case: Case, actor) -> CaseEvent:
    return _record(case, EventKind.CLOSURE_APPROVED, actor, outcome=case.outcome)


def closure_rejected(case: Case, actor, *, reason: str) -> CaseEvent:
    return _record(case, EventKind.CLOSURE_REJECTED, actor, text=reason)


def case_closed(case: Case, actor) -> CaseEvent:
    return _record(case, EventKind.CLOSED, actor, text=case.outcome_notes, outcome=case.outcome)


def case_reopened(case: Case, actor, *, reason: str, previous_outcome: str) -> CaseEvent:
    return _record(case, EventKind.REOPENED, actor, text=reason, previous_outcome=previous_outcome)


# Transfers between consulates


def transfer_requested(case: Case, actor, *, transfer) -> CaseEvent:
    return _record(
        case,
        EventKind.TRANSFER_REQUESTED,
        actor,
        text=transfer.reason,
        transfer_id=transfer.pk,
        from_consulate=transfer.from_consulate.code,
        to_consulate=transfer.to_consulate.code,
        automatic=transfer.automatic,
    )


def transfer_decided(case: Case, actor, *, transfer, kind: str) -> CaseEvent:
    """Accepted, rejected or cancelled: the payload names both consulates, so the entry reads the same
    from either side."""
    return _record(
        case,
        kind,
        actor,
        text=transfer.note,
        transfer_id=transfer.pk,
        from_consulate=transfer.from_consulate.code,
        to_consulate=transfer.to_consulate.code,
    )


# Consent and referrals: ``partner_id`` in the payload lets the partner read the entries about it.


def consent_recorded(case: Case, actor, *, consent) -> CaseEvent:
    return _record(
        case,
        EventKind.CONSENT_RECORDED,
        actor,
        consent_id=consent.pk,
        partner_id=consent.partner_id,
        partner=consent.partner.name,
        method=consent.method,
        scope=list(consent.scope),
    )


def consent_withdrawn(case: Case, actor, *, consent, referrals_ended: list[int]) -> CaseEvent:
    return _record(
        case,
        EventKind.CONSENT_WITHDRAWN,
        actor,
        text=consent.withdrawal_note,
        consent_id=consent.pk,
        partner_id=consent.partner_id,
        partner=consent.partner.name,
        referrals_ended=referrals_ended,
    )


def referred(case: Case, actor, *, referral) -> CaseEvent:
    return _record(
        case,
        EventKind.REFERRED,
        actor,
        text=referral.request_note,
        referral_id=referral.pk,
        partner_id=referral.partner_id,
        partner=referral.partner.name,
        service=referral.service,
    )


def referral_changed(case: Case, actor, *, referral, kind: str, text: str = "") -> CaseEvent:
    return _record(
        case,
        kind,
        actor,
        text=text,
        referral_id=referral.pk,
        partner_id=referral.partner_id,
        partner=referral.partner.name,
        service=referral.service,
        status=referral.status,
    )


# Repatriation, belongings, documents


def handoff_changed(case: Case, actor, *, handoff, kind: str, changes: dict | None = None) -> CaseEvent:
    return _record(
        case,
        kind,
        actor,
        text=handoff.confirmation_notes if kind == EventKind.HANDOFF_CONFIRMED else "",
        handoff_id=handoff.pk,
        removal_date=handoff.removal_date.isoformat(),
        removal_time=handoff.removal_time.isoformat(timespec="minutes") if handoff.removal_time else "",
        removal_mode=handoff.removal_mode,
        removal_carrier=handoff.removal_carrier,
        removal_flight_number=handoff.removal_flight_number,
        removal_place=handoff.reception_point.mx_city,
        reception_point=handoff.reception_point.name,
        changes=changes or {},
    )


def handover_changed(case: Case, actor, *, handover, kind: str) -> CaseEvent:
    acknowledged = kind == EventKind.HANDOVER_ACKNOWLEDGED
    return _record(
        case,
        kind,
        actor,
        text=handover.acknowledgement_notes if acknowledged else handover.reason_notes,
        handover_id=handover.pk,
        post_id=handover.post_id,
        post=handover.post.name,
        reason=handover.reason,
        method=handover.method,
        sent_at=handover.sent_at.isoformat(),
        acknowledged_by=handover.acknowledged_by_name if acknowledged else "",
    )


def removal_warning_seen(case: Case, actor, *, acks) -> CaseEvent:
    """An officer saw the removal warnings (their words as shown) and recorded why the removal goes ahead."""
    return _record(
        case,
        EventKind.REMOVAL_WARNING_SEEN,
        actor,
        text=acks[0].reason,
        keys=[ack.key for ack in acks],
        warnings=[ack.warning for ack in acks],
    )


def belonging_changed(case: Case, actor, *, belonging, kind: str) -> CaseEvent:
    return _record(
        case,
        kind,
        actor,
        text=belonging.resolution_note,
        belonging_id=belonging.pk,
        belonging_kind=belonging.kind,
        description=belonging.description,
        status=belonging.status,
    )


def document_uploaded(case: Case, actor, *, document) -> CaseEvent:
    return _record(
        case,
        EventKind.DOCUMENT_UPLOADED,
        actor,
        text=document.description,
        document_id=document.pk,
        document_kind=document.kind,
        partner_id=document.uploaded_by_partner_id,
        size=document.size,
    )


def reminder_sent_payload(reminder) -> dict:
    """What a REMINDER_SENT entry says: what, how and to whom (a role), never to which address. The send path writes the
    entry itself, in the same statement that marks the reminder sent (cases/reminders/dispatch.py)."""
    channel = getattr(reminder, "sent_channel", "") or reminder.channel
    payload = {"reminder_id": reminder.pk, "reminder_kind": reminder.kind, "channel": channel}
    sent_to = getattr(reminder, "sent_to", "")
    if sent_to and sent_to != "person":  # a detained person's hearing reminder: their contact or attorney
        payload["sent_to"] = sent_to
    return payload


def persons_merged(case: Case, actor, *, merge, reason: str) -> CaseEvent:
    """Two records of the case's person were merged (``cases.services.merges``): ids only in the payload."""
    return _record(
        case,
        EventKind.MERGED,
        actor,
        text=reason,
        merge_id=merge.pk,
        survivor_id=merge.survivor_id,
        merged_id=merge.merged_id,
    )


def persons_unmerged(case: Case, actor, *, merge, reason: str) -> CaseEvent:
    """A merge was undone: the case is with the record it was on before the merge (ids only)."""
    return _record(
        case,
        EventKind.UNMERGED,
        actor,
        text=reason,
        merge_id=merge.pk,
        survivor_id=merge.survivor_id,
        merged_id=merge.merged_id,
    )


def inquiry_linked(case: Case, actor, *, inquiry, how: str) -> CaseEvent:
    """An inquiry (a family's or a partner's question about the person) joined the case: ``how`` is
    ``linked`` (to a person already known) or ``converted`` (the case was opened from it). The payload
    holds the inquiry's number, channel and reception time: no caller's name or number."""
    return _record(
        case,
        EventKind.INQUIRY_LINKED,
        actor,
        inquiry_id=inquiry.pk,
        how=how,
        channel=inquiry.channel,
        received_at=inquiry.received_at.isoformat(),
    )


def custody_verified(case: Case, actor) -> CaseEvent:
    """Staff checked that the person is still where the case says."""
    return _record(case, EventKind.CUSTODY_VERIFIED, actor, facility_id=case.facility_id)


def locate_attempted(case: Case, actor, *, attempt) -> CaseEvent:
    """A search for the person: where and what it gave (the notes stay on the attempt)."""
    return _record(
        case,
        EventKind.LOCATE_ATTEMPT,
        actor,
        occurred_at=attempt.attempted_at,
        attempt_id=attempt.pk,
        where=attempt.where,
        result=attempt.result,
        facility=str(attempt.facility) if attempt.facility_id else "",
    )


def proceeding_opened(case: Case, actor, *, proceeding) -> CaseEvent:
    return _record(
        case,
        EventKind.PROCEEDING_OPENED,
        actor,
        proceeding_id=proceeding.pk,
        proceeding_kind=proceeding.kind,
        court_id=proceeding.court_id,
    )


def proceeding_updated(case: Case, actor, *, proceeding, changes: dict) -> CaseEvent:
    """``changes`` as display strings (a court or partner by its name)."""
    return _record(
        case,
        EventKind.PROCEEDING_UPDATED,
        actor,
        proceeding_id=proceeding.pk,
        proceeding_kind=proceeding.kind,
        changes=changes,
    )


def proceeding_decided(case: Case, actor, *, proceeding, previous: list, deadlines: list) -> CaseEvent:
    return _record(
        case,
        EventKind.PROCEEDING_DECIDED,
        actor,
        proceeding_id=proceeding.pk,
        proceeding_kind=proceeding.kind,
        outcome=proceeding.outcome,
        decided_on=proceeding.decided_on.isoformat(),
        previous=previous,
        deadlines=[{"id": d.pk, "kind": d.kind, "due_on": d.due_on.isoformat()} for d in deadlines],
    )


def deadline_added(case: Case, actor, *, deadline) -> CaseEvent:
    return _record(
        case,
        EventKind.DEADLINE_ADDED,
        actor,
        text=deadline.description,
        proceeding_id=deadline.proceeding_id,
        deadline_id=deadline.pk,
        deadline_kind=deadline.kind,
        due_on=deadline.due_on.isoformat(),
    )


def deadline_resolved(case: Case, actor, *, deadline) -> CaseEvent:
    return _record(
        case,
        EventKind.DEADLINE_RESOLVED,
        actor,
        proceeding_id=deadline.proceeding_id,
        deadline_id=deadline.pk,
        deadline_kind=deadline.kind,
        due_on=deadline.due_on.isoformat(),
        status=deadline.status,
    )


def visit_interview(case: Case, actor, *, interview, first: bool) -> CaseEvent:
    """An interview on a facility visit (a ``visit`` entry): which visit and facility, seen or not and the
    main need. What was found and the needs stay in the interview (encrypted), not in the timeline."""
    visit = interview.visit
    return _record(
        case,
        EventKind.VISIT,
        actor,
        visit_id=visit.pk,
        facility_id=visit.facility_id,
        facility=visit.facility.name,
        seen=interview.seen,
        need=interview.need,
        interview_id=interview.pk,
        corrected=not first,
    )


def relationship_recorded(
    case: Case, actor, *, kind: str, relationship, relative_kind: str, **extra
) -> CaseEvent:
    """A relationship of the case's person was recorded, corrected or removed (``kind``). The payload names
    the relative by id and how they are related, never by name: the timeline is read by whoever sees the
    case, the relative's record only by whoever sees it."""
    return _record(
        case,
        kind,
        actor,
        relationship_id=relationship.pk,
        relative_id=relationship.person_b_id
        if relationship.person_a_id == case.person_id
        else relationship.person_a_id,
        relative_kind=relative_kind,
        **extra,
    )


def family_item_added(case: Case, actor, *, item) -> CaseEvent:
    due = item.due_on.isoformat() if item.due_on else None
    return _record(case, EventKind.FAMILY_ITEM_ADDED, actor, item_id=item.pk, item_kind=item.kind, due_on=due)


def family_item_resolved(case: Case, actor, *, item) -> CaseEvent:
    return _record(
        case, EventKind.FAMILY_ITEM_DONE, actor, item_id=item.pk, item_kind=item.kind, status=item.status
    )


def incident_recorded(case: Case, actor, *, incident) -> CaseEvent:
    """A critical incident: its kind and place (the description stays on the encrypted record)."""
    return _record(
        case,
        EventKind.INCIDENT_RECORDED,
        actor,
        occurred_at=incident.occurred_at,
        incident_id=incident.pk,
        incident_kind=incident.kind,
        facility_id=incident.facility_id,
        zone=incident.zone_name,
    )


def incident_closed(case: Case, actor, *, incident) -> CaseEvent:
    return _record(
        case, EventKind.INCIDENT_CLOSED, actor, incident_id=incident.pk, incident_kind=incident.kind
    )


def formal_request_changed(case: Case, actor, *, request, kind: str, changes: list[str] = ()) -> CaseEvent:
    """A request to an authority about the case (decision 0026) was recorded, corrected, sent, answered or
    withdrawn (``kind``): what is asked, of which authority, its status and due day. Its details and the
    authority's answer stay on the request."""
    return _record(
        case,
        kind,
        actor,
        request_id=request.pk,
        request_kind=request.kind,
        authority_kind=request.authority_kind,
        authority=request.authority_name,
        status=request.status,
        due_on=request.due_on.isoformat() if request.due_on else None,
        fields=list(changes),
    )


# Children (decision 0029): the agency's case, its requests, the child's assessment. Agency and request
# words only; the numbers and names stay on their records.


def child_welfare_recorded(case: Case, actor, *, record, created: bool, changes: list[str]) -> CaseEvent:
    return _record(
        case,
        EventKind.CHILD_WELFARE_RECORDED,
        actor,
        record_id=record.pk,
        agency=record.agency.name,
        created=created,
        fields=changes,
    )


def agency_request_changed(case: Case, actor, *, request, kind: str) -> CaseEvent:
    return _record(
        case,
        kind,
        actor,
        request_id=request.pk,
        request_kind=request.kind,
        status=request.status,
        due_date=request.due_date.isoformat() if request.due_date else None,
    )


def child_assessed(case: Case, actor, *, assessment) -> CaseEvent:
    return _record(
        case,
        EventKind.CHILD_ASSESSED,
        actor,
        assessment_id=assessment.pk,
        form_version=assessment.form_version,
        situation=assessment.situation,
        complete=assessment.complete,
    )
