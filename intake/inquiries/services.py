"""Writing inquiries: record (staff) or send (a partner), change, assign, locate, answer, forward,
withdraw. Linking to a person and converting into a person and a case are in ``conversion``.

Every write: ``authorize`` first, one transaction, the inquiry re-read under a row lock, the version the
writer saw checked (``expected_version``: a stale write is refused, nothing saved), field errors in the
user's language, ``version`` increased.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identifiers import normalize_a_number
from consulates.models import Consulate, DetentionFacility
from consulates.policy import authorize, holders, partner_of
from intake.models import (
    LOCATED_RESULTS,
    Channel,
    Inquiry,
    InquiryStatus,
    LocateAttempt,
    LocateResult,
    LocateWhere,
    Urgency,
)

# What a caller tells about themselves and the person sought, and how the inquiry is handled: what
# ``inquiry_record`` and ``inquiry_update`` take.
CALLER_FIELDS = ("caller_name", "caller_relationship", "caller_phone", "caller_language")
SOUGHT_FIELDS = (
    "sought_given_names",
    "sought_paternal_surname",
    "sought_maternal_surname",
    "sought_date_of_birth",
    "sought_birthplace",
    "sought_a_number",
    "arrest_place",
    "arrested_on",
    "details",
)
EDITABLE_FIELDS = ("channel", "received_at", "urgency", *CALLER_FIELDS, *SOUGHT_FIELDS)
CLOCK_SKEW = dt.timedelta(minutes=5)


def deadline(consulate: Consulate, urgency: str, received_at: dt.datetime) -> dt.datetime:
    """When the caller must have an answer: the consulate's hours for the urgency, from reception."""
    hours = consulate.inquiry_hours_urgent if urgency == Urgency.URGENT else consulate.inquiry_hours_normal
    return received_at + dt.timedelta(hours=hours)


def reminder_lead(inquiry: Inquiry) -> dt.timedelta:
    """How long before the deadline the assignee is reminded: a quarter of the time to answer."""
    return (inquiry.respond_by - inquiry.received_at) / 4


