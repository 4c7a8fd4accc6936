"""The case page's critical incident actions: record one, close one. Each calls one service through the
page's quick-action flow (``case_views._quick``); nothing here decides who may."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.models import CriticalIncident
from cases.zones import wall_clock_entered
from consulates.models import DetentionFacility
from workspace.case_views import _case, _quick
from workspace.incident_forms import IncidentCloseForm, IncidentForm

INCIDENT_PARTS = ["header", "timeline", "tasks", "incidents"]


def _place_zone(case, facility: DetentionFacility | None) -> str:
    if facility is not None and facility.zone_name:
        return facility.zone_name
    return case.consulate.timezone


@staff_member_required
@require_POST
def incident_add(request, pk: int):
    case = _case(request, pk)

    def run(data):
        facility = data["facility"]
        zone = _place_zone(case, facility)
        occurred_at, learned_at = data["occurred_at"], data["learned_at"]
        services.incident_record(
            actor=request.user,
            case=case,
            kind=data["kind"],
            occurred_at=wall_clock_entered(occurred_at, zone) if occurred_at else None,
            facility=facility,
            place=data["place"],
            source=data["source"],
            learned_at=wall_clock_entered(learned_at, zone) if learned_at else None,
            description=data["description"],
        )

    return _quick(
        request,
        case,
        key="incident",
        form=IncidentForm(request.POST, prefix="incident"),
        run=run,
        parts=INCIDENT_PARTS,
        message=_("Incident recorded: the supervisors and managers were notified."),
        anchor="incidents",
    )


@staff_member_required
@require_POST
def incident_close(request, pk: int, incident_pk: int):
    case = _case(request, pk)
    incident = get_object_or_404(CriticalIncident.objects.visible_to(request.user), pk=incident_pk, case=case)
    key = f"incident-{incident.pk}"

    def run(data):
        services.incident_close(actor=request.user, incident=incident, note=data["note"])

    return _quick(
        request,
        case,
        key=key,
        form=IncidentCloseForm(request.POST, prefix=key),
        run=run,
        parts=INCIDENT_PARTS,
        message=_("Incident closed."),
        anchor="incidents",
    )
