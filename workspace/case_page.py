"""What the staff case page shows: the summary header, the panels (tasks, hearings, documents and
cross-office work) and the timeline. Each part is a function of the case and the user, so a quick action
re-renders only the parts it changed, with the same templates as the page.

Every query here is one per part, whatever the number of events, tasks or hearings (the page's
query-count test holds it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases.admin import crossoffice, repatriation
from cases.admin.access_logging import access_log_link
from cases.admin.case_actions import ACTIONS, available_actions
from cases.admin.timeline import render_delay
from cases.languages import described
from cases.models import Case, Document
from cases.models.work import HearingStatus
from cases.reminders.person_messages import custody_note
from cases.services import hearing_state
from cases.timeline import GROUPS, kinds_of, person_name, timeline_entries
from cases.zones import wall_clock_shown
from consulates.policy import can
from workspace.case_forms import DoneForm, HearingEditForm, HearingForm, NoteForm, TaskForm
from workspace.case_visits import visits_context
from workspace.children_page import children_context
from workspace.custody_page import custody_context
from workspace.family import family_context
from workspace.incidents import incidents_context
from workspace.proceedings import proceedings_context

TIMELINE_PAGE = 50
PAST_HEARINGS = 5


def case_for(user, pk: int) -> Case:
    """The case if the user may see it (404 otherwise: its existence is not told)."""
    queryset = Case.objects.visible_to(user).select_related(
        "person", "consulate", "assigned_to", "facility", "reception_point"
    )
    return get_object_or_404(queryset, pk=pk)


def may_work(user, case: Case) -> bool:
    """The quick forms: the case's own consulate's staff while it is open (managers read only)."""
    return can(user, "case.edit", case)


def _age(born: dt.date | None) -> int | None:
    if born is None:
        return None
    today = timezone.localdate()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


@dataclass
class Link:
    name: str
    label: str
    url: str


def action_links(request, case: Case) -> tuple[list[Link], list[Link]]:
    """The header's bar: the full record and the case's next step first, the rest under "More". Each
    is offered by the policy (the same functions the admin page's object tools use)."""
    user = request.user
    full = Link(
        "edit",
        _("Edit the whole case") if can(user, "case.edit", case) else _("Full record"),
        reverse("admin:cases_case_change", args=[case.pk]),
    )
    steps = [
        Link(name, str(ACTIONS[name][0]), reverse("admin:cases_case_action", args=[case.pk, name]))
        for name in available_actions(user, case)
    ]
    steps += [Link(*tool) for tool in crossoffice.case_object_tools(request, case)]
    steps += [Link(*tool) for tool in repatriation.case_object_tools(request, case)]
    audit = access_log_link(request, case=case.pk)
    if audit:
        steps.append(Link("access_log", _("Who looked at this record"), audit))
    primary = [full, *[link for link in steps if link.name in {"close", "approve", "reopen"}]]
    return primary, [link for link in steps if link not in primary]


def hearings_of(case: Case) -> tuple[list, list]:
    """Upcoming (scheduled, not yet started; soonest first) and the latest past or cancelled ones."""
    now = timezone.now()
    upcoming, past = [], []
    for hearing in case.hearings.select_related("court").order_by("starts_at", "pk"):
        if hearing.status == HearingStatus.SCHEDULED and hearing.starts_at >= now:
            upcoming.append(hearing)
        else:
            past.append(hearing)
    return upcoming, past[::-1][:PAST_HEARINGS]


def header_context(request, case: Case, upcoming: list) -> dict:
    person = case.person
    primary, more = action_links(request, case)
    return {
        "person": person,
        "age": _age(person.date_of_birth),
        "languages": [item["label"] for item in described(person.languages)],
        "assignee": person_name(case.assigned_to) if case.assigned_to_id else "",
        "next_hearing": upcoming[0] if upcoming else None,
        "art36_overdue": case.art36_contact_overdue,
        "art36_recorded": any(
            (
                case.arrested_at,
                case.advised_at,
                case.consulate_notified_at,
                case.first_contact_at,
                case.notification_request != "unknown",
            )
        ),
        "notification_delay": render_delay(case.notification_delay),
        "contact_delay": render_delay(case.contact_delay),
        "primary_actions": primary,
        "more_actions": more,
    }


def timeline_context(case: Case, show: str | None, limit: int | None) -> dict:
    group = show if show in GROUPS else ""
    events = case.events.select_related("actor")
    kinds = kinds_of(group)
    if kinds is not None:
        events = events.filter(kind__in=kinds)
    limit = limit if limit and 0 < limit <= 1000 else TIMELINE_PAGE
    rows = list(events.order_by("-occurred_at", "-pk")[: limit + 1])
    base = reverse("workspace:case", args=[case.pk])
    filters = [("", _("Everything"), base)] + [
        (key, label, f"{base}?{urlencode({'show': key})}") for key, (label, _kinds) in GROUPS.items()
    ]
    more = None
    if len(rows) > limit:
        query = {"show": group, "limit": limit + TIMELINE_PAGE} if group else {"limit": limit + TIMELINE_PAGE}
        more = f"{base}?{urlencode(query)}#timeline"
    return {
        "entries": timeline_entries(rows[:limit]),
        "group": group,
        "group_label": GROUPS[group][0] if group else "",
        "filters": filters,
        "more_url": more,
    }


def _dress(form, case: Case, submit: str, *, url: str, args=(), hidden_label: str = ""):
    """What the form's template needs: where it posts and its button."""
    form.action = reverse(f"workspace:{url}", args=[case.pk, *args])
    form.submit_label, form.hidden_label = submit, hidden_label
    return form


def forms_for(case: Case, hearings: list, tasks: list, bound: dict | None = None) -> dict:
    """Unbound quick forms, except the one that was just posted (``bound``: its prefix and form). The
    hearings' reschedule forms and the tasks' "done" buttons hang on each hearing and task."""
    bound = bound or {}
    courts = HearingForm.court_choices()
    result = {
        "note": _dress(bound.get("note") or NoteForm(prefix="note"), case, _("Save"), url="case_note"),
        "hearing": _dress(
            bound.get("hearing") or HearingForm(prefix="hearing", case=case, court_choices=courts),
            case,
            _("Schedule"),
            url="case_hearing_add",
        ),
        "task": _dress(
            bound.get("task") or TaskForm(prefix="task", case=case),
            case,
            _("Add the task"),
            url="case_task_add",
        ),
    }
    for hearing in hearings:
        key = f"hearing-{hearing.pk}"
        form = bound.get(key) or HearingEditForm(
            prefix=key,
            case=case,
            court_choices=courts,
            initial={
                "kind": hearing.kind,
                "court": hearing.court_id,
                "starts_at": wall_clock_shown(hearing.starts_at, hearing.zone_name),
                "location": hearing.location,
                "notes": hearing.notes,
                "seen": hearing_state(hearing),
            },
        )
        hearing.form = _dress(form, case, _("Save the change"), url="case_hearing_edit", args=[hearing.pk])
    for task in tasks:
        key = f"task-{task.pk}"
        form = bound.get(key) or DoneForm(prefix=key)
        task.form = _dress(
            form, case, _("Mark done"), url="case_task_done", args=[task.pk], hidden_label=task.title
        )
    return result


def panels_context(request, case: Case) -> dict:
    user = request.user
    crossoffice_context = crossoffice.case_page_context(request, case)["crossoffice"]
    return {
        "documents": Document.objects.visible_to(user).filter(case=case).count(),
        "documents_url": reverse("admin:cases_case_change", args=[case.pk]) + "#documents-group",
        "consents": crossoffice_context["consents"],
        "referrals": crossoffice_context["referrals"],
        "transfers": crossoffice_context["transfers"],
        "handoff": repatriation.case_page_context(request, case)["repatriation"],
    }


def case_context(request, case: Case, *, bound: dict | None = None, parts=None) -> dict:
    """The context of the page (``parts`` None) or of the parts a quick action re-renders."""
    everything = parts is None
    parts = set(parts or ())
    upcoming, past = hearings_of(case)
    working = may_work(request.user, case)
    context = {
        "case": case,
        "zone": case.consulate.timezone,
        "working": working,
        "show": request.GET.get("show", "") if request.method == "GET" else request.POST.get("show", ""),
        "open_tasks": [],
        "upcoming": upcoming,
        # who the detained person's hearing reminders reach, or that nobody may be told
        "custody_reminders": custody_note(case) if upcoming and case.in_custody else "",
        "past": past,
        "today": timezone.localdate(),
    }
    if everything or "header" in parts:
        context.update(header_context(request, case, upcoming))
    if everything or "timeline" in parts:
        limit = request.GET.get("limit", "")
        context["timeline"] = timeline_context(case, context["show"], int(limit) if limit.isdigit() else None)
    if everything or "tasks" in parts:
        context["open_tasks"] = list(case.tasks.filter(done=False).select_related("assignee"))
    if working and (everything or parts & {"note", "hearings", "tasks"}):
        context["forms"] = forms_for(case, upcoming, context["open_tasks"], bound)
    if everything or "custody" in parts:
        context.update(custody_context(request.user, case, working=working, bound=bound))
    if everything or "incidents" in parts:
        context.update(incidents_context(request, case, bound=bound))
    if everything or "proceedings" in parts:
        context.update(proceedings_context(request, case, bound=bound))
    if everything or "family" in parts:
        context.update(family_context(request, case.person, case=case, bound=bound))
    if everything or "children" in parts:
        context.update(children_context(request, case, bound=bound))
    if everything:
        context.update(panels_context(request, case))
        context.update(visits_context(request.user, case))
    return context
