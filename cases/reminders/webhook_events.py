"""Event webhooks to partner organisations: one outbox row per event and endpoint.

Queueing. The service that makes a change records its ``CaseEvent`` and, in the same transaction, calls
the function of this module named after the event (``referral_created``, ``hearing_changed``...). It
writes a ``Reminder`` on the webhook channel for each partner that should hear of it: the event's
``CaseEvent`` is the row's subject and the partner its recipient, so the outbox's unique constraint
keeps one row per event and endpoint (a second call queues nothing). Only an active partner with a
webhook URL is written to; a partner without one is not queued at all (events are never emailed).
A change that rolls back takes its rows with it.

Who hears of what:

- ``referral.created`` / ``referral.withdrawn``: the referral's partner.
- ``consent.withdrawn``: the consent's partner, when the withdrawal ended referrals of it.
- ``case.transferred``: each partner the case is shared with (an active referral on a standing consent,
  ``consulates.policy.shared_case_ids``: the rule the partner API reads by).
- ``hearing.scheduled`` / ``hearing.changed``: each partner the case is shared with under the
  ``hearings`` data category (the same rule, with the category), and nobody else.

Sending. The dispatcher claims and sends these rows like every reminder (batches, retries with backoff,
failed after the last attempt, no quiet hours: they are addressed to no person). ``build`` re-checks
the partner and, for hearing and transfer events, that the case is still shared with it as above, and
makes the Standard Webhooks payload ``{"type", "timestamp", "data"}``: ``timestamp`` is when the event
happened and ``data`` comes from the event as recorded, so every retry carries the same body and
``webhook-id``. ``data`` holds ids and references the partner reads through its API anyway (the
referral's id, the case's reference, a status; the hearing's time and place only under the hearings
consent), never a name, an identifier or a free-text note.
"""

from __future__ import annotations

import datetime as dt

from cases.models import Case, CaseEvent, Consent, Hearing, Referral, Reminder, Transfer
from cases.models.crossoffice import DataCategory, ReferralStatus
from cases.models.reminder import EVENT_SUBJECT, EVENT_TYPES, ReminderChannel, ReminderKind
from cases.reminders.channels import Outgoing, Skip
from consulates.models import Partner
from consulates.policy import shared_case_ids

# Queueing


def _endpoints(partner_ids) -> list[int]:
    """The partners among ``partner_ids`` that take webhooks: active, with a URL."""
    return sorted(
        Partner.objects.filter(pk__in=set(partner_ids), active=True)
        .exclude(webhook_url="")
        .values_list("pk", flat=True)
    )


def _sharing(case_id: int, category: str | None = None) -> list[int]:
    """The partners the case is shared with now (with ``category``: under that data category)."""
    candidates = set(Referral.objects.active().filter(case_id=case_id).values_list("partner_id", flat=True))
    return [
        partner_id
        for partner_id in sorted(candidates)
        if shared_case_ids(partner_id, category).filter(case_id=case_id).exists()
    ]


def _queue(event: CaseEvent, kind: str, partner_ids) -> list[Reminder]:
    """One pending row per endpoint, due at once; a row that exists already stays as it is."""
    rows = [
        Reminder(
            kind=kind,
            channel=ReminderChannel.WEBHOOK,
            subject_type=EVENT_SUBJECT,
            subject_id=event.pk,
            recipient_key=f"partner:{partner_id}",
            due_at=event.occurred_at,
            case_id=event.case_id,
            partner_id=partner_id,
        )
        for partner_id in _endpoints(partner_ids)
    ]
    return Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def referral_created(event: CaseEvent, referral: Referral) -> list[Reminder]:
    return _queue(event, ReminderKind.EVENT_REFERRAL_CREATED, [referral.partner_id])


def referral_withdrawn(event: CaseEvent, referral: Referral) -> list[Reminder]:
    return _queue(event, ReminderKind.EVENT_REFERRAL_WITHDRAWN, [referral.partner_id])


def consent_withdrawn(event: CaseEvent, consent: Consent, referrals_ended: list[int]) -> list[Reminder]:
    """Only when the withdrawal ended referrals: a partner with none on the case had nothing of it."""
    if not referrals_ended:
        return []
    return _queue(event, ReminderKind.EVENT_CONSENT_WITHDRAWN, [consent.partner_id])


