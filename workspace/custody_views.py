"""The case page's custody actions: a move, a release, a check, a search for the person. Each calls one
service through the page's quick-action flow (``case_views._quick``); nothing here decides who may."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from consulates.facilities import facility_add
from workspace.case_views import _case, _quick
from workspace.custody_forms import CustodyMoveForm, CustodyReleaseForm, CustodyVerifiedForm, LocateForm

CUSTODY_PARTS = ["header", "timeline", "tasks", "custody"]


@staff_member_required
@require_POST
def custody_move(request, pk: int):
    case = _case(request, pk)

    @transaction.atomic  # a facility added for a move that is refused is not kept
    def run(data):
        facility = data["facility"]
        if facility is None and data["new_name"]:
            facility = facility_add(
                actor=request.user,
                name=data["new_name"],
                city=data["new_city"],
                state=data["new_state"],
                kind=data["new_kind"],
                county=data["new_county"],
                timezone=data["new_timezone"],
            )
        services.custody_move(
            actor=request.user,
            case=case,
            facility=facility,
            since=data["since"],
            time=data["time"],
            agency=data["agency"],
            source=data["source"],
            notes=data["notes"],
        )

    return _quick(
        request,
        case,
        key="move",
        form=CustodyMoveForm(request.POST, prefix="move"),
        run=run,
        parts=CUSTODY_PARTS,
        message=_("Move recorded."),
        anchor="custody",
    )


@staff_member_required
@require_POST
def custody_release(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.custody_release(
            actor=request.user, case=case, on=data["on"], source=data["source"], notes=data["notes"]
        )

    return _quick(
        request,
        case,
        key="release",
        form=CustodyReleaseForm(request.POST, prefix="release"),
        run=run,
        parts=CUSTODY_PARTS,
        message=_("Release recorded."),
        anchor="custody",
    )


@staff_member_required
@require_POST
def custody_verified(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.custody_verify(actor=request.user, case=case)

    return _quick(
        request,
        case,
        key="verified",
        form=CustodyVerifiedForm(request.POST, prefix="verified"),
        run=run,
        parts=CUSTODY_PARTS,
        message=_("Custody marked as verified."),
        anchor="custody",
    )


@staff_member_required
@require_POST
def locate_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        services.locate_attempt_record(
            actor=request.user,
            case=case,
            where=data["where"],
            result=data["result"],
            searched_for=data["searched_for"],
            facility=data["facility"],
            notes=data["notes"],
            attempted_at=data["attempted_at"],
            record_custody=data["record_custody"],
        )

    return _quick(
        request,
        case,
        key="locate",
        form=LocateForm(request.POST, prefix="locate"),
        run=run,
        parts=CUSTODY_PARTS,
        message=_("Search saved."),
        anchor="custody",
    )
