"""The case page's quick actions on legal proceedings (``workspace.proceedings`` shows them). Each calls
one service of ``cases.services.proceedings`` through the case page's ``_quick`` (refusals on the form,
JSON parts or a redirect)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.models import Proceeding, ProceedingDeadline
from workspace.case_forms import HearingForm
from workspace.case_views import _case, _quick
from workspace.proceeding_forms import (
    DeadlineForm,
    DeadlineResolveForm,
    DecisionForm,
    ProceedingForm,
    StatusForm,
)

PARTS = ["header", "timeline", "proceedings", "hearings"]


def _values(data: dict) -> dict:
    return {name: value for name, value in data.items() if name != "version"}


def _proceeding(request, case, proceeding_pk: int) -> Proceeding:
    return get_object_or_404(Proceeding.objects.visible_to(request.user).filter(case=case), pk=proceeding_pk)


def _answer(request, case, key, form, run, message):
    return _quick(
        request, case, key=key, form=form, run=run, parts=PARTS, message=message, anchor="proceedings"
    )


@staff_member_required
@require_POST
def proceeding_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.proceeding_open(actor=request.user, case=case, **_values(data))

    form = ProceedingForm(request.POST, prefix="proceeding")
    return _answer(request, case, "proceeding", form, run, _("Proceeding recorded."))


@staff_member_required
@require_POST
def proceeding_edit(request, pk: int, proceeding_pk: int):
    case = _case(request, pk)
    proceeding = _proceeding(request, case, proceeding_pk)
    key = f"proceeding-{proceeding.pk}"

    def run(data):
        services.proceeding_update(
            actor=request.user, proceeding=proceeding, expected_version=data["version"], **_values(data)
        )

    return _answer(
        request, case, key, ProceedingForm(request.POST, prefix=key), run, _("Proceeding changed.")
    )


@staff_member_required
@require_POST
def proceeding_decide(request, pk: int, proceeding_pk: int):
    case = _case(request, pk)
    proceeding = _proceeding(request, case, proceeding_pk)
    key = f"decision-{proceeding.pk}"

    def run(data):
        services.proceeding_decide(
            actor=request.user,
            proceeding=proceeding,
            outcome=data["outcome"],
            decided_on=data["decided_on"],
            departure_by=data["departure_by"],
            expected_version=data["version"],
        )

    form = DecisionForm(request.POST, prefix=key, kind=proceeding.kind)
    return _answer(request, case, key, form, run, _("Decision recorded."))


@staff_member_required
@require_POST
def proceeding_status(request, pk: int, proceeding_pk: int):
    case = _case(request, pk)
    proceeding = _proceeding(request, case, proceeding_pk)
    key = f"status-{proceeding.pk}"

    def run(data):
        services.proceeding_status_set(
            actor=request.user, proceeding=proceeding, status=data["status"], expected_version=data["version"]
        )

    return _answer(request, case, key, StatusForm(request.POST, prefix=key), run, _("Status changed."))


@staff_member_required
@require_POST
def deadline_add(request, pk: int, proceeding_pk: int):
    case = _case(request, pk)
    proceeding = _proceeding(request, case, proceeding_pk)
    key = f"deadline-{proceeding.pk}"

    def run(data):
        services.deadline_add(actor=request.user, proceeding=proceeding, **data)

    return _answer(request, case, key, DeadlineForm(request.POST, prefix=key), run, _("Deadline added."))


@staff_member_required
@require_POST
def deadline_resolve(request, pk: int, deadline_pk: int):
    case = _case(request, pk)
    deadlines = ProceedingDeadline.objects.visible_to(request.user).filter(proceeding__case=case)
    deadline = get_object_or_404(deadlines, pk=deadline_pk)
    key = f"resolve-{deadline.pk}"

    def run(data):
        services.deadline_resolve(actor=request.user, deadline=deadline, status=data["status"])

    return _answer(
        request, case, key, DeadlineResolveForm(request.POST, prefix=key), run, _("Deadline updated.")
    )


@staff_member_required
@require_POST
def proceeding_hearing_add(request, pk: int, proceeding_pk: int):
    case = _case(request, pk)
    proceeding = _proceeding(request, case, proceeding_pk)
    key = f"phearing-{proceeding.pk}"

    def run(data):
        services.hearing_schedule(
            actor=request.user,
            case=case,
            kind=data["kind"],
            starts_at=data["starts_at"],
            location=data["location"],
            notes=data["notes"],
            court=data["court"],
            proceeding=proceeding,
        )

    form = HearingForm(request.POST, prefix=key, case=case)
    return _answer(request, case, key, form, run, _("Hearing scheduled."))