def _clean(values: dict) -> dict:
    """Tidy what was typed and check it; raises field errors (all at once)."""
    errors: dict[str, list] = {}
    cleaned = dict(values)
    for name, value in values.items():
        if isinstance(value, str) and name != "details":
            cleaned[name] = " ".join(value.split())
    if "channel" in cleaned and cleaned["channel"] not in Channel.values:
        errors["channel"] = [_("Choose how the inquiry arrived.")]
    if "urgency" in cleaned and cleaned["urgency"] not in Urgency.values:
        errors["urgency"] = [_("Choose the urgency.")]
    if cleaned.get("sought_a_number"):
        try:
            cleaned["sought_a_number"] = normalize_a_number(cleaned["sought_a_number"])
        except ValidationError as exc:
            errors["sought_a_number"] = exc.messages
    now = timezone.now()
    if cleaned.get("received_at") and cleaned["received_at"] > now + CLOCK_SKEW:
        errors["received_at"] = [_("This time cannot be in the future.")]
    today = timezone.localdate()
    for name in ("sought_date_of_birth", "arrested_on"):
        if cleaned.get(name) and cleaned[name] > today + dt.timedelta(days=1):
            errors[name] = [_("This date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _require_someone(inquiry: Inquiry) -> None:
    """An inquiry seeks someone: a name (a given name or a surname) or an A-number."""
    named = inquiry.sought_given_names or inquiry.sought_paternal_surname or inquiry.sought_maternal_surname
    if not (named or inquiry.sought_a_number):
        raise ValidationError(
            {"sought_paternal_surname": _("Write at least a name or the A-number of the person sought.")}
        )


def _require_assignable(consulate_id: int, assignee) -> None:
    if assignee is None:
        return
    if not holders("case.assignee", consulate_id).filter(pk=assignee.pk).exists():
        raise ValidationError(
            {"assigned_to": _("Choose an active officer or supervisor of the inquiry's consulate.")}
        )


def lock(inquiry: Inquiry | int) -> Inquiry:
    pk = inquiry if isinstance(inquiry, int) else inquiry.pk
    return Inquiry.objects.select_for_update().select_related("consulate").get(pk=pk)


def inquiry_write(inquiry: Inquiry | int, actor, *, expected_version: int | None = None) -> Inquiry:
    """The first steps of every change: lock, ask the policy, check the version, refuse a closed one."""
    inquiry = lock(inquiry)
    authorize(actor, "inquiry.work", inquiry)
    if expected_version is not None and inquiry.version != expected_version:
        raise ValidationError(
            _("Someone else changed this inquiry while you were editing it. Reload the page and try again."),
            code="stale",
        )
    if inquiry.status != InquiryStatus.OPEN:
        raise ValidationError(_("This inquiry is closed."), code="closed")
    return inquiry


def save(inquiry: Inquiry, fields: list[str]) -> Inquiry:
    inquiry.version += 1
    inquiry.save(update_fields=[*fields, "version", "updated_at"])
    return inquiry


@transaction.atomic
def inquiry_record(*, actor, consulate: Consulate, assigned_to=None, **fields) -> Inquiry:
    """Record an inquiry staff received (by phone, in person...): the deadline is the consulate's."""
    authorize(actor, "inquiry.record", consulate)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown inquiry fields: {sorted(unknown)}")
    if not fields.get("channel"):
        raise ValidationError({"channel": _("Choose how the inquiry arrived.")})
    cleaned = _clean(fields)
    cleaned["received_at"] = cleaned.get("received_at") or timezone.now()
    cleaned["urgency"] = cleaned.get("urgency") or Urgency.NORMAL
    inquiry = Inquiry(consulate=consulate, created_by=actor, assigned_to=assigned_to, **cleaned)
    _require_someone(inquiry)
    _require_assignable(consulate.pk, assigned_to)
    inquiry.respond_by = deadline(consulate, inquiry.urgency, inquiry.received_at)
    inquiry.save()
    return inquiry


@transaction.atomic
def inquiry_send(*, actor, consulate: Consulate, sharing_basis: str, **fields) -> Inquiry:
    """A partner organisation's inquiry (the API): recorded for ``consulate`` with the basis on which
    the partner shares the family's data with the consulate (required)."""
    authorize(actor, "inquiry.send")
    if not (sharing_basis or "").strip():
        raise ValidationError({"sharing_basis": _("Say on what basis you share this person's data.")})
    fields = {name: value for name, value in fields.items() if value not in (None, "")}
    unknown = set(fields) - {"urgency", *CALLER_FIELDS, *SOUGHT_FIELDS}
    if unknown:
        raise TypeError(f"Unknown inquiry fields: {sorted(unknown)}")
    cleaned = _clean(fields)
    inquiry = Inquiry(
        consulate=consulate,
        channel=Channel.NGO,
        received_at=timezone.now(),
        partner_id=partner_of(actor),
        sharing_basis=sharing_basis.strip(),
        created_by=actor,
        **cleaned,
    )
    _require_someone(inquiry)
    inquiry.respond_by = deadline(consulate, inquiry.urgency, inquiry.received_at)
    inquiry.save()
    return inquiry


@transaction.atomic
def inquiry_update(*, actor, inquiry: Inquiry, expected_version: int | None = None, **changes) -> Inquiry:
    """Change what was recorded; a new urgency or reception time moves the deadline."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown inquiry fields: {sorted(unknown)}")
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    cleaned = _clean(changes)
    if "channel" in changes and not changes["channel"]:
        raise ValidationError({"channel": _("Choose how the inquiry arrived.")})
    changed = [name for name, value in cleaned.items() if getattr(inquiry, name) != value]
    for name in changed:
        setattr(inquiry, name, cleaned[name])
    _require_someone(inquiry)
    if {"urgency", "received_at"} & set(changed):
        inquiry.respond_by = deadline(inquiry.consulate, inquiry.urgency, inquiry.received_at)
        changed.append("respond_by")
    return save(inquiry, changed)


@transaction.atomic
def inquiry_assign(*, actor, inquiry: Inquiry, assignee, expected_version: int | None = None) -> Inquiry:
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    _require_assignable(inquiry.consulate_id, assignee)
    inquiry.assigned_to = assignee
    return save(inquiry, ["assigned_to"])


@transaction.atomic
def locate_attempt_add(
    *,
    actor,
    inquiry: Inquiry,
    where: str,
    result: str,
    searched_for: str = "",
    facility: DetentionFacility | None = None,
    notes: str = "",
    attempted_at: dt.datetime | None = None,
) -> LocateAttempt:
    """One search for the person sought. The first result that says where the person is (found,
    released, moved out of the area, returned to Mexico) sets when the person was located."""
    inquiry = inquiry_write(inquiry, actor)
    errors: dict[str, list] = {}
    if where not in LocateWhere.values:
        errors["where"] = [_("Choose where you searched.")]
    if result not in LocateResult.values:
        errors["result"] = [_("Choose what the search gave.")]
    if result == LocateResult.FOUND and facility is None:
        errors["facility"] = [_("Choose the facility where the person is held.")]
    now = timezone.now()
    attempted_at = attempted_at or now
    if attempted_at > now + CLOCK_SKEW:
        errors["attempted_at"] = [_("This time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    attempt = LocateAttempt.objects.create(
        inquiry=inquiry,
        where=where,
        result=result,
        searched_for=" ".join((searched_for or "").split()),
        facility=facility,
        notes=(notes or "").strip(),
        attempted_at=attempted_at,
        officer=actor,
    )
    fields = []
    if inquiry.located_at is None and result in LOCATED_RESULTS:
        inquiry.located_at = attempted_at
        fields.append("located_at")
    save(inquiry, fields)
    return attempt


@transaction.atomic
def inquiry_answer(*, actor, inquiry: Inquiry, answer: str, expected_version: int | None = None) -> Inquiry:
    """Close the inquiry with the answer given to the caller (required)."""
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer given to the caller.")})
    inquiry.status = InquiryStatus.ANSWERED
    inquiry.answer = answer
    inquiry.answered_at = timezone.now()
    inquiry.answered_by = actor
    return save(inquiry, ["status", "answer", "answered_at", "answered_by"])


@transaction.atomic
def inquiry_withdraw(*, actor, inquiry: Inquiry, reason: str, expected_version: int | None = None) -> Inquiry:
    """Close an inquiry nobody needs answered any more (the family found the person, called twice):
    the reason is kept where an answer would be."""
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the inquiry is withdrawn.")})
    inquiry.status = InquiryStatus.WITHDRAWN
    inquiry.answer = reason
    inquiry.answered_at = timezone.now()
    inquiry.answered_by = actor
    return save(inquiry, ["status", "answer", "answered_at", "answered_by"])


@transaction.atomic
def inquiry_forward(
    *, actor, inquiry: Inquiry, to_consulate: Consulate | None, note: str, expected_version: int | None = None
) -> Inquiry:
    """Send the inquiry to another consulate (the person is in its district): the receiver works on it
    from now on, unassigned, with the same deadline (the caller is waiting all the same); the sender
    keeps reading where it went, when and the note."""
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    errors: dict[str, list] = {}
    if to_consulate is None or to_consulate.pk == inquiry.consulate_id:
        errors["to_consulate"] = [_("Choose another consulate.")]
    note = " ".join((note or "").split())
    if not note:
        errors["note"] = [_("Tell the other consulate why you send it the inquiry.")]
    if errors:
        raise ValidationError(errors)
    inquiry.forwarded_from_id = inquiry.consulate_id
    inquiry.consulate = to_consulate
    inquiry.assigned_to = None
    inquiry.forwarded_at = timezone.now()
    inquiry.forward_note = note
    return save(inquiry, ["forwarded_from", "consulate", "assigned_to", "forwarded_at", "forward_note"])
