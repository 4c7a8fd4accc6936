"""The case page's panel of facility visits and formal requests (decision 0026): the interviews the
person had on visits, and the requests to authorities about the case, each linking to its page."""

from __future__ import annotations

from cases.models import Case, FormalRequest, VisitInterview
from consulates.policy import can


def visits_context(user, case: Case) -> dict:
    interviews = list(
        VisitInterview.objects.visible_to(user)
        .filter(case=case)
        .select_related("visit__facility__county")
        .order_by("-visit__planned_for", "-pk")
    )
    requests = list(
        FormalRequest.objects.visible_to(user)
        .filter(case=case)
        .select_related("facility__county", "case__facility__county", "consulate")
        .order_by("-created_at", "-pk")
    )
    may_request = can(user, "request.record", FormalRequest(consulate_id=case.consulate_id))
    return {"case_interviews": interviews, "case_requests": requests, "may_request": may_request}
