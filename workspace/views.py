"""The staff homes, the global search and the decisions taken from a queue. Thin: the queues are
``workspace.queues``, the search ``workspace.search``, every write a service of ``cases.services``."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.models import Case, Task, Transfer
from cases.services.lifecycle import case_close_approve, case_close_reject
from cases.services.transfers import transfer_accept, transfer_reject
from cases.services.work import task_complete
from consulates.policy import authorize, can
from workspace import queues
from workspace.search import search_results


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@staff_member_required
def home(request):
    """Each role's first page: officers and supervisors their queues, managers the reports, auditors the
    audit pages; anyone else the administration's index."""
    user = request.user
    if can(user, "case.work"):
        return _home(request)
    if can(user, "report.view"):
        return redirect("reports:dashboard")
    if can(user, "audit.view"):
        return _page(request, "workspace/home_audit.html", {"title": _("Audit")})
    return redirect("admin:index")


def _home(request, errors: dict | None = None, typed: dict | None = None, status: int = 200):
    user = request.user
    sections = [
        queues.my_open_cases(user),
        queues.my_tasks_due(user),
        queues.my_hearings(user),
        queues.art36_flags(user),
        queues.referrals_unanswered(user),
        queues.handoffs_unconfirmed(user),
    ]
    supervising = can(user, "case.close.approve")
    context = {
        "title": _("My work today"),
        "term": "",
        "queues": {queue.key: queue for queue in sections},
        "supervising": supervising,
        "errors": errors or {},
        "typed": typed or {},
        "can_register": can(user, "person.register"),
        "duplicates_open": queues.duplicates_open(user) if can(user, "duplicate_review.resolve") else None,
        "inquiries": queues.inquiry_counts(user),
    }
    if supervising:
        context["closures"] = queues.closures_awaiting(user)
        context["transfers"] = queues.transfers_incoming(user)
        context["team"] = queues.team_overdue(user)
    return _page(request, "workspace/home.html", context, status=status)


@staff_member_required
def search(request):
    authorize(request.user, "person.search")
    term = request.GET.get("q", "").strip()
    results = search_results(request, term) if term else None
    context = {
        "title": _("Search"),
        "term": term,
        "results": results,
        "can_register": can(request.user, "person.register"),
    }
    return _page(request, "workspace/search.html", context)


def _done(request, message: str):
    messages.success(request, message)
    return redirect(f"{reverse('workspace:home')}{request.POST.get('anchor', '')}")


@staff_member_required
@require_POST
def task_done(request, pk: int):
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
    try:
        task_complete(actor=request.user, task=task)
    except ValidationError as error:
        return _home(request, errors={f"task-{pk}": _messages(error)}, status=400)
    return _done(request, _("Task “%(title)s” is done.") % {"title": task.title})


@staff_member_required
@require_POST
def closure_decide(request, pk: int):
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    decision, reason = request.POST.get("decision"), request.POST.get("reason", "")
    version = request.POST.get("version")
    expected = int(version) if version and version.isdigit() else None
    try:
        if decision == "approve":
            case_close_approve(actor=request.user, case=case, expected_version=expected)
            message = _("The closure of %(reference)s is approved; the case is closed.")
        elif decision == "reject":
            case_close_reject(actor=request.user, case=case, reason=reason, expected_version=expected)
            message = _("The closure of %(reference)s was sent back to the officer.")
        else:
            raise ValidationError(_("Choose whether to approve or reject the closure."))
    except ValidationError as error:
        return _home(
            request, errors={f"closure-{pk}": _messages(error)}, typed={f"closure-{pk}": reason}, status=400
        )
    return _done(request, message % {"reference": case.reference})


@staff_member_required
@require_POST
def transfer_decide(request, pk: int):
    transfer = get_object_or_404(Transfer.objects.visible_to(request.user), pk=pk)
    decision, note = request.POST.get("decision"), request.POST.get("note", "")
    try:
        if decision == "accept":
            transfer_accept(actor=request.user, transfer=transfer, note=note)
            message = _("Case %(reference)s now belongs to your consulate.")
        elif decision == "reject":
            transfer_reject(actor=request.user, transfer=transfer, note=note)
            message = _("The transfer of %(reference)s was declined; the case stays where it was.")
        else:
            raise ValidationError(_("Choose whether to accept or decline the transfer."))
    except ValidationError as error:
        return _home(
            request, errors={f"transfer-{pk}": _messages(error)}, typed={f"transfer-{pk}": note}, status=400
        )
    return _done(request, message % {"reference": transfer.case.reference})
