"""Demo data for the custody history (issue 20): a Dallas detainee moved within the district, then to
another district (the transfer is proposed), and one moved out of state, to a facility staff added
because it is not in the list. DEMO DATA: the out-of-state facility below is fictional, made for the
demo; it is not sourced and it is marked as such in its own record."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case
from cases.models.case import Status
from consulates.choices import FacilityKind
from consulates.facilities import facility_add
from consulates.models import DetentionFacility

DEMO_FACILITY = "DEMO — Centro de procesamiento de ICE fuera de la red (ficticio)"
DEMO_NOTE = "Datos de demostración: instalación ficticia fuera de Texas, Oklahoma y Nuevo México."


@transaction.atomic
def custody_seed() -> str:
    """Two Dallas cases with a custody history recorded through the services; what was made, in words."""
    officer = get_user_model().objects.filter(username="oficial.dallas").first()
    facilities = list(
        DetentionFacility.objects.filter(county__consulate__slug="dallas", active=True).order_by("pk")[:2]
    )
    elsewhere = (
        DetentionFacility.objects.filter(county__consulate__slug="houston", active=True)
        .order_by("pk")
        .first()
    )
    cases = list(
        Case.objects.filter(
            consulate__slug="dallas", status__in=[Status.OPEN, Status.IN_PROGRESS], facility__isnull=True
        ).order_by("pk")[:2]
    )
    if officer is None or len(facilities) < 2 or elsewhere is None or len(cases) < 2:
        return "skipped (no Dallas officer, facilities or open cases)"
    today = timezone.localdate()
    moved, out_of_state = cases
    services.case_update(
        actor=officer, case=moved, facility=facilities[0], detained_since=today - dt.timedelta(days=21)
    )
    services.custody_move(
        actor=officer, case=moved, facility=facilities[1], since=today - dt.timedelta(days=12),
        agency="ice_ero", source="ice_locator",
    )  # fmt: skip
    services.custody_move(
        actor=officer, case=moved, facility=elsewhere, since=today - dt.timedelta(days=2),
        agency="ice_ero", source="facility", notes="Traslado confirmado por teléfono con la instalación.",
    )  # fmt: skip
    services.locate_attempt_record(
        actor=officer, case=moved, where="ice_locator", result="found", facility=elsewhere,
        searched_for="Número A", attempted_at=timezone.now() - dt.timedelta(days=1),
    )  # fmt: skip
    services.case_update(
        actor=officer, case=out_of_state, facility=facilities[0], detained_since=today - dt.timedelta(days=9)
    )
    demo = DetentionFacility.objects.filter(name=DEMO_FACILITY).first() or facility_add(
        actor=officer, name=DEMO_FACILITY, city="Jena", state="LA", kind=FacilityKind.ICE,
        timezone="America/Chicago",
    )  # fmt: skip
    DetentionFacility.objects.filter(pk=demo.pk).update(
        notes=DEMO_NOTE, source="Demo data (seed_demo): fictional."
    )
    services.locate_attempt_record(
        actor=officer, case=out_of_state, where="ice_locator", result="transferred_out",
        searched_for="Número A", notes="El localizador de ICE la muestra en Luisiana.",
        attempted_at=timezone.now() - dt.timedelta(hours=6),
    )  # fmt: skip
    services.custody_move(
        actor=officer, case=out_of_state, facility=demo, since=today - dt.timedelta(days=1),
        agency="ice_ero", source="ice_locator", notes="Trasladada fuera del estado.",
    )  # fmt: skip
    return f"{moved.reference} moved three times (transfer proposed); {out_of_state.reference} moved out of state"
