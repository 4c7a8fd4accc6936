"""The hand-off to the Mexican reception point and the belongings the facility held."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Belonging, Case, RepatriationHandoff
from cases.models.repatriation import BelongingKind, BelongingStatus, IdentityDocument
from cases.models.work import EventKind
from cases.reminders import schedule
from cases.services.common import case_write, lock_case, refuse_if_closed, touch
from cases.services.removal import acknowledge_pending
from consulates.policy import authorize

HANDOFF_FIELDS = (
    "medical_needs",
    "medication",
    "disability",
    "minors_travelling",
    "minors_details",
    "needs_shelter",
    "needs_transport_home",
    "destination",
    "documents_held",
    "documents_missing",
    "family_contact_name",
    "family_contact_phone",
    "family_contact_relationship",
    "belongings_notes",
    "notes",
)


# What the hand-off copies from the case's removal plan (it follows the case until the reception is
# confirmed): the case's field -> the hand-off's.
FROM_CASE = {
    "expected_removal_date": "removal_date",
    "expected_removal_time": "removal_time",
    "removal_mode": "removal_mode",
    "removal_carrier": "removal_carrier",
    "removal_flight_number": "removal_flight_number",
    "reception_point": "reception_point",
}


def _from_case(case: Case) -> dict:
    return {theirs: getattr(case, ours) for ours, theirs in FROM_CASE.items()}


def _clean_handoff(values: dict) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name in HANDOFF_FIELDS:
        if name not in values:
            continue
        value = values[name]
        if name in ("documents_held", "documents_missing"):
            value = [d for d in IdentityDocument.values if d in set(value or [])]
            if set(values[name] or []) - set(IdentityDocument.values):
                errors[name] = [_("Choose only from the listed documents.")]
        elif name == "minors_travelling":
            value = value or 0
            if value < 0 or value > 30:
                errors[name] = [_("Enter the number of minors travelling (0 to 30).")]
        elif name in ("needs_shelter", "needs_transport_home"):
            value = bool(value)
        else:
            value = (value or "").strip()
        cleaned[name] = value
    held, missing = set(cleaned.get("documents_held", [])), set(cleaned.get("documents_missing", []))
    if held & missing:
        errors["documents_missing"] = [_("A document cannot be both held and missing.")]
    if cleaned.get("minors_travelling") and not cleaned.get("minors_details", values.get("minors_details")):
        errors.setdefault("minors_details", []).append(_("Say who the minors are (ages, relationship)."))
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def handoff_prepare(*, actor, case: Case, warnings_reason: str = "", **values) -> RepatriationHandoff:
    """Prepare the hand-off sheet once the case has a removal date and a reception point. With
    ``warnings_reason``, the officer also records why the removal goes ahead despite the warnings about
    a vulnerable person's removal (``cases.services.removal``). Cancels the 48-hour reminder of a
    removal without a hand-off."""
    case = case_write(case, actor, "case.work")
    errors = {}
    if not case.expected_removal_date:
        errors["expected_removal_date"] = [_("Record the expected removal date on the case first.")]
    if not case.reception_point_id:
        errors["reception_point"] = [_("Record the reception point on the case first.")]
    elif not case.reception_point.offered:
        errors["reception_point"] = [
            _(
                "The case's reception point is closed or no longer designated: choose another on the case first."
            )
        ]
    if errors:
        raise ValidationError(errors)
    if RepatriationHandoff.objects.filter(case=case).exists():
        raise ValidationError(_("This case already has a hand-off; update it instead."), code="exists")
    unknown = set(values) - set(HANDOFF_FIELDS)
    if unknown:
        raise TypeError(f"Not a hand-off field: {sorted(unknown)}")
    cleaned = _clean_handoff(values)
    if warnings_reason.strip():
        acknowledge_pending(case, actor, warnings_reason)
    handoff = RepatriationHandoff.objects.create(case=case, prepared_by=actor, **_from_case(case), **cleaned)
    events.handoff_changed(case, actor, handoff=handoff, kind=EventKind.HANDOFF_PREPARED)
    touch(case, actor)
    schedule.handoff_reminder_sync(handoff)
    schedule.removal_reminder_sync(case)
    return handoff


@transaction.atomic
def handoff_update(
    *, actor, handoff: RepatriationHandoff, warnings_reason: str = "", **values
) -> RepatriationHandoff:
    """Change the needs, documents or family contact; the removal plan (date, time, mode, carrier or
    flight, reception point) follows the case. ``warnings_reason`` as in ``handoff_prepare``."""
    case = lock_case(handoff.case_id)
    handoff = (
        RepatriationHandoff.objects.select_for_update().select_related("reception_point").get(pk=handoff.pk)
    )
    authorize(actor, "case.work", case)
    refuse_if_closed(case)
    if handoff.confirmed_at is not None:
        raise ValidationError(_("The reception was already confirmed; the hand-off can no longer change."))
    unknown = set(values) - set(HANDOFF_FIELDS)
    if unknown:
        raise TypeError(f"Not a hand-off field: {sorted(unknown)}")
    merged = {name: getattr(handoff, name) for name in HANDOFF_FIELDS}
    merged.update(values)
    cleaned = _clean_handoff(merged)
    if case.expected_removal_date and case.reception_point_id:
        cleaned |= _from_case(case)
    acknowledged = acknowledge_pending(case, actor, warnings_reason) if warnings_reason.strip() else []
    changed = [name for name, value in cleaned.items() if getattr(handoff, name) != value]
    if not changed:
        if acknowledged:
            touch(case, actor)
        return handoff
    for name in changed:
        setattr(handoff, name, cleaned[name])
    handoff.save(update_fields=[*changed, "updated_at"])
    # Field names only: the values (health, family phone) stay in the hand-off and its history.
    events.handoff_changed(
        case, actor, handoff=handoff, kind=EventKind.HANDOFF_UPDATED, changes={"fields": changed}
    )
    touch(case, actor)
    schedule.handoff_reminder_sync(handoff)
    return handoff


@transaction.atomic
def handoff_confirm(
    *,
    actor,
    handoff: RepatriationHandoff,
    received_by_name: str,
    received_at: dt.datetime | None = None,
    notes: str = "",
) -> RepatriationHandoff:
    """Record that the reception point received the person (who there, when, notes)."""
    case = lock_case(handoff.case_id)
    handoff = (
        RepatriationHandoff.objects.select_for_update().select_related("reception_point").get(pk=handoff.pk)
    )
    authorize(actor, "handoff.confirm", case)
    if handoff.confirmed_at is not None:
        raise ValidationError(_("The reception was already confirmed."), code="confirmed")
    errors = {}
    if not (received_by_name or "").strip():
        errors["received_by_name"] = [_("Who received the person at the reception point?")]
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=5):
        errors["received_at"] = [_("This time cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    handoff.confirmed_at = received_at
    handoff.received_by_name = received_by_name.strip()
    handoff.confirmation_notes = (notes or "").strip()
    handoff.confirmation_recorded_by = actor
    handoff.save(
        update_fields=[
            "confirmed_at",
            "received_by_name",
            "confirmation_notes",
            "confirmation_recorded_by",
            "updated_at",
        ]
    )
    events.handoff_changed(case, actor, handoff=handoff, kind=EventKind.HANDOFF_CONFIRMED)
    touch(case, actor)
    schedule.handoff_reminder_sync(handoff)
    return handoff


@transaction.atomic
def belonging_record(
    *, actor, case: Case, kind: str, description: str = "", amount: Decimal | None = None
) -> Belonging:
    """Record on intake a document or belonging the facility holds."""
    case = case_write(case, actor, "case.work")
    errors = {}
    if kind not in BelongingKind.values:
        errors["kind"] = [_("Choose what the facility holds.")]
    if amount is not None and amount < 0:
        errors["amount"] = [_("The amount cannot be negative.")]
    if kind == BelongingKind.CASH and amount is None:
        errors["amount"] = [_("Enter the amount of cash held.")]
    if kind == BelongingKind.OTHER and not (description or "").strip():
        errors["description"] = [_("Describe the belonging.")]
    if errors:
        raise ValidationError(errors)
    belonging = Belonging.objects.create(
        case=case, kind=kind, description=(description or "").strip(), amount=amount, recorded_by=actor
    )
    events.belonging_changed(case, actor, belonging=belonging, kind=EventKind.BELONGING_RECORDED)
    touch(case, actor)
    return belonging


@transaction.atomic
def belonging_resolve(*, actor, belonging: Belonging, status: str, note: str = "") -> Belonging:
    """At release or removal: returned to the person, or missing. Final."""
    case = lock_case(belonging.case_id)
    belonging = Belonging.objects.select_for_update().get(pk=belonging.pk)
    authorize(actor, "case.work", case)
    if belonging.status != BelongingStatus.HELD:
        raise ValidationError(
            _("This belonging was already marked %(status)s.")
            % {"status": belonging.get_status_display().lower()}
        )
    if status not in (BelongingStatus.RETURNED, BelongingStatus.MISSING):
        raise ValidationError({"status": _("Mark it returned or missing.")})
    if status == BelongingStatus.MISSING and not (note or "").strip():
        raise ValidationError({"resolution_note": _("Say what is known about the missing item.")})
    belonging.status = status
    belonging.resolved_by = actor
    belonging.resolved_at = timezone.now()
    belonging.resolution_note = (note or "").strip()
    belonging.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    events.belonging_changed(case, actor, belonging=belonging, kind=EventKind.BELONGING_RESOLVED)
    touch(case, actor)
    return belonging
