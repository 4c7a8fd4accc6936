"""The operations pages (``/imports/operations/``): the consulate's enforcement operations, each with the
cases it produced and the bulk actions on them (assign, add a task, plan a facility visit: a task for now,
there is no visit model). Every write is a service of ``cases.services.operations``."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.access import AccessAction, record_access
from cases.models import Case, Operation
from cases.reports.forms import operation_query
from cases.selectors import assignable_users
from cases.services.operations import (
    operation_cases_assign,
    operation_cases_task,
    operation_create,
    operation_update,
)
from consulates.models import Consulate
from consulates.policy import can, reach
from intake.imports.forms import BulkForm, OperationForm

OPERATION_CASES = 500


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


def _staff(request) -> None:
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


def _operation(request, pk: int) -> Operation:
    _staff(request)
    return get_object_or_404(Operation.objects.visible_to(request.user).select_related("consulate"), pk=pk)


@staff_member_required
@require_GET
def operation_list(request):
    _staff(request)
    operations = (
        Operation.objects.visible_to(request.user)
        .select_related("consulate")
        .annotate(
            case_count=Count(
                "cases", filter=Q(cases__in=Case.objects.visible_to(request.user)), distinct=True
            )
        )[:200]
    )
    context = {
        "title": _("Operations"),
        "operations": operations,
        "can_manage": can(request.user, "import.run"),
    }
    return _page(request, "intake/imports/operations.html", context)


@staff_member_required
def operation_new(request):
    _staff(request)
    consulates = Consulate.objects.filter(reach(request.user).q("pk")).order_by("city")
    if not can(request.user, "import.run") or not consulates.exists():
        raise PermissionDenied
    form = OperationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        consulate = consulates.filter(pk=request.POST.get("consulate")).first() or consulates.first()
        try:
            operation = operation_create(actor=request.user, consulate=consulate, **form.cleaned_data)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Operation recorded."))
            return redirect("imports:operation", operation.pk)
    context = {"title": _("New operation"), "form": form, "consulates": consulates}
    return _page(request, "intake/imports/operation_form.html", context, status=400 if form.errors else 200)


@staff_member_required
def operation_edit(request, pk: int):
    operation = _operation(request, pk)
    if not can(request.user, "operation.manage", operation):
        raise PermissionDenied
    initial = {name: getattr(operation, name) for name in ("name", "date", "place", "agency", "description")}
    form = OperationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            operation_update(actor=request.user, operation=operation, **form.cleaned_data)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Operation saved."))
            return redirect("imports:operation", operation.pk)
    context = {"title": _("Edit the operation"), "form": form, "operation": operation}
    return _page(request, "intake/imports/operation_form.html", context, status=400 if form.errors else 200)


def _cases(request, operation: Operation):
    return list(
        Case.objects.visible_to(request.user)
        .filter(operation=operation)
        .select_related("person", "facility", "assigned_to")
        .order_by("reference")[:OPERATION_CASES]
    )


def _bulk_form(request, operation: Operation, cases, data=None) -> BulkForm:
    return BulkForm(
        data,
        case_choices=[(case.pk, case.reference) for case in cases],
        assignees=assignable_users(operation.consulate_id),
        prefix="bulk",
    )


@staff_member_required
@require_GET
def operation_page(request, pk: int):
    operation = _operation(request, pk)
    return _render(request, operation)


def _summary(request, operation: Operation) -> dict:
    """The operation's cases in numbers (one query): open, in custody, consular contact made or not yet."""
    cases = Case.objects.visible_to(request.user).filter(operation=operation)
    return cases.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=~Q(status="closed")),
        in_custody=Count("pk", filter=Q(facility__isnull=False, released_on__isnull=True)),
        contacted=Count("pk", filter=Q(first_contact_at__isnull=False)),
        not_contacted=Count("pk", filter=Q(first_contact_at__isnull=True) & ~Q(status="closed")),
    )


def _render(request, operation: Operation, *, form=None, status: int = 200):
    cases = _cases(request, operation)
    manage = can(request.user, "operation.manage", operation)
    context = {
        "title": operation.name,
        "operation": operation,
        "cases": cases,
        "more": len(cases) == OPERATION_CASES,
        "summary": _summary(request, operation),
        "can_manage": manage,
        "form": form or (_bulk_form(request, operation, cases) if manage else None),
        "selected": [int(pk) for pk in request.POST.getlist("bulk-cases") if pk.isdigit()],
        "reports_url": (
            reverse("reports:dashboard") + "?" + urlencode(operation_query(operation))
            if can(request.user, "report.view")
            else None
        ),
    }
    with timezone.override(zoneinfo.ZoneInfo(operation.consulate.timezone)):
        response = _page(request, "intake/imports/operation.html", context, status=status)
    record_access(request, AccessAction.LIST, what=f"operation #{operation.pk}: cases")
    return response


@staff_member_required
@require_POST
def operation_bulk(request, pk: int):
    operation = _operation(request, pk)
    if not can(request.user, "operation.manage", operation):
        raise PermissionDenied
    cases = _cases(request, operation)
    form = _bulk_form(request, operation, cases, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "assign":
                done, refused = operation_cases_assign(
                    actor=request.user, operation=operation, case_ids=data["cases"], assignee=data["assignee"]
                )
            else:
                title = data["title"]
                if data["action"] == "visit":
                    facility = _("the facility")
                    title = _("Visit %(facility)s on %(date)s") % {
                        "facility": facility,
                        "date": formats.date_format(data["due_date"], "DATE_FORMAT"),
                    } + (f": {title}" if title else "")
                done, refused = operation_cases_task(
                    actor=request.user,
                    operation=operation,
                    case_ids=data["cases"],
                    title=title,
                    due_date=data["due_date"],
                    assignee=data["assignee"],
                )
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Done for %(count)d cases.") % {"count": done})
            for message in refused:
                messages.warning(request, message)
            return redirect("imports:operation", operation.pk)
    return _render(request, operation, form=form, status=400)
