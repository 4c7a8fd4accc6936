"""Children in the demo world (decision 0029): a sister and brother in the care of Texas DFPS in Dallas's
district (the detained father's children of the family demo, decision 0027, when it ran first), each with
their own case, the agency's case (numbers, caseworker, a CASA volunteer) and what DFPS
asked of the consulate (locate family, birth certificates, a home study through the DIF); and an
unaccompanied girl with a complete assessment and a hand-off the DIF confirmed in Nuevo Laredo, her case
ready for a supervisor to close. Fictional people and numbers, made through the services."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Case, Person
from cases.models.case import Status
from consulates.models import Consulate, Partner, PartnerKind, ReceptionPoint

SIBLINGS = [
    {
        "given_names": "Valeria",
        "paternal_surname": "Ríos",
        "maternal_surname": "Campos",
        "sex": "M",
        "age": 9,
    },
    {"given_names": "Mateo", "paternal_surname": "Ríos", "maternal_surname": "Campos", "sex": "H", "age": 6},
]
UNACCOMPANIED = {
    "given_names": "Brenda",
    "paternal_surname": "Jiménez",
    "maternal_surname": "Luna",
    "sex": "M",
}


def _born(age: int, today: dt.date) -> dt.date:
    return today.replace(year=today.year - age) - dt.timedelta(days=40)


@transaction.atomic
def children_seed() -> str:
    dallas = Consulate.objects.get(slug="dallas")
    users = get_user_model().objects
    officer = users.filter(username="oficial.dallas").first()
    dfps = Partner.objects.filter(kind=PartnerKind.CHILD_WELFARE, state="TX").first()
    point = (
        ReceptionPoint.objects.offered()
        .filter(receivers__contains=[ReceptionPoint.Receiver.DIF], mx_city="Nuevo Laredo")
        .first()
    )
    if officer is None or dfps is None or point is None:
        return "skipped (no Dallas officer, DFPS or DIF reception point)"
    if Person.objects.filter(registered_by=dallas, given_names="Brenda", paternal_surname="Jiménez").exists():
        return "already there"
    today = timezone.localdate()
    for n, case in enumerate(_siblings_cases(officer, dallas, today)):
        services.case_assign(actor=officer, case=case, assignee=officer)
        services.child_welfare_record(
            actor=officer,
            case=case,
            agency=dfps,
            agency_case_number=f"DEMO-{48210 + n}",
            court_cause_number=f"DF-DEMO-{1170 + n}",
            court_name="Tribunal de distrito del condado de Dallas (demo)",
            caseworker_name="Laura Benavides (demo)",
            caseworker_phone="+1 214 555 0190",
            caseworker_email="laura.benavides@example.invalid",
            advocate_kind="casa",
            advocate_name="Martha Reyes (demo)",
        )
        if n == 0:
            services.agency_request_add(
                actor=officer, case=case, kind="locate_family", due_date=today + dt.timedelta(days=14),
                description="Localizar a la abuela materna en México", requested_on=today - dt.timedelta(days=3),
            )  # fmt: skip
            services.agency_request_add(
                actor=officer, case=case, kind="birth_certificates", due_date=today + dt.timedelta(days=7),
                status="in_progress", requested_on=today - dt.timedelta(days=3),
            )  # fmt: skip
        else:
            services.agency_request_add(
                actor=officer, case=case, kind="home_study", due_date=today + dt.timedelta(days=30),
                description="Estudio del hogar de la abuela por medio del DIF del estado donde vive",
            )  # fmt: skip
    _unaccompanied(officer, dallas, point, today)
    return "two siblings in DFPS care and an unaccompanied girl received by the DIF (Dallas)"


def _siblings_cases(officer, dallas, today) -> list:
    """The cases of the two children in DFPS care: those of the detained father's children when the family
    demo registered them (decision 0027: Rogelio Sandoval's), else two siblings registered here."""
    family = list(
        Case.objects.filter(
            consulate=dallas, subtype="custodia_menores", person__paternal_surname="Sandoval",
            person__maternal_surname="Ruiz",
        )
        .exclude(status=Status.CLOSED)
        .select_related("person")
        .order_by("person__date_of_birth")
    )  # fmt: skip
    if len(family) == 2:
        return family
    cases = []
    for child in SIBLINGS:
        fields = {k: v for k, v in child.items() if k != "age"}
        person = services.person_register(
            actor=officer,
            consulate=dallas,
            date_of_birth=_born(child["age"], today),
            state_of_birth="MC",
            **fields,
        )
        cases.append(
            services.case_open(
                actor=officer,
                person=person,
                consulate=dallas,
                category="civil",
                subtype="custodia_menores",
                summary="Bajo la tutela de DFPS; su padre está detenido por ICE. DFPS pide apoyo del consulado.",
            )
        )
    return cases


def _unaccompanied(officer, dallas, point, today) -> None:
    person = services.person_register(
        actor=officer, consulate=dallas, date_of_birth=_born(15, today), state_of_birth="GT", **UNACCOMPANIED
    )
    case = services.case_open(
        actor=officer,
        person=person,
        consulate=dallas,
        category="migratorio",
        subtype="menores_custodia",
        summary="Adolescente no acompañada; pide volver con su madre en Guanajuato.",
    )
    services.case_assign(actor=officer, case=case, assignee=officer)
    services.child_assess(
        actor=officer,
        case=case,
        situation="unaccompanied",
        age_basis="document",
        age_notes="Acta de nacimiento",
        victim_of_trafficking="no",
        at_risk_of_trafficking="no",
        fears_return="no",
        can_decide_alone="yes",
        guardian_name="Rocío Luna (demo)",
        guardian_relationship="madre",
        guardian_check="dif",
        dif_office=point,
    )
    services.case_update(
        actor=officer,
        case=case,
        expected_removal_date=today - dt.timedelta(days=1),
        expected_removal_time=dt.time(10, 0),
        removal_mode="on_foot",
        reception_point=point,
    )
    handoff = services.handoff_prepare(
        actor=officer,
        case=case,
        warnings_reason="Retorno acordado con el DIF y su madre; sin temor de retorno.",
    )
    services.handoff_confirm(
        actor=officer,
        handoff=handoff,
        received_by_name="Personal del DIF, CAMEF Nuevo Laredo (demo)",
        received_at=timezone.now() - dt.timedelta(hours=6),
    )
