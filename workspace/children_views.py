"""The case page's actions on a child's case (``workspace.children_page`` shows them). Each calls one service
of ``cases.services.children`` through the page's ``_quick`` (refusals on the form, JSON parts or a
redirect); nothing here decides who may."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.models import AgencyRequest
from cases.services.children import casa_programmes, child_agencies, dif_offices
from workspace.case_views import _case, _quick
from workspace.children_forms import (
    AgencyRequestForm,
    AgencyRequestStatusForm,
    AssessmentForm,
    ChildWelfareForm,
)

PARTS = ["header", "timeline", "tasks", "children"]


def _answer(request, case, key, form, run, message):
    return _quick(request, case, key=key, form=form, run=run, parts=PARTS, message=message, anchor="children")


@staff_member_required
@require_POST
def welfare_save(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.child_welfare_record(actor=request.user, case=case, **data)

    form = ChildWelfareForm(
        request.POST, prefix="welfare", agencies=child_agencies(), programmes=casa_programmes()
    )
    return _answer(request, case, "welfare", form, run, _("Agency's case saved."))


@staff_member_required
@require_POST
def request_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.agency_request_add(actor=request.user, case=case, **data)

    form = AgencyRequestForm(request.POST, prefix="agency-request")
    return _answer(request, case, "agency-request", form, run, _("Request recorded."))


@staff_member_required
@require_POST
def request_update(request, pk: int, request_pk: int):
    case = _case(request, pk)
    item = get_object_or_404(AgencyRequest.objects.visible_to(request.user).filter(case=case), pk=request_pk)
    key = f"agency-request-{item.pk}"

    def run(data):
        version = data.pop("version")
        services.agency_request_update(actor=request.user, request=item, expected_version=version, **data)

    form = AgencyRequestStatusForm(request.POST, prefix=key)
    return _answer(request, case, key, form, run, _("Request updated."))


@staff_member_required
@require_POST
def assess(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.child_assess(actor=request.user, case=case, **data)

    form = AssessmentForm(request.POST, prefix="assessment", offices=dif_offices())
    return _answer(request, case, "assessment", form, run, _("Assessment saved."))
