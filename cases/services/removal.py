"""The removal plan on the case (time on the reception point's clock, mode, carrier or flight number) and
the acknowledgement of the warnings about a vulnerable person's removal (decision 0025)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case, RemovalWarningAck
from cases.models.removal import MODE_POINT_KINDS, RemovalMode
from cases.selectors.repatriation import reception_warnings
from cases.services.common import case_write, touch
from consulates.policy import authorize

REMOVAL_FIELDS = ("expected_removal_time", "removal_mode", "removal_carrier", "removal_flight_number")
REMOVAL_TEXT_FIELDS = ("removal_mode", "removal_carrier", "removal_flight_number")
FLIGHT_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,10}[0-9]$")


def normalise_removal(values: dict) -> None:
    """Blank text for empty values; the carrier trimmed, the flight number trimmed and in capitals."""
    for name in REMOVAL_TEXT_FIELDS:
        values[name] = (values.get(name) or "").strip()
    values["removal_flight_number"] = values["removal_flight_number"].upper()


def removal_errors(values: dict) -> dict[str, list[str]]:
    """The removal plan's rules, field by field: a time needs a date; a flight lands at an airport and
    has a number; a bus or a person on foot crosses at a land port; a carrier is a bus's, a flight number
    a flight's. ``values`` holds the case's values after the change (``normalise_removal`` applied)."""
    errors: dict[str, list[str]] = {}
    mode, point = values.get("removal_mode"), values.get("reception_point")
    if values.get("expected_removal_time") and not values.get("expected_removal_date"):
        errors["expected_removal_time"] = [_("Record the removal date with its time.")]
    if mode and mode not in RemovalMode.values:
        errors["removal_mode"] = [_("Choose how the person is removed.")]
    elif mode in MODE_POINT_KINDS and point is not None and point.kind not in MODE_POINT_KINDS[mode]:
        if mode == RemovalMode.FLIGHT:
            message = _(
                "A flight arrives at an airport: choose an airport as the reception point, or another mode."
            )
        else:
            message = _(
                "A removal by bus or on foot arrives at a land port of entry: choose a land port as the "
                "reception point, or another mode."
            )
        errors["removal_mode"] = [message]
    number, carrier = values.get("removal_flight_number"), values.get("removal_carrier")
    if mode == RemovalMode.FLIGHT and not number:
        errors["removal_flight_number"] = [_("Enter the flight number.")]
    elif number and mode != RemovalMode.FLIGHT:
        errors["removal_flight_number"] = [_("A flight number is recorded only for a removal by flight.")]
    elif number and not FLIGHT_NUMBER.match(number):
        errors["removal_flight_number"] = [
            _("Enter the flight number as the airline gives it, e.g. AM 1234.")
        ]
    if carrier and mode != RemovalMode.BUS:
        errors["removal_carrier"] = [_("A carrier is recorded only for a removal by bus.")]
    return errors


def acknowledge_pending(case: Case, actor, reason: str) -> list[RemovalWarningAck]:
    """Inside a service holding the case's lock: record that ``actor`` saw the case's current removal
    warnings not yet acknowledged, and why the removal goes ahead. Nothing pending: nothing recorded.
    The warnings are computed again from the case as it is now, not taken from the page."""
    authorize(actor, "case.work", case)
    reason = (reason or "").strip()
    seen = set(RemovalWarningAck.objects.filter(case=case).values_list("key", flat=True))
    pending = [w for w in reception_warnings(case) if w.key not in seen]
    if not pending:
        return []
    if not reason:
        raise ValidationError({"warnings_reason": [_("Say why the removal goes ahead despite the warning.")]})
    # The case's row lock orders the acknowledgements of one case: no key is recorded twice.
    acks = [
        RemovalWarningAck.objects.create(
            case=case, key=w.key, warning=w.text, reason=reason, acknowledged_by=actor
        )
        for w in pending
    ]
    events.removal_warning_seen(case, actor, acks=acks)
    return acks


@transaction.atomic
def removal_warnings_acknowledge(*, actor, case: Case, reason: str) -> list[RemovalWarningAck]:
    """Record that ``actor`` saw the case's removal warnings and why the removal goes ahead (see
    ``acknowledge_pending``). Nothing to record (no warning, or all seen) returns an empty list."""
    case = case_write(case, actor, "case.work")
    acks = acknowledge_pending(case, actor, reason)
    if acks:
        touch(case, actor)
    return acks
