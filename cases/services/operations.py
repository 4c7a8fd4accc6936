"""Enforcement operations (a raid, a sweep) and the cases they produced: recording and editing an
operation, attaching a case to it (a detainee list's import does), and the bulk actions on its cases."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Operation
from cases.models.case import Status
from cases.models.identity import ArrestingAgency
from cases.services.cases import case_assign
from cases.services.common import case_write, touch
from cases.services.work import task_add
from consulates.models import Consulate
from consulates.policy import authorize

OPERATION_FIELDS = ("name", "date", "place", "agency", "description")


def _clean(fields: dict) -> dict:
    cleaned = {
        "name": " ".join((fields.get("name") or "").split())[:160],
        "date": fields.get("date"),
        "place": " ".join((fields.get("place") or "").split())[:200],
        "agency": fields.get("agency") or ArrestingAgency.UNKNOWN,
        "description": (fields.get("description") or "").strip(),
    }
    errors = {}
    if not cleaned["name"]:
        errors["name"] = _("Give the operation a name (e.g. the city and the dates).")
    if not isinstance(cleaned["date"], dt.date):
        errors["date"] = _("Enter the date of the operation.")
    elif cleaned["date"] > timezone.localdate() + dt.timedelta(days=1):
        errors["date"] = _("The date of the operation cannot be in the future.")
    if cleaned["agency"] not in ArrestingAgency.values:
        errors["agency"] = _("Choose the agency.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def operation_create(*, actor, consulate: Consulate, **fields) -> Operation:
    authorize(actor, "operation.manage", Operation(consulate=consulate))
    unknown = set(fields) - set(OPERATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown operation fields: {sorted(unknown)}")
    return Operation.objects.create(consulate=consulate, created_by=actor, **_clean(fields))


@transaction.atomic
def operation_update(*, actor, operation: Operation, **fields) -> Operation:
    authorize(actor, "operation.manage", operation)
    unknown = set(fields) - set(OPERATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown operation fields: {sorted(unknown)}")
    locked = Operation.objects.select_for_update().get(pk=operation.pk)
    current = {name: getattr(locked, name) for name in OPERATION_FIELDS}
    for name, value in _clean({**current, **fields}).items():
        setattr(locked, name, value)
    locked.save()
    return locked


@transaction.atomic
def operation_case_attach(*, actor, operation: Operation, case: Case) -> Case:
    """Record that ``case`` came from ``operation`` (same consulate): a change to the case like any other
    (locked, its version and last activity moved on: ``case_write`` and ``touch``)."""
    authorize(actor, "operation.manage", operation)
    case = case_write(case, actor, "case.work")
    if case.consulate_id != operation.consulate_id:
        raise ValidationError({"operation": _("Choose an operation of the case's consulate.")})
    if case.operation_id != operation.pk:
        case.operation = operation
        touch(case, actor, fields=["operation"])
    return case


def _open_cases(operation: Operation, case_ids: list[int]):
    return list(
        Case.objects.filter(operation=operation, pk__in=case_ids).exclude(status=Status.CLOSED).order_by("pk")
    )


def operation_cases_assign(
    *, actor, operation: Operation, case_ids: list[int], assignee
) -> tuple[int, list[str]]:
    """Assign the chosen open cases of the operation; each case on its own (``case_assign``), so one refused
    case does not stop the others. Returns how many were assigned and the refusals (by reference)."""
    authorize(actor, "operation.manage", operation)
    done, refused = 0, []
    for case in _open_cases(operation, case_ids):
        try:
            case_assign(actor=actor, case=case, assignee=assignee)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"{case.reference}: {' '.join(getattr(error, 'messages', [str(error)]))}")
    return done, refused


def operation_cases_task(
    *, actor, operation: Operation, case_ids: list[int], title: str, due_date=None, assignee=None
) -> tuple[int, list[str]]:
    """Add the same task to each chosen open case of the operation (``task_add``), case by case. A
    facility visit is planned this way for now (a task "Visit ..." with its date): there is no visit model."""
    authorize(actor, "operation.manage", operation)
    if not (title or "").strip():
        raise ValidationError({"title": _("Say what needs to be done.")})
    done, refused = 0, []
    for case in _open_cases(operation, case_ids):
        try:
            task_add(actor=actor, case=case, title=title, due_date=due_date, assignee=assignee)
            done += 1
        except (ValidationError, PermissionDenied) as error:
            refused.append(f"{case.reference}: {' '.join(getattr(error, 'messages', [str(error)]))}")
    return done, refused
