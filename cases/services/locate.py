"""The locate history of a case: each search for the person (where, with what, what it gave). A search
that found the person in custody confirms the case's custody (``custody_verified_at``) and, in the same
step, records it: a move when the facility is another, the check when it is the one the case shows."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case
from cases.models.custody import SOURCE_OF_SEARCH, CaseLocateAttempt, CustodySource, LocateResult, LocateWhere
from cases.services.common import case_write, touch
from cases.services.custody import custody_move
from cases.services.verification import verify_tasks_complete
from consulates.models import DetentionFacility

CLOCK_SKEW = dt.timedelta(minutes=5)


def _clean(where, result, facility, attempted_at, now) -> dict:
    errors: dict[str, list] = {}
    if where not in LocateWhere.values:
        errors["where"] = [_("Choose where you searched.")]
    if result not in LocateResult.values:
        errors["result"] = [_("Choose what the search gave.")]
    if result == LocateResult.FOUND and not isinstance(facility, DetentionFacility):
        errors["facility"] = [_("Choose the facility where the person is held.")]
    if attempted_at > now + CLOCK_SKEW:
        errors["attempted_at"] = [_("This time cannot be in the future.")]
    return errors


@transaction.atomic
def locate_attempt_record(
    *,
    actor,
    case: Case,
    where: str,
    result: str,
    searched_for: str = "",
    facility: DetentionFacility | None = None,
    notes: str = "",
    attempted_at: dt.datetime | None = None,
    record_custody: bool = False,
) -> CaseLocateAttempt:
    """One search for the person of ``case``. With ``record_custody``, a "found" result also records
    the custody: a move to ``facility`` from the day of the search (in the consulate's calendar) when the
    case shows another facility or none; else the custody is marked verified."""
    case = case_write(case, actor, "case.work")
    now = timezone.now()
    attempted_at = attempted_at or now
    errors = _clean(where, result, facility, attempted_at, now)
    if errors:
        raise ValidationError(errors)
    attempt = CaseLocateAttempt.objects.create(
        case=case,
        where=where,
        result=result,
        searched_for=" ".join((searched_for or "").split()),
        facility=facility if result == LocateResult.FOUND or facility else None,
        notes=(notes or "").strip(),
        attempted_at=attempted_at,
        officer=actor,
    )
    events.locate_attempted(case, actor, attempt=attempt)
    if result != LocateResult.FOUND:
        touch(case, actor)
        return attempt
    shown_elsewhere = case.facility_id != facility.pk or not case.in_custody
    if record_custody and shown_elsewhere:
        day = attempted_at.astimezone(zoneinfo.ZoneInfo(case.consulate.timezone)).date()
        custody_move(
            actor=actor,
            case=case,
            facility=facility,
            since=day,
            source=SOURCE_OF_SEARCH.get(where, CustodySource.OTHER),
            notes=_("Recorded from a search for the person."),
        )
        return attempt
    if not shown_elsewhere:
        # The person is where the case says: custody confirmed.
        case.custody_verified_at = now
        events.custody_verified(case, actor)
        verify_tasks_complete(case, actor)
        touch(case, actor, fields=["custody_verified_at"])
        return attempt
    touch(case, actor)
    return attempt


def locate_attempts_copy(*, case: Case, attempts) -> list[CaseLocateAttempt]:
    """The searches of an inquiry the case was opened from, copied into the case's locate history (the
    inquiry keeps its own); called by the conversion inside its transaction."""
    copies = [
        CaseLocateAttempt(
            case=case,
            where=attempt.where,
            result=attempt.result,
            searched_for=attempt.searched_for,
            facility_id=attempt.facility_id,
            notes=attempt.notes,
            attempted_at=attempt.attempted_at,
            officer_id=attempt.officer_id,
            from_inquiry=attempt.inquiry_id,
        )
        for attempt in attempts
    ]
    return CaseLocateAttempt.objects.bulk_create(copies)
