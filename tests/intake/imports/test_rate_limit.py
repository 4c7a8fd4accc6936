"""How a bulk import meets the identifier-review rate limit of imports (``IDENTIFIER_REVIEW_RATE_PER_IMPORTER``,
a budget of its own beside the forms' ``IDENTIFIER_REVIEW_RATE_PER_USER``): each A-number held by a person the
importing user cannot see is withheld and reviewed, and counts against the user's import budget. Past it, every further row with an identifier is not imported, with the limit's own message
(it says nothing about the identifier); the rest of the list goes on. Importing the same file again once the
window has passed imports those rows, and the rows done before are "repeated"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from cases.models import IdentifierReview
from intake.imports import services
from intake.models import RowDecision
from tests import factories as f

pytestmark = pytest.mark.django_db

LIST = (
    "A-Number,Last Name,First Name,DOB,Gender\n"
    "A206000001,OCHOA,BRUNO,01/02/1970,M\n"
    "A206000002,PARRA,CELIA,03/04/1971,F\n"
    ",VALDEZ,DARIO,05/06/1972,M\n"
)


def test_rows_past_the_limit_wait_for_a_later_import(settings):
    settings.IDENTIFIER_REVIEW_RATE_PER_IMPORTER = "1/h"
    cache.clear()
    houston, dallas = f.officer("houston"), f.officer("dallas")
    f.make_person(
        houston,
        given_names="Bruno",
        paternal_surname="Ochoa",
        date_of_birth=dt.date(1960, 1, 1),
        a_number="206000001",
    )
    f.make_person(
        houston,
        given_names="Celia",
        paternal_surname="Parra",
        date_of_birth=dt.date(1961, 1, 1),
        a_number="206000002",
    )
    first = services.import_file(
        actor=dallas, consulate=f.consulate("dallas"), filename="l.csv", content=LIST.encode()
    )
    rows = {row.number: row for row in first.rows.all()}
    assert rows[2].decision == RowDecision.REVIEW  # a certain match the user cannot see
    assert rows[2].person.a_number is None  # withheld, under review
    assert rows[2].reasons == ["identifier_in_review"]
    assert rows[3].decision == RowDecision.ERROR
    assert "Demasiados identificadores" in rows[3].errors["a_number"][0]
    assert rows[4].decision == RowDecision.NEW  # no identifier: not held back
    assert IdentifierReview.objects.filter(attempted_person=rows[2].person).count() == 1

    cache.clear()  # the window has passed
    second = services.import_file(
        actor=dallas, consulate=f.consulate("dallas"), filename="l.csv", content=LIST.encode()
    )
    again = {row.number: row for row in second.rows.all()}
    assert again[2].decision == RowDecision.REPEATED
    assert again[2].person_id == rows[2].person_id
    assert again[3].decision == RowDecision.REVIEW
    assert again[4].decision == RowDecision.REPEATED


def test_imports_and_forms_draw_on_separate_budgets(settings):
    """A list naming other consulates' detainees does not stop the officer's forms, and an officer who
    used the forms' budget up can still import a list."""
    settings.IDENTIFIER_REVIEW_RATE_PER_USER = "1/h"
    settings.IDENTIFIER_REVIEW_RATE_PER_IMPORTER = "5/h"
    cache.clear()
    houston, dallas = f.officer("houston"), f.officer("dallas")
    held = [
        f.make_person(houston, given_names=name, paternal_surname="Ochoa", a_number=number)
        for name, number in (("Bruno", "206100001"), ("Celia", "206100002"), ("Dario", "206100003"))
    ]
    form = f.make_person(dallas, given_names="Eva", paternal_surname="Lara", a_number="206100001")
    assert form.identifiers_in_review == ("a_number",)  # the forms' budget (1) is now used up
    batch = services.import_file(
        actor=dallas,
        consulate=f.consulate("dallas"),
        filename="l.csv",
        content=(
            b"A-Number,Last Name,First Name,DOB,Gender\n"
            b"A206100002,PARRA,FELIPE,03/04/1971,M\n"
            b"A206100003,VALDEZ,GINA,05/06/1972,F\n"
        ),
    )
    assert sorted(batch.rows.values_list("decision", flat=True)) == [RowDecision.REVIEW, RowDecision.REVIEW]
    assert IdentifierReview.objects.filter(existing_person__in=held).count() == 3
