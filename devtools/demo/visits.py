"""Demo data for facility visits (decision 0026): a visit of the Dallas consulate planned for tomorrow at
Prairieland Detention Center (Alvarado, Johnson County: Dallas's district), with several of its
nationals held there now (custody recorded through the services), and a request to the facility sent
earlier and not answered. People and texts are fictional; the facility is the sourced one."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case, CustodyEpisode, FacilityVisit
from cases.models.case import Status
from consulates.models import DetentionFacility

FACILITY = "Prairieland Detention Center"
HELD = 4  # nationals held there for the visit's list


@transaction.atomic
def visits_seed() -> str:
    users = get_user_model().objects
    officer = users.filter(username="oficial.dallas").first()
    supervisor = users.filter(username="supervisora.dallas").first()
    facility = DetentionFacility.objects.filter(name=FACILITY).first()
    if officer is None or facility is None:
        return "skipped (no Dallas officer or no Prairieland Detention Center)"
    if FacilityVisit.objects.filter(facility=facility).exists():
        return "already there"
    today = timezone.localdate()
    held = CustodyEpisode.objects.filter(facility=facility, ended_on__isnull=True).values("case_id")
    already = Case.objects.filter(consulate__slug="dallas", pk__in=held).exclude(status=Status.CLOSED).count()
    candidates = Case.objects.filter(
        consulate__slug="dallas", status__in=[Status.OPEN, Status.IN_PROGRESS], facility__isnull=True
    ).order_by("-pk")[: max(0, HELD - already)]
    for n, case in enumerate(candidates):
        services.custody_move(
            actor=officer, case=case, facility=facility, since=today - dt.timedelta(days=5 + n),
            agency="ice_ero", source="ice_locator",
        )  # fmt: skip
    visit = services.visit_plan(
        actor=officer,
        facility=facility,
        planned_for=today + dt.timedelta(days=1),
        officers=[u for u in (officer, supervisor) if u is not None],
        notes="Llevar formatos de entrevista y la lista de teléfonos del consulado.",
    )
    services.request_create(
        actor=officer,
        authority_kind="facility",
        authority_name=FACILITY,
        kind="access",
        facility=facility,
        details="Solicitamos horario fijo para entrevistas consulares confidenciales.",
        sent_on=today - dt.timedelta(days=20),
        due_on=today - dt.timedelta(days=6),
    )
    listed = already + len(candidates)
    return f"a visit to {FACILITY} planned for tomorrow (visit {visit.pk}) with {listed} nationals held there"
