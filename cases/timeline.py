"""The case timeline as a person reads it: for each ``CaseEvent``, what happened in words, who did it (their
name), and its details with labels instead of stored codes ("Open → In progress", "Bond hearing").

Shared by the staff pages that show a timeline (the workspace's case page, the admin's change page). Values
stay typed (datetimes, dates): each page writes them in the reader's language and the place's zone.
The names an entry needs beyond its actor (an assignee, a consulate) are read in one query each for the
whole list, whatever its length.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseEvent, Hearing, Proceeding, RepatriationHandoff, Task
from cases.models.case import Outcome, Status
from cases.models.children import AgencyRequestKind, AgencyRequestStatus, ChildSituation
from cases.models.custody import LocateResult, LocateWhere
from cases.models.family import ChecklistItemKind, ChecklistStatus, RelationshipKind
from cases.models.formal_request import FormalRequest, RequestKind
from cases.models.handover import HandoverMethod, HandoverReason
from cases.models.incident import IncidentKind
from cases.models.proceeding import DeadlineKind, DeadlineStatus, ProceedingKind, ProceedingOutcome
from cases.models.removal import removal_means_text
from cases.models.visits import InterviewNeed
from cases.models.work import EventKind, HearingKind
from consulates.models import Consulate

K = EventKind

# The timeline's filters: a few groups a person thinks in, each a set of event kinds.
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "notes": (gettext_lazy("Notes"), (K.NOTE, K.PARTNER_NOTE)),
    "contact": (gettext_lazy("Calls and visits"), (K.CALL, K.VISIT)),
    "hearings": (gettext_lazy("Hearings"), (K.HEARING_SCHEDULED, K.HEARING_UPDATED)),
    "proceedings": (
        gettext_lazy("Legal proceedings"),
        (
            K.PROCEEDING_OPENED,
            K.PROCEEDING_UPDATED,
            K.PROCEEDING_DECIDED,
            K.DEADLINE_ADDED,
            K.DEADLINE_RESOLVED,
        ),
    ),
    "incidents": (gettext_lazy("Critical incidents"), (K.INCIDENT_RECORDED, K.INCIDENT_CLOSED)),
    "tasks": (gettext_lazy("Tasks"), (K.TASK_ADDED, K.TASK_UPDATED, K.TASK_COMPLETED)),
    "status": (
        gettext_lazy("Status and assignment"),
        (
            K.OPENED,
            K.IMPORTED,
            K.STATUS,
            K.ASSIGNED,
            K.CLOSURE_REQUESTED,
            K.CLOSURE_APPROVED,
            K.CLOSURE_REJECTED,
            K.CLOSED,
            K.REOPENED,
        ),
    ),
    "details": (
        gettext_lazy("Case details and custody"),
        (K.UPDATED, K.CUSTODY, K.CUSTODY_VERIFIED, K.LOCATE_ATTEMPT, K.ART36),
    ),
    "documents": (gettext_lazy("Documents"), (K.DOCUMENT_UPLOADED,)),
    "crossoffice": (
        gettext_lazy("Transfers, consents and referrals"),
        (
            K.TRANSFER_REQUESTED,
            K.TRANSFER_ACCEPTED,
            K.TRANSFER_REJECTED,
            K.TRANSFER_CANCELLED,
            K.HANDOVER_SENT,
            K.HANDOVER_ACKNOWLEDGED,
            K.CONSENT_RECORDED,
            K.CONSENT_WITHDRAWN,
            K.REFERRED,
            K.REFERRAL_ANSWERED,
            K.REFERRAL_PROGRESS,
            K.REFERRAL_WITHDRAWN,
        ),
    ),
    "repatriation": (
        gettext_lazy("Repatriation and belongings"),
        (
            K.HANDOFF_PREPARED,
            K.HANDOFF_UPDATED,
            K.HANDOFF_CONFIRMED,
            K.REMOVAL_WARNING_SEEN,
            K.BELONGING_RECORDED,
            K.BELONGING_RESOLVED,
        ),
    ),
    "family": (
        gettext_lazy("Family"),
        (
            K.RELATIONSHIP_ADDED,
            K.RELATIONSHIP_CHANGED,
            K.RELATIONSHIP_ENDED,
            K.FAMILY_ITEM_ADDED,
            K.FAMILY_ITEM_DONE,
        ),
    ),
    "children": (
        gettext_lazy("Child protection"),
        (K.CHILD_WELFARE_RECORDED, K.AGENCY_REQUEST_ADDED, K.AGENCY_REQUEST_UPDATED, K.CHILD_ASSESSED),
    ),
    "requests": (
        gettext_lazy("Requests to authorities"),
        (K.REQUEST_RECORDED, K.REQUEST_UPDATED, K.REQUEST_SENT, K.REQUEST_ANSWERED, K.REQUEST_WITHDRAWN),
    ),
    "reminders": (gettext_lazy("Reminders"), (K.REMINDER_SENT,)),
    "inquiries": (gettext_lazy("Inquiries from families and partners"), (K.INQUIRY_LINKED,)),
}
GROUP_OF = {kind: key for key, (_label, kinds) in GROUPS.items() for kind in kinds}

# Whose fields a change names: a hearing's, a task's, a hand-off's, otherwise the case's.
_MODEL_OF = {
    K.HEARING_SCHEDULED: Hearing,
    K.HEARING_UPDATED: Hearing,
    K.PROCEEDING_UPDATED: Proceeding,
    K.TASK_ADDED: Task,
    K.TASK_UPDATED: Task,
    K.TASK_COMPLETED: Task,
    K.HANDOFF_PREPARED: RepatriationHandoff,
    K.HANDOFF_UPDATED: RepatriationHandoff,
    K.HANDOFF_CONFIRMED: RepatriationHandoff,
}


@dataclass
class Change:
    label: str
    old: object
    new: object


@dataclass
class Entry:
    """One line of the timeline: ``facts`` are short phrases ("Bond hearing", "Dallas court"), ``changes``
    the fields a change moved, ``moved`` a status change or a new assignee as (what, from, to)."""

    event: CaseEvent
    kind: str
    group: str
    actor: str
    text: str
    facts: list = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    moved: tuple[str, str, str] | None = None


def kinds_of(group: str | None) -> tuple[str, ...] | None:
    """The event kinds of a filter; ``None`` for no (or an unknown) filter."""
    return GROUPS[group][1] if group in GROUPS else None


def person_name(user) -> str:
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _value(model_field, value):
    """A stored change value as a person reads it: a choice's label, a date or time (typed), or itself."""
    if value in (None, "", "None"):
        return "—"
    if model_field is None:
        return value
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(model_field, models.BooleanField):
        return _("yes") if value in (True, "True") else _("no")
    if isinstance(value, str) and isinstance(model_field, models.TimeField):
        try:
            return time_format(dt.time.fromisoformat(value))  # "22:30" (the place's clock: see the label)
        except ValueError:
            return value
    if isinstance(value, str) and isinstance(model_field, models.DateTimeField | models.DateField):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed if isinstance(model_field, models.DateTimeField) else parsed.date()
    return value


