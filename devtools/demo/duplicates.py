"""One obvious possible duplicate at Dallas for the demo: the same man registered twice (the second time
as ICE spelled his surname, without his maternal surname), with an open review, so a new user finds
something in the "Possible duplicates" queue. Fictional data, made through the services."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction

from cases import services
from cases.matching import MatchQuery, match
from cases.models import Person
from cases.models.identity import DuplicateSource
from cases.services.duplicate_reviews import duplicate_review_open
from consulates.models import Consulate

DOB = dt.date(1991, 2, 14)
FIRST = {"given_names": "Juan Carlos", "paternal_surname": "Herrera", "maternal_surname": "Gómez"}
SECOND = {"given_names": "Juan Carlos", "paternal_surname": "Herrara", "maternal_surname": ""}


@transaction.atomic
def duplicates_seed() -> str:
    dallas = Consulate.objects.get(slug="dallas")
    officer = get_user_model().objects.filter(username="oficial.dallas").first()
    if officer is None or Person.objects.filter(registered_by=dallas, **SECOND).exists():
        return "already there"
    first = services.person_register(
        actor=officer, consulate=dallas, date_of_birth=DOB, sex="H", state_of_birth="MN",
        a_number="A-209-114-583", **FIRST,
    )  # fmt: skip
    services.case_open(actor=officer, person=first, consulate=dallas, category="migratorio",
                       subtype="detencion_migratoria")  # fmt: skip
    second = services.person_register(
        actor=officer, consulate=dallas, date_of_birth=DOB, sex="H", phone="+1 214 555 0148", **SECOND
    )
    services.case_open(actor=officer, person=second, consulate=dallas, category="migratorio",
                       subtype="detencion_migratoria")  # fmt: skip
    query = MatchQuery(**SECOND, date_of_birth=DOB, sex="H")
    result = match(query, among=Person.objects.exclude(pk=second.pk))
    found = next((c for c in result.candidates if c.person_id == first.pk), None)
    score, reasons = (found.score, found.reasons) if found else (0.8, ("similar_name", "same_date_of_birth"))
    duplicate_review_open(
        actor=officer, person=second, candidate=first, score=score, reasons=reasons,
        source=DuplicateSource.REGISTRATION, consulate=dallas,
    )  # fmt: skip
    return "one open review at Dallas"
