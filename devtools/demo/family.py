"""Families in the demo world (decision 0027): a father detained in the Dallas district linked to his two
children, who have their own cases (child-protection proceedings, in state care), and to their mother, who
lives in Mexico and is registered only as family; a family-preparedness checklist on the father's case.
All the people are fictional (DEMO DATA)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Person
from consulates.models import Consulate, DetentionFacility

FATHER = {"given_names": "Rogelio", "paternal_surname": "Sandoval", "maternal_surname": "Treviño"}


@transaction.atomic
def family_seed() -> str:
    officer = get_user_model().objects.filter(username="oficial.dallas").first()
    dallas = Consulate.objects.filter(slug="dallas").first()
    facility = DetentionFacility.objects.filter(name="Prairieland Detention Center").first()
    if officer is None or dallas is None or facility is None:
        return "skipped (no Dallas officer or facility)"
    if Person.objects.filter(**FATHER).exists():
        return "already there"
    today = timezone.localdate()
    father = services.person_register(
        actor=officer, consulate=dallas, sex="H", date_of_birth=dt.date(1986, 3, 14), state_of_birth="GT",
        languages=["español"], **FATHER,
    )  # fmt: skip
    father_case = services.case_open(
        actor=officer, person=father, consulate=dallas, category="migratorio", subtype="detencion_migratoria",
        facility=facility, detained_since=today - dt.timedelta(days=6),
        summary="Detenido en un operativo; sus dos hijos quedaron al cuidado del DFPS.",
    )  # fmt: skip
    children = []
    for given, sex, born in (("Daniela", "M", dt.date(2016, 5, 2)), ("Mateo", "H", dt.date(2019, 9, 21))):
        child = services.person_register(
            actor=officer, consulate=dallas, given_names=given, paternal_surname="Sandoval",
            maternal_surname="Ruiz", sex=sex, date_of_birth=born, is_minor=True, languages=["español", "inglés"],
        )  # fmt: skip
        services.case_open(
            actor=officer, person=child, consulate=dallas, category="civil", subtype="custodia_menores",
            summary="En cuidado temporal del DFPS de Texas tras la detención del padre.",
        )  # fmt: skip
        services.relationship_add(
            actor=officer, person=father, relative=child, kind="child",
            relative_whereabouts="state_care_us", person_whereabouts="detained_us",
        )  # fmt: skip
        children.append(child)
    mother = services.person_register(
        actor=officer, consulate=dallas, given_names="Lucía", paternal_surname="Ruiz",
        maternal_surname="Domínguez", sex="M", state_of_birth="GT",
    )  # fmt: skip
    services.relationship_add(
        actor=officer, person=father, relative=mother, kind="spouse", relative_whereabouts="mexico",
        person_whereabouts="detained_us", notes="Vive en Celaya, Guanajuato; se comunica por WhatsApp.",
    )  # fmt: skip
    for child in children:
        services.relationship_add(
            actor=officer, person=child, relative=mother, kind="parent", relative_whereabouts="mexico",
            person_whereabouts="state_care_us",
        )  # fmt: skip
    for kind, extra in (
        ("caregiver", {"due_on": today + dt.timedelta(days=3)}),
        ("power_of_attorney", {"due_on": today + dt.timedelta(days=10)}),
        ("nationality", {"due_on": today + dt.timedelta(days=30)}),
        ("documents", {"document": "passport", "description": "Daniela y Mateo"}),
    ):
        services.checklist_item_add(actor=officer, case=father_case, kind=kind, **extra)
    return (
        f"{father_case.reference}: a detained father linked to his two children (own cases, in DFPS care) "
        "and their mother in Mexico; a family-preparedness checklist"
    )
