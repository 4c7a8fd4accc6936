"""The demo's hand-over (issue 20): a man detained in Dallas's district and moved by ICE to a facility in
Georgia; Dallas's supervisor hands his case over to the Consulado de México en Atlanta (a post outside
the network, from us_mexican_consulates.csv) by email, with the export of his data recorded in the access
log, and the case closes as transferred out. His custody history shows both stays; the Georgia facility is
fictional and says so (DEMO DATA), like the custody demo's. Fictional data, made through the services."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Person
from cases.models.handover import HandoverMethod, HandoverReason
from consulates.choices import FacilityKind
from consulates.facilities import facility_add
from consulates.models import ConsularPost, Consulate, DetentionFacility

GEORGIA_FACILITY = "DEMO — Centro de detención de ICE en Georgia (ficticio)"
GEORGIA_NOTE = "Datos de demostración: instalación ficticia fuera de Texas, Oklahoma y Nuevo México."
PERSON = {"given_names": "Efraín", "paternal_surname": "Montoya", "maternal_surname": "Salas"}


@transaction.atomic
def handover_seed() -> str:
    dallas = Consulate.objects.get(slug="dallas")
    users = get_user_model().objects
    officer = users.filter(username="oficial.dallas").first()
    supervisor = users.filter(username="supervisora.dallas").first()
    atlanta = ConsularPost.objects.filter(city="Atlanta", state="GA").first()
    if (
        officer is None
        or supervisor is None
        or atlanta is None
        or Person.objects.filter(registered_by=dallas, **PERSON).exists()
    ):
        return "already there"
    person = services.person_register(
        actor=officer, consulate=dallas, date_of_birth=dt.date(1991, 3, 14), sex="H", state_of_birth="GR",
        **PERSON,
    )  # fmt: skip
    case = services.case_open(
        actor=officer, person=person, consulate=dallas, category="migratorio", subtype="detencion_migratoria",
        summary="Detenido en Dallas; ICE lo trasladó a un centro de detención en Georgia.",
    )  # fmt: skip
    services.case_assign(actor=officer, case=case, assignee=officer)
    _custody(officer, case)
    services.case_note_add(
        actor=officer,
        case=case,
        kind="call",
        text="La familia informa que ICE lo trasladó a Georgia; el localizador de ICE lo confirma.",
    )
    services.handover_record(
        actor=supervisor,
        case=case,
        post=atlanta,
        reason=HandoverReason.MOVED,
        reason_notes="Trasladado por ICE a un centro de detención en Georgia.",
        method=HandoverMethod.EMAIL,
        method_notes="Departamento de protección del consulado en Atlanta",
        sent_at=timezone.now() - dt.timedelta(hours=2),
    )
    return f"{case.reference}: handed over to {atlanta.name}"


def _custody(officer, case) -> None:
    """Held at a facility of Dallas's district, then moved by ICE to (fictional) Georgia: the custody
    history the hand-over answers."""
    today = timezone.localdate()
    in_dallas = DetentionFacility.objects.filter(county__consulate__slug="dallas", active=True).order_by("pk")
    if not in_dallas.exists():
        return
    services.case_update(
        actor=officer, case=case, facility=in_dallas.first(), detained_since=today - dt.timedelta(days=11)
    )
    georgia = DetentionFacility.objects.filter(name=GEORGIA_FACILITY).first() or facility_add(
        actor=officer, name=GEORGIA_FACILITY, city="Atlanta", state="GA", kind=FacilityKind.ICE,
        timezone="America/New_York",
    )  # fmt: skip
    DetentionFacility.objects.filter(pk=georgia.pk).update(
        notes=GEORGIA_NOTE, source="Demo data (seed_demo): fictional."
    )
    services.custody_move(
        actor=officer, case=case, facility=georgia, since=today - dt.timedelta(days=1),
        agency="ice_ero", source="ice_locator", notes="El localizador de ICE lo muestra en Georgia.",
    )  # fmt: skip
