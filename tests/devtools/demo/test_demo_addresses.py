"""devtools/demo/addresses.py: a share of the demo persons has street addresses, plainly fictitious and
encrypted by the COPY loader like the identifiers (live rows and the history written beside them)."""

from __future__ import annotations

import pytest
from django.db import connection

from cases.models import Person
from devtools.demo.addresses import MX_STREETS, MX_TOWNS, US_CITIES, US_STREETS
from devtools.demo.seed import Seeder

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    Seeder(seed=5).seed(cases=400, batch=150)
    return list(Person.objects.values_list("pk", "us_address", "mexico_address"))


def test_a_share_of_persons_has_fictitious_addresses(seeded):
    us = [address for _pk, address, _mx in seeded if address]
    mexico = [address for _pk, _us, address in seeded if address]
    assert 0.3 * len(seeded) < len(us) < 0.6 * len(seeded)
    assert 0.4 * len(seeded) < len(mexico) < 0.7 * len(seeded)
    for address in us:
        street, town = address.split("\n")
        assert any(name in street for name in US_STREETS), address
        assert any(town.startswith(f"{city}, {state} {prefix}") for city, state, prefix in US_CITIES)
    for address in mexico:
        street, town = address.split("\n")
        assert any(street.startswith(name) for name in MX_STREETS), address
        assert town in MX_TOWNS
    assert len(set(us)) > 0.9 * len(us)  # drawn, not one address repeated


def test_the_loader_stores_only_ciphertext_in_the_person_and_history_tables(seeded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.us_address, p.mexico_address, h.us_address, h.mexico_address FROM cases_person p"
            " JOIN cases_personhistory h ON h.pgh_obj_id = p.id AND h.pgh_label = 'insert'"
        )
        rows = cursor.fetchall()
    assert len(rows) == len(seeded)
    stored = [value for row in rows for value in row if value]
    assert len(stored) > len(seeded)
    assert all(value.startswith("e1:") for value in stored)
    assert all(row[:2] == row[2:] for row in rows)  # history holds the same ciphertext