def _changes(model, changes) -> list[Change]:
    if not isinstance(changes, dict):
        return []
    rows = []
    for name, pair in changes.items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        model_field = _field(model, name)
        label = str(model_field.verbose_name) if model_field is not None else name
        rows.append(Change(label, _value(model_field, old), _value(model_field, new)))
    return rows


def _status_label(value: str) -> str:
    return str(dict(Status.choices).get(value, value or "—"))


def _when(value: str | None):
    try:
        return dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _facts(event: CaseEvent, payload: dict, names: dict) -> list:
    kind = event.kind
    if kind in (K.HEARING_SCHEDULED, K.HEARING_UPDATED):
        hearing_kind = str(dict(HearingKind.choices).get(payload.get("hearing_kind"), ""))
        if kind == K.HEARING_UPDATED:  # what changed is in ``changes``
            return [hearing_kind] if hearing_kind else []
        return [f for f in (hearing_kind, _when(payload.get("starts_at")), payload.get("location")) if f]
    if kind in GROUPS["proceedings"][1]:
        return _proceeding_facts(kind, payload)
    if kind in GROUPS["incidents"][1]:  # its kind (the description stays on the incident)
        return [f for f in (str(dict(IncidentKind.choices).get(payload.get("incident_kind"), "")),) if f]
    if kind in (K.TASK_ADDED, K.TASK_COMPLETED, K.TASK_UPDATED):
        due = payload.get("due_date") if kind == K.TASK_ADDED else None
        return [f for f in (payload.get("title", ""), _when(due) and _when(due).date()) if f]
    if kind == K.ASSIGNED:
        assignee = names["users"].get(payload.get("assignee_id")) or names["usernames"].get(
            payload.get("assignee", "")
        )
        return [assignee or _("nobody")]
    if kind in (K.TRANSFER_REQUESTED, K.TRANSFER_ACCEPTED, K.TRANSFER_REJECTED, K.TRANSFER_CANCELLED):
        origin = names["consulates"].get(payload.get("from_consulate"), payload.get("from_consulate", ""))
        target = names["consulates"].get(payload.get("to_consulate"), payload.get("to_consulate", ""))
        return [_("from %(origin)s to %(target)s") % {"origin": origin, "target": target}]
    if kind == K.IMPORTED:
        return [
            _("detainee list #%(batch)s, row %(row)s")
            % {"batch": payload.get("batch_id"), "row": payload.get("row")}
        ]
    if kind in (K.CLOSURE_REQUESTED, K.CLOSURE_APPROVED, K.CLOSED) and payload.get("outcome"):
        return [str(dict(Outcome.choices).get(payload["outcome"], payload["outcome"]))]
    if payload.get("partner") and kind in GROUPS["crossoffice"][1]:
        return [payload["partner"]]
    if kind == K.HANDOVER_SENT:
        reason = dict(HandoverReason.choices).get(payload.get("reason"), "")
        method = dict(HandoverMethod.choices).get(payload.get("method"), "")
        return [f for f in (payload.get("post"), reason and str(reason), method and str(method)) if f]
    if kind == K.HANDOVER_ACKNOWLEDGED:
        return [f for f in (payload.get("post"), payload.get("acknowledged_by")) if f]
    if kind in (K.HANDOFF_PREPARED, K.HANDOFF_UPDATED, K.HANDOFF_CONFIRMED):
        return [f for f in (payload.get("reception_point"), *_removal_facts(payload)) if f]
    if kind == K.REMOVAL_WARNING_SEEN:
        return list(payload.get("warnings") or [])
    if kind in (K.BELONGING_RECORDED, K.BELONGING_RESOLVED):
        return [f for f in (payload.get("description"),) if f]
    if kind == K.INQUIRY_LINKED:
        return _inquiry_facts(payload)
    if kind in GROUPS["family"][1]:
        return _family_facts(kind, payload)
    if kind in GROUPS["children"][1]:
        return _child_facts(kind, payload)
    if kind in GROUPS["requests"][1]:
        return _request_facts(kind, payload)
    if kind == K.LOCATE_ATTEMPT:
        where = dict(LocateWhere.choices).get(payload.get("where"), payload.get("where", ""))
        result = dict(LocateResult.choices).get(payload.get("result"), payload.get("result", ""))
        return [str(f) for f in (result, where, payload.get("facility")) if f]
    if kind == K.VISIT and payload.get("visit_id"):  # an interview on a facility visit (decision 0026)
        seen = _("seen") if payload.get("seen") else _("not seen")
        need = dict(InterviewNeed.choices).get(payload.get("need") or "", "") if payload.get("need") else ""
        return [str(f) for f in (payload.get("facility"), seen, need) if f]
    return []


