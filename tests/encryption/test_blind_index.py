"""Exact lookup through the keyed blind index finds every one of 10,000 generated CURPs and A-numbers,
typed in any accepted form, and nothing else."""

from __future__ import annotations

import random

import pytest
from django.db import connection

from cases.identifiers import format_a_number, validate_curp
from cases.models import Case, Person
from cases.selectors import case_search_filter, person_search_filter
from tests import factories as f

pytestmark = pytest.mark.django_db

COUNT = 10_000


def make_population(count: int) -> dict[int, tuple[str, str]]:
    """``count`` persons with generated CURPs (checked by the validator) and distinct A-numbers,
    bulk-created: the bulk path encrypts and fills the blind indexes too."""
    rng = random.Random(7)
    dallas = f.consulate("dallas")
    a_numbers = rng.sample(range(10_000_000, 999_999_999), count)
    rows = [
        Person(
            given_names="Persona",
            paternal_surname=f"Prueba{i}",
            registered_by=dallas,
            curp=validate_curp(f.make_curp()),
            a_number=f"{a_numbers[i]:09d}",
        )
        for i in range(count)
    ]
    created = Person.objects.bulk_create(rows, batch_size=2000)
    return {p.pk: (p.curp, p.a_number) for p in created}


def typed_forms(pk: int, curp: str, a_number: str) -> tuple[str, str]:
    """How staff might type them: lower case or padded CURPs, dashed or unpadded A-numbers."""
    return (
        curp.lower() if pk % 2 else f" {curp} ",
        format_a_number(a_number) if pk % 3 else "A" + a_number.lstrip("0"),
    )


def test_every_one_of_10000_curps_and_a_numbers_is_found_through_its_blind_index():
    population = make_population(COUNT)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_person WHERE curp_bidx IS NULL OR a_number_bidx IS NULL")
        assert cursor.fetchone()[0] == 0
    pks = list(population)
    found_by_curp: dict[int, str] = {}
    found_by_a_number: dict[int, str] = {}
    # In chunks of 1,000 values per query (the same method, with several values), to keep the test short.
    for start in range(0, COUNT, 1000):
        chunk = pks[start : start + 1000]
        typed = [typed_forms(pk, *population[pk]) for pk in chunk]
        found_by_curp.update(Person.objects.with_curp(*(t[0] for t in typed)).values_list("pk", "curp"))
        found_by_a_number.update(
            Person.objects.with_a_number(*(t[1] for t in typed)).values_list("pk", "a_number")
        )
    assert found_by_curp == {pk: curp for pk, (curp, _) in population.items()}
    assert found_by_a_number == {pk: a_number for pk, (_, a_number) in population.items()}
    # and one at a time, as the search box and the API filters do, for a sample
    for pk in random.Random(3).sample(pks, 300):
        curp, a_number = typed_forms(pk, *population[pk])
        assert list(Person.objects.with_curp(curp).values_list("pk", flat=True)) == [pk]
        assert list(Person.objects.with_a_number(a_number).values_list("pk", flat=True)) == [pk]


def test_unknown_and_malformed_identifiers_find_nothing():
    make_population(20)
    assert not Person.objects.with_curp(f.make_curp()).exists()
    assert not Person.objects.with_a_number("A-000-000-001").exists()
    assert not Person.objects.with_a_number("not an A-number").exists()
    assert not Person.objects.with_curp("").exists()


def test_search_boxes_use_the_blind_index():
    pk, (curp, a_number) = next(iter(make_population(20).items()))
    assert list(Person.objects.filter(person_search_filter(curp.lower())).values_list("pk", flat=True)) == [
        pk
    ]
    assert list(
        Person.objects.filter(person_search_filter(format_a_number(a_number))).values_list("pk", flat=True)
    ) == [pk]
    case = f.make_case(f.officer("dallas"), person=Person.objects.get(pk=pk))
    assert list(Case.objects.filter(case_search_filter(curp)).values_list("pk", flat=True)) == [case.pk]
