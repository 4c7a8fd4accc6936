"""Shared guards for the case services: who may act, locking, activity bookkeeping."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import Case
from cases.models.case import Status
from consulates.access import access_for
from consulates.models import Role, StaffMembership


def require_worker(actor, consulate_id: int) -> None:
    """Officers and supervisors of the consulate, and administrators, may write its case work."""
    access = access_for(actor)
    if not (access.can_work_cases and access.covers_consulate(consulate_id)):
        raise PermissionDenied(_("You cannot change case work of this consulate."))


def require_supervisor(actor, consulate_id: int) -> None:
    if not access_for(actor).can_supervise(consulate_id):
        raise PermissionDenied(_("Only a supervisor of this consulate can do this."))


def require_assignable(case: Case, assignee, *, field: str = "assignee") -> None:
    """Case work goes only to active officers and supervisors of the case's own consulate."""
    if assignee is None:
        return
    eligible = StaffMembership.objects.filter(
        user=assignee,
        user__is_active=True,
        consulate_id=case.consulate_id,
        role__in=[Role.OFFICER, Role.SUPERVISOR],
    ).exists()
    if not eligible:
        raise ValidationError({field: _("Choose an active officer or supervisor of the case's consulate.")})


def lock_case(case: Case | int) -> Case:
    """Re-read the case under a row lock; every case write starts here."""
    pk = case if isinstance(case, int) else case.pk
    return Case.objects.select_for_update().select_related("person", "consulate").get(pk=pk)


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and case.version != expected_version:
        raise ValidationError(
            _("Someone else changed this case while you were editing it. Reload the page and try again."),
            code="stale",
        )


def refuse_if_closed(case: Case) -> None:
    if case.status == Status.CLOSED:
        raise ValidationError(_("This case is closed. Reopen it first."), code="closed")


def touch(case: Case, actor, *, fields: list[str] | None = None) -> None:
    """Record activity: bump the version, move an open case into progress, save the given fields."""
    now = timezone.now()
    case.last_activity_at = now
    case.version += 1
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