def _family_facts(kind: str, payload: dict) -> list:
    """How the relative is related (never their name: the timeline is read by whoever sees the case), or
    the checklist item, its due date and how it was resolved."""
    if kind in (K.FAMILY_ITEM_ADDED, K.FAMILY_ITEM_DONE):
        facts = [str(dict(ChecklistItemKind.choices).get(payload.get("item_kind"), ""))]
        if kind == K.FAMILY_ITEM_DONE:
            facts.append(str(dict(ChecklistStatus.choices).get(payload.get("status"), "")))
        elif _when(payload.get("due_on")):
            facts.append(_when(payload["due_on"]).date())
        return [f for f in facts if f]
    return [f for f in (str(dict(RelationshipKind.choices).get(payload.get("relative_kind"), "")),) if f]


def _request_facts(kind: str, payload: dict) -> list:
    """What is asked and of whom; the day the answer is due (while one is awaited); what a correction
    changed. What the request says and the authority's answer stay on the request."""
    what = dict(RequestKind.choices).get(payload.get("request_kind"), "")
    facts = [what and str(what), payload.get("authority", "")]
    due = _when(payload.get("due_on"))
    if due and kind in (K.REQUEST_RECORDED, K.REQUEST_UPDATED, K.REQUEST_SENT):
        facts.append(_("answer due %(day)s") % {"day": date_format(due.date())})
    changed = [_field(FormalRequest, name) for name in payload.get("fields") or []]
    if kind == K.REQUEST_UPDATED and any(changed):
        labels = ", ".join(str(f.verbose_name) for f in changed if f is not None)
        facts.append(_("changed: %(fields)s") % {"fields": labels})
    return [f for f in facts if f]


def _child_facts(kind: str, payload: dict) -> list:
    """The agency; the request, its status and due day; the child's situation and whether the assessment
    is complete."""
    if kind == K.CHILD_WELFARE_RECORDED:
        return [payload.get("agency", "")]
    if kind == K.CHILD_ASSESSED:
        situation = dict(ChildSituation.choices).get(payload.get("situation"), "")
        complete = _("complete") if payload.get("complete") else _("incomplete")
        return [f for f in (situation and str(situation), complete) if f]
    what = dict(AgencyRequestKind.choices).get(payload.get("request_kind"), "")
    status = dict(AgencyRequestStatus.choices).get(payload.get("status"), "")
    due = _when(payload.get("due_date"))
    return [f for f in (what and str(what), status and str(status), due and due.date()) if f]