def case_transferred(event: CaseEvent, case: Case) -> list[Reminder]:
    return _queue(event, ReminderKind.EVENT_CASE_TRANSFERRED, _sharing(case.pk))


def hearing_scheduled(event: CaseEvent, hearing: Hearing) -> list[Reminder]:
    return _queue(
        event, ReminderKind.EVENT_HEARING_SCHEDULED, _sharing(hearing.case_id, DataCategory.HEARINGS)
    )


def hearing_changed(event: CaseEvent, hearing: Hearing) -> list[Reminder]:
    return _queue(event, ReminderKind.EVENT_HEARING_CHANGED, _sharing(hearing.case_id, DataCategory.HEARINGS))


# Sending


def _still_shared(reminder: Reminder, event: CaseEvent, category: str | None) -> bool:
    return shared_case_ids(reminder.partner_id, category).filter(case_id=event.case_id).exists()


def _referral_data(reminder: Reminder, event: CaseEvent) -> dict:
    payload = event.payload
    status = (
        ReferralStatus.PENDING if reminder.kind == ReminderKind.EVENT_REFERRAL_CREATED else payload["status"]
    )
    return {
        "referral": payload["referral_id"],
        "case_reference": event.case.reference,
        "service": payload["service"],
        "status": status,
    }


def _consent_data(reminder: Reminder, event: CaseEvent) -> dict:
    return {
        "case_reference": event.case.reference,
        "referrals": list(event.payload["referrals_ended"]),
        "status": ReferralStatus.WITHDRAWN,
    }


def _transfer_data(reminder: Reminder, event: CaseEvent) -> dict | Skip:
    if not _still_shared(reminder, event, None):
        return Skip("the case is no longer shared with the partner")
    to_consulate = Transfer.objects.values_list("to_consulate_id", flat=True).get(
        pk=event.payload["transfer_id"]
    )
    return {"case_reference": event.case.reference, "consulate": to_consulate}


def _hearing_data(reminder: Reminder, event: CaseEvent) -> dict | Skip:
    if not _still_shared(reminder, event, DataCategory.HEARINGS):
        return Skip("the partner's consent no longer covers hearings")
    payload = event.payload
    hearing = {
        "id": payload["hearing_id"],
        "kind": payload["hearing_kind"],
        "starts_at": dt.datetime.fromisoformat(payload["starts_at"]).astimezone(dt.UTC).isoformat(),
        "location": payload["location"],
        "status": payload.get("status", "scheduled"),  # a new hearing is scheduled
    }
    return {"case_reference": event.case.reference, "hearing": hearing}


DATA = {
    ReminderKind.EVENT_REFERRAL_CREATED: _referral_data,
    ReminderKind.EVENT_REFERRAL_WITHDRAWN: _referral_data,
    ReminderKind.EVENT_CONSENT_WITHDRAWN: _consent_data,
    ReminderKind.EVENT_CASE_TRANSFERRED: _transfer_data,
    ReminderKind.EVENT_HEARING_SCHEDULED: _hearing_data,
    ReminderKind.EVENT_HEARING_CHANGED: _hearing_data,
}


def build(reminder: Reminder) -> Outgoing | Skip:
    """The signed POST of one event to one partner, or why it is no longer sent."""
    partner = reminder.partner
    if partner is None or not partner.active:
        return Skip("the partner is not active")
    if not partner.webhook_url:
        return Skip("the partner has no webhook")
    event = CaseEvent.objects.select_related("case").filter(pk=reminder.subject_id).first()
    if event is None:
        return Skip("the event no longer exists")
    data = DATA[reminder.kind](reminder, event)
    if isinstance(data, Skip):
        return data
    payload = {"type": EVENT_TYPES[reminder.kind], "timestamp": reminder.due_at.isoformat(), "data": data}
    return Outgoing(
        to=[partner.webhook_url],
        subject=payload["type"],
        body="",
        reference=f"reminder-{reminder.pk}",
        payload=payload,
        secret=partner.webhook_secret,
    )
