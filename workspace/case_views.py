"""The staff case page (``/case/<pk>/``) and its quick actions.

The page is a sensitive read: one access-log row per view (GET). A quick action answers either with a
redirect back to the page (a plain form post: Post/Redirect/Get, with a message), or, when the page's
script asked for JSON, with the parts it changed re-rendered (timeline, header, the panel). Those parts
are the answer to the user's own write on a page whose view was already logged, so they are not logged
again; nor is the page shown again with a form's errors (400), as on the admin's pages
(``cases.admin.access_logging``).

Every write is a service; its refusals are shown on the form (400: what was typed is kept), its
``PermissionDenied`` is a 403. Nothing here decides who may do what: the forms are offered by
``consulates.policy.can`` (``case.edit``), and the services authorize.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import services
from cases.access import AccessAction, record_access
from cases.models import Case, Hearing
from cases.zones import hearing_zone_name
from consulates.policy import can
from workspace.case_forms import DoneForm, HearingEditForm, HearingForm, NoteForm, TaskForm
from workspace.case_page import case_context, case_for
from workspace.templatetags.workspace import when

# The parts of the page a quick action can re-render: element id -> template.
PARTS = {
    "header": ("case-header", "workspace/case/_header.html"),
    "timeline": ("timeline", "workspace/case/_timeline.html"),
    "note": ("log", "workspace/case/_note_form.html"),
    "tasks": ("tasks", "workspace/case/_tasks.html"),
    "hearings": ("hearings", "workspace/case/_hearings.html"),
    "custody": ("custody", "workspace/case/_custody.html"),
    "proceedings": ("proceedings", "workspace/case/_proceedings.html"),
    "family": ("family", "workspace/case/_family.html"),
    "incidents": ("incidents", "workspace/case/_incidents.html"),
    "children": ("children", "workspace/case/_children.html"),
}


def _staff_only(request) -> None:
    # Auditors enter the staff UI for the audit pages only: they see no case data.
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@staff_member_required
@require_GET
def case_page(request, pk: int):
    _staff_only(request)
    case = case_for(request.user, pk)
    with timezone.override(zoneinfo.ZoneInfo(case.consulate.timezone)):
        response = _render_page(request, case)
    record_access(
        request, AccessAction.VIEW, what="workspace: case", case_id=case.pk, person_id=case.person_id
    )
    return response


def _render_page(request, case: Case, *, bound: dict | None = None, status: int = 200):
    context = {
        **admin.site.each_context(request),
        **case_context(request, case, bound=bound),
        "title": f"{case.reference} · {case.person.full_name}",
    }
    return render(request, "workspace/case.html", context, status=status)


def _case(request, pk: int) -> Case:
    _staff_only(request)
    return case_for(request.user, pk)


def _quick(request, case: Case, *, key: str, form, run, parts, message, anchor: str):
    """One quick action: read the form (in the case's zone), call the service, answer (see the module)."""
    with timezone.override(zoneinfo.ZoneInfo(case.consulate.timezone)):
        if form.is_valid():
            try:
                run(form.cleaned_data)
            except ValidationError as error:
                form.apply_errors(error)
            except PermissionDenied as error:
                return _refused(request, str(error))
        if form.errors:
            return _invalid(request, case, key, form)
        before = case.status
        case = case_for(request.user, case.pk)  # as the service left it (status, version)
        if _wants_json(request):
            if case.status != before and "header" not in parts:  # its first work moved it into progress
                parts = ["header", *parts]
            return _parts(request, case, parts, message)
    messages.success(request, message)
    query = f"?{urlencode({'show': request.POST['show']})}" if request.POST.get("show") else ""
    return redirect(f"{reverse('workspace:case', args=[case.pk])}{query}#{anchor}")


def _refused(request, message: str):
    message = message or _("You cannot change this case.")
    if _wants_json(request):
        return JsonResponse({"message": message}, status=403)
    raise PermissionDenied(message)


def _invalid(request, case: Case, key: str, form):
    """400: the form again with its errors and what was typed; with JSON, just that form."""
    if not _wants_json(request):
        return _render_page(request, case, bound={key: form}, status=400)
    context = case_context(request, case, bound={key: form}, parts=["note", "hearings", "tasks"])
    if not hasattr(form, "action"):  # its hearing or task is no longer on the page
        form.action, form.submit_label, form.hidden_label = request.path, _("Save"), ""
    template = "workspace/case/_quick_form.html"
    html = render_to_string(template, {**context, "form": form, "key": key}, request=request)
    return JsonResponse({"forms": {key: html}, "focus": f"{key}-errors"}, status=400)


def _parts(request, case: Case, parts: list[str], message: str):
    context = case_context(request, case, parts=parts)
    fragments = {PARTS[part][0]: render_to_string(PARTS[part][1], context, request=request) for part in parts}
    return JsonResponse({"message": message, "parts": fragments})


@staff_member_required
@require_POST
def note_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.case_note_add(
            actor=request.user,
            case=case,
            kind=data["kind"],
            text=data["text"],
            occurred_at=data["occurred_at"],
        )

    form = NoteForm(request.POST, prefix="note")
    return _quick(
        request,
        case,
        key="note",
        form=form,
        run=run,
        parts=["timeline", "note"],
        message=_("Saved on the timeline."),
        anchor="timeline",
    )


@staff_member_required
@require_POST
def hearing_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.hearing_schedule(
            actor=request.user,
            case=case,
            kind=data["kind"],
            starts_at=data["starts_at"],
            location=data["location"],
            notes=data["notes"],
            court=data["court"],
        )

    return _quick(
        request,
        case,
        key="hearing",
        form=HearingForm(request.POST, prefix="hearing", case=case),
        run=run,
        parts=["header", "timeline", "hearings"],
        message=_("Hearing scheduled."),
        anchor="hearings",
    )


@staff_member_required
@require_POST
def hearing_edit(request, pk: int, hearing_pk: int):
    case = _case(request, pk)
    hearing = get_object_or_404(case.hearings, pk=hearing_pk)

    key = f"hearing-{hearing.pk}"
    form = HearingEditForm(request.POST, prefix=key, case=case)

    def run(data):
        try:
            services.hearing_update(
                actor=request.user,
                hearing=hearing,
                kind=data["kind"],
                starts_at=data["starts_at"],
                location=data["location"],
                notes=data["notes"],
                seen=data["seen"] or None,
                court=data["court"],
            )
        except ValidationError as error:
            if error.code != "stale":
                raise
            # What it is now, beside what the user typed; saving again replaces it (the form now knows
            # the hearing as it stands).
            current = Hearing.objects.get(pk=hearing.pk)
            form.data = form.data.copy()
            form.data[f"{key}-seen"] = services.hearing_state(current)
            now = _("It is now: %(when)s, %(place)s.") % {
                "when": when(current.starts_at, hearing_zone_name(current)),
                "place": current.location,
            }
            raise ValidationError([error, now]) from error

    return _quick(
        request,
        case,
        key=key,
        form=form,
        run=run,
        parts=["header", "timeline", "hearings"],
        message=_("Hearing changed."),
        anchor="hearings",
    )


@staff_member_required
@require_POST
def task_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.task_add(
            actor=request.user,
            case=case,
            title=data["title"],
            due_date=data["due_date"],
            assignee=data["assignee"],
        )

    return _quick(
        request,
        case,
        key="task",
        form=TaskForm(request.POST, prefix="task", case=case),
        run=run,
        parts=["timeline", "tasks"],
        message=_("Task added."),
        anchor="tasks",
    )


@staff_member_required
@require_POST
def task_done(request, pk: int, task_pk: int):
    case = _case(request, pk)
    task = get_object_or_404(case.tasks, pk=task_pk)

    def run(data):
        services.task_complete(actor=request.user, task=task)

    key = f"task-{task.pk}"
    return _quick(
        request,
        case,
        key=key,
        form=DoneForm(request.POST, prefix=key),
        run=run,
        parts=["timeline", "tasks"],
        message=_("Task “%(title)s” is done.") % {"title": task.title},
        anchor="tasks",
    )