def _proceeding_facts(kind: str, payload: dict) -> list:
    """The proceeding's kind, its decision, or the deadline and its day."""
    facts = [str(dict(ProceedingKind.choices).get(payload.get("proceeding_kind"), ""))]
    if kind == K.PROCEEDING_DECIDED:
        facts.append(str(dict(ProceedingOutcome.choices).get(payload.get("outcome"), "")))
        facts += [
            f"{dict(DeadlineKind.choices).get(d.get('kind'), '')}: {date_format(_when(d.get('due_on')).date())}"
            for d in payload.get("deadlines", [])
            if _when(d.get("due_on"))
        ]
    if kind in (K.DEADLINE_ADDED, K.DEADLINE_RESOLVED):
        facts = [str(dict(DeadlineKind.choices).get(payload.get("deadline_kind"), ""))]
        due = _when(payload.get("due_on"))
        facts.append(due.date() if due else "")
        if kind == K.DEADLINE_RESOLVED:
            facts.append(str(dict(DeadlineStatus.choices).get(payload.get("status"), "")))
    return [f for f in facts if f]


def _removal_facts(payload: dict) -> list:
    """The removal's day, with its time in words on the reception point's clock when known ("12 de mayo
    de 2026 a las 22:30, hora de Tapachula"), and its mode ("Vuelo AM 1234")."""
    day = _when(payload.get("removal_date"))
    if day is None:
        return []
    when = day
    time = payload.get("removal_time")
    if time:
        try:
            moment = dt.datetime.combine(day.date(), dt.time.fromisoformat(time))
        except ValueError:
            moment = None
        if moment is not None:
            when = date_format(moment, "DATETIME_FORMAT")
            if payload.get("removal_place"):
                when = _("%(when)s, %(place)s time") % {"when": when, "place": payload["removal_place"]}
    means = removal_means_text(
        payload.get("removal_mode") or "",
        payload.get("removal_carrier") or "",
        payload.get("removal_flight_number") or "",
    )
    return [when, means]


def _inquiry_facts(payload: dict) -> list:
    """ "Inquiry 12", how it arrived, when it was received, and whether the case was opened from it. The
    channel's label is the intake app's (a higher layer: reached through the app registry)."""
    channels = dict(apps.get_model("intake", "Inquiry")._meta.get_field("channel").flatchoices)
    facts = [_("Inquiry %(number)s") % {"number": payload.get("inquiry_id", "")}]
    if payload.get("channel"):
        facts.append(str(channels.get(payload["channel"], payload["channel"])))
    if _when(payload.get("received_at")):
        facts.append(_when(payload["received_at"]))
    if payload.get("how") == "converted":
        facts.append(_("the case was opened from it"))
    return facts


def _names(events: list[CaseEvent]) -> dict:
    """The users an assignment names and the consulates a transfer names, one query each (when any)."""
    ids, usernames, codes = set(), set(), set()
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.kind == K.ASSIGNED:
            if payload.get("assignee_id"):
                ids.add(payload["assignee_id"])
            usernames.update(name for name in (payload.get("assignee"), payload.get("previous")) if name)
        elif event.kind in GROUPS["crossoffice"][1]:
            codes.update(
                code for code in (payload.get("from_consulate"), payload.get("to_consulate")) if code
            )
    users, by_username = {}, {}
    if ids or usernames:
        for user in get_user_model().objects.filter(Q(pk__in=ids) | Q(username__in=usernames)):
            users[user.pk] = by_username[user.get_username()] = person_name(user)
    consulates = {}
    if codes:
        consulates = dict(Consulate.objects.filter(code__in=codes).values_list("code", "city"))
    return {"users": users, "usernames": by_username, "consulates": consulates}


def timeline_entries(events) -> list[Entry]:
    """``events`` with their actor loaded (``select_related("actor")``), in the order to show."""
    events = list(events)
    names = _names(events)
    kinds = dict(EventKind.choices)  # once: ``get_kind_display`` translates every label for each event
    entries = []
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        entry = Entry(
            event=event,
            kind=str(kinds.get(event.kind, event.kind)),
            group=GROUP_OF.get(event.kind, ""),
            actor=person_name(event.actor),
            text=event.text,
            facts=_facts(event, payload, names),
            changes=_changes(_MODEL_OF.get(event.kind, Case), payload.get("changes")),
        )
        if event.kind == K.STATUS:
            old, new = _status_label(payload.get("old", "")), _status_label(payload.get("new", ""))
            entry.moved = (str(Case._meta.get_field("status").verbose_name), old, new)
        elif event.kind == K.ASSIGNED and payload.get("previous"):
            previous = names["usernames"].get(payload["previous"], payload["previous"])
            label = str(Case._meta.get_field("assigned_to").verbose_name)
            entry.moved = (label, previous, entry.facts[0])
            entry.facts = []
        entries.append(entry)
    return entries
