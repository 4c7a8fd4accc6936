"""The case page's child panel (decision 0029), shown on a child's case: the child-welfare agency's case, its
requests (each open one a task of the case), and the assessments of the child, the latest first, each read
with the questions of its form's version. The forms are offered by the policy (``child.record``). One query
per list."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import AgencyRequest, ChildAssessment, ChildWelfareCase
from cases.services.children import casa_programmes, child_agencies, dif_offices
from consulates.policy import can
from workspace.children_forms import (
    AgencyRequestForm,
    AgencyRequestStatusForm,
    AssessmentForm,
    ChildWelfareForm,
)


def _dress(form, url: str, args: list, submit: str, hidden_label: str = ""):
    form.action = reverse(f"workspace:{url}", args=args)
    form.submit_label, form.hidden_label = submit, hidden_label
    return form


WELFARE_INITIAL = (
    "agency_case_number",
    "court_cause_number",
    "court_name",
    "caseworker_name",
    "caseworker_phone",
    "caseworker_email",
    "advocate_kind",
    "advocate_name",
    "advocate_phone",
    "advocate_email",
    "notes",
)


def children_context(request, case, *, bound: dict | None = None) -> dict:
    """``{"child": None}`` for an adult's case; otherwise what the panel shows."""
    if not case.is_child_case:
        return {"child": None}
    bound = bound or {}
    user = request.user
    welfare = (
        ChildWelfareCase.objects.visible_to(user)
        .filter(case=case)
        .select_related("agency", "advocate_programme")
        .first()
    )
    requests = list(AgencyRequest.objects.visible_to(user).filter(case=case).order_by("due_date", "pk"))
    assessments = list(
        ChildAssessment.objects.visible_to(user)
        .filter(case=case)
        .select_related("dif_office", "assessed_by")
        .order_by("-assessed_at", "-pk")
    )
    child = {
        "welfare": welfare,
        "requests": requests,
        "assessment": assessments[0] if assessments else None,
        "earlier": assessments[1:],
        "recording": can(user, "child.record", case),
        "pending_closure": case.status == "pending_closure",
    }
    if child["recording"]:
        initial = (
            {"agency": welfare.agency_id, "advocate_programme": welfare.advocate_programme_id}
            if welfare
            else {}
        )
        if welfare:
            initial.update({name: getattr(welfare, name) for name in WELFARE_INITIAL})
        child["welfare_form"] = _dress(
            bound.get("welfare")
            or ChildWelfareForm(
                prefix="welfare", initial=initial, agencies=child_agencies(), programmes=casa_programmes()
            ),
            "case_child_welfare",
            [case.pk],
            _("Save the agency's case"),
        )
        if welfare:
            child["request_form"] = _dress(
                bound.get("agency-request") or AgencyRequestForm(prefix="agency-request"),
                "case_agency_request_add",
                [case.pk],
                _("Add the request"),
            )
        for item in requests:
            key = f"agency-request-{item.pk}"
            item.form = _dress(
                bound.get(key)
                or AgencyRequestStatusForm(
                    prefix=key,
                    initial={
                        "status": item.status,
                        "due_date": item.due_date,
                        "resolution": item.resolution,
                        "version": item.version,
                    },
                ),
                "case_agency_request_update",
                [case.pk, item.pk],
                _("Save"),
                hidden_label=str(item),
            )
        child["assessment_form"] = _dress(
            bound.get("assessment") or AssessmentForm(prefix="assessment", offices=dif_offices()),
            "case_child_assess",
            [case.pk],
            _("Save the assessment"),
        )
    return {"child": child}
