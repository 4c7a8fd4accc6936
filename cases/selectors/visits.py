"""Reads of facility visits and formal requests (decision 0026): who a visit will find at the facility,
a facility's visits, conditions over time and open requests. Every read starts from ``visible_to``."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch, Q

from cases.models import (
    Case,
    ChecklistItemAnswer,
    CustodyEpisode,
    FacilityVisit,
    FormalRequest,
    VisitInterview,
)
from cases.models.case import Status
from cases.models.formal_request import OPEN_REQUEST_STATUSES


def visit_nationals(visit: FacilityVisit, user) -> list[Case]:
    """The visiting consulate's nationals held at the facility now (an open case whose current custody
    episode is there), and those already interviewed on this visit (moved since, they stay on its list);
    each with ``interview`` set (None when not yet recorded). Ordered by surname."""
    held = CustodyEpisode.objects.filter(facility_id=visit.facility_id, ended_on__isnull=True).values(
        "case_id"
    )
    interviews = {i.case_id: i for i in VisitInterview.objects.filter(visit=visit)}
    here = Q(consulate_id=visit.consulate_id, pk__in=held) & ~Q(status=Status.CLOSED)
    cases = list(
        Case.objects.visible_to(user)
        .filter(here | Q(pk__in=list(interviews)))
        .select_related("person")
        .order_by("person__paternal_surname", "person__given_names", "pk")
    )
    for case in cases:
        case.interview = interviews.get(case.pk)
    return cases


def facility_visits(facility, user):
    """The facility's visits the user sees, latest first, with their checklists and interview counts."""
    return (
        FacilityVisit.objects.visible_to(user)
        .filter(facility=facility)
        .select_related("consulate", "checklist__checklist_version")
        .prefetch_related("officers")
        .order_by("-planned_for", "-pk")
    )


def facility_conditions(facility, user) -> list[dict]:
    """Each checklist item's answers across the facility's visits (oldest visit first): a list of
    ``{"key", "text", "answers": [(visit, answer)]}``, the item's text from the newest version it was
    answered in."""
    answers = (
        ChecklistItemAnswer.objects.visible_to(user)
        .filter(checklist__visit__facility=facility)
        .select_related("checklist__visit", "checklist__checklist_version")
        .order_by("checklist__visit__planned_for", "checklist__visit_id", "position")
    )
    rows: dict[str, dict] = {}
    by_key: dict[str, list] = defaultdict(list)
    for answer in answers:
        rows.setdefault(answer.key, {"key": answer.key, "position": answer.position})
        rows[answer.key]["text"] = answer.text
        by_key[answer.key].append((answer.checklist.visit, answer))
    result = sorted(rows.values(), key=lambda row: row["position"])
    for row in result:
        row["answers"] = by_key[row["key"]]
    return result


def facility_open_requests(facility, user):
    return (
        FormalRequest.objects.visible_to(user)
        .filter(facility=facility, status__in=OPEN_REQUEST_STATUSES)
        .select_related("case", "consulate", "facility__county__consulate", "owner")
        .order_by("due_on", "pk")
    )


def visit_with_details(pk: int, user) -> FacilityVisit:
    return (
        FacilityVisit.objects.visible_to(user)
        .select_related("facility__county__consulate", "consulate", "created_by")
        .prefetch_related(
            "officers",
            Prefetch("interviews", queryset=VisitInterview.objects.select_related("case")),
        )
        .get(pk=pk)
    )
