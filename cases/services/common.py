"""Shared guards for the case services: who may act, locking, activity bookkeeping."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case
from cases.models.case import Status
from consulates.policy import authorize, holders


def require_assignable(case: Case, assignee, *, field: str = "assignee") -> None:
    """Case work goes only to active officers and supervisors of the case's own consulate."""
    if assignee is None:
        return
    eligible = holders("case.assignee", case.consulate_id).filter(pk=assignee.pk).exists()
    if not eligible:
        raise ValidationError({field: _("Choose an active officer or supervisor of the case's consulate.")})


def lock_case(case: Case | int) -> Case:
    """Re-read the case under a row lock; every case write starts here."""
    pk = case if isinstance(case, int) else case.pk
    return Case.objects.select_for_update().select_related("person", "consulate").get(pk=pk)


def case_write(
    case: Case | int, actor, action: str, *, expected_version: int | None = None, open_only: bool = True
) -> Case:
    """The first steps of every write to a case, in this order: lock the case row, ask the policy
    (``action``; 403), check the version the writer saw (``expected_version``; stale), refuse a closed
    case (unless ``open_only`` is False: the action's own state check decides). Ends with ``touch``."""
    case = lock_case(case)
    authorize(actor, action, case)
    check_version(case, expected_version)
    if open_only:
        refuse_if_closed(case)
    return case


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ValidationError(
            _("Someone else changed this case while you were editing it. Reload the page and try again."),
            code="stale",
        )


def refuse_if_closed(case: Case) -> None:
    if case.status == Status.CLOSED:
        raise ValidationError(_("This case is closed. Reopen it first."), code="closed")


def bump(case: Case, now=None) -> None:
    """A change to the case: its version (the writers' optimistic lock) and its last activity."""
    case.last_activity_at = now or timezone.now()
    case.version += 1


def touch(case: Case, actor, *, fields: list[str] | None = None) -> None:
    """Record activity: bump the version, move an open case into progress, save the given fields."""
    bump(case)
    update_fields = set(fields or []) | {"last_activity_at", "version"}
    if case.status == Status.OPEN:
        case.status = Status.IN_PROGRESS
        update_fields.add("status")
        events.status_changed(case, actor, old=Status.OPEN, new=Status.IN_PROGRESS)
    case.save(update_fields=sorted(update_fields))


def constraint_violation(error: IntegrityError, model, *, field: str | None = None) -> ValidationError | None:
    """The ``ValidationError`` a database constraint violation stands for: the model's constraint that the
    database names, with its own ``violation_error_message`` and code (on ``field`` when given). ``None``
    when the error is not one of ``model``'s constraints (the caller re-raises it)."""
    diag = getattr(error.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    constraint = next((c for c in model._meta.constraints if c.name == name), None)
    if constraint is None:
        return None
    message = constraint.get_violation_error_message()
    code = constraint.violation_error_code
    if field is not None:
        return ValidationError({field: ValidationError(message, code=code)})
    return ValidationError(message, code=code)
