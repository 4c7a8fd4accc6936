"""The world of the review and merge page tests: Dallas and Houston staff of every role, and at Dallas
two records of one person with an open possible duplicate between them."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from cases.models import DuplicateReview, Person
from tests import factories as f

DOB = dt.date(1991, 2, 14)


def build_world() -> SimpleNamespace:
    officer_a = f.officer("dallas", first_name="Alicia", last_name="Dávila")
    supervisor_a = f.supervisor("dallas", first_name="Sofía", last_name="Salinas")
    older = f.make_person(
        officer_a, given_names="Juan Carlos", paternal_surname="Herrera", maternal_surname="Gómez", sex="H",
        date_of_birth=DOB, a_number="A-201-555-044",
    )  # fmt: skip
    newer = f.make_person(
        officer_a, given_names="Juan Carlos", paternal_surname="Herrara", maternal_surname="", sex="H",
        date_of_birth=DOB, curp="", phone="+1 214 555 0144",
    )  # fmt: skip
    f.make_case(officer_a, person=older)
    f.make_case(officer_a, person=newer)
    review = DuplicateReview.objects.create(
        person=newer,
        candidate=older,
        score=0.82,
        reasons=["same_date_of_birth", "similar_name"],
        source="registration",
        requested_by=officer_a,
        requesting_consulate_id=older.registered_by_id,
    )
    return SimpleNamespace(
        officer_a=officer_a,
        supervisor_a=supervisor_a,
        officer_b=f.officer("houston", first_name="Bruno", last_name="Beltrán"),
        supervisor_b=f.supervisor("houston", first_name="Berta", last_name="Bravo"),
        manager=f.manager(first_name="Mario", last_name="Mendoza"),
        administrator=f.administrator(first_name="Adela", last_name="Aguirre"),
        auditor=f.auditor(first_name="Aurora", last_name="Auditora"),
        partner=f.partner_user(first_name="Paula", last_name="Pérez"),
        older=Person.objects.get(pk=older.pk),
        newer=Person.objects.get(pk=newer.pk),
        review=review,
    )
