"""Issue 20's data migrations on a seeded database: the demo seeder's cases (custody, hearings at courts)
are taken back to before the custody history and the proceedings, and forward again. Every case with a
facility gets one custody episode that says what the case said (``cases.0016``), and every hearing ends
up in its own case's single removal proceedings (``cases.0019``).

Marked ``migrations``: run by CI (``make test-migrations``), not by ``make test`` (Django's migration state
for the whole project, back and forth, takes minutes). Transactional (migrations change the schema): the tables are flushed afterwards and the conftest puts the
network back, as after every ``transaction=True`` test."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cases.models import Case, CustodyEpisode, Hearing, Proceeding
from devtools.demo.seed import Seeder
from devtools.demo.users import demo_users_create

BEFORE = [("cases", "0014_handover_to_consulates_outside_network")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.migrations
@pytest.mark.django_db(transaction=True)
def test_custody_and_hearings_carry_over_on_a_seeded_database():
    Seeder(seed=20, officers=demo_users_create()).seed(cases=400)
    custody = {
        pk: (facility, since, released)
        for pk, facility, since, released in Case.objects.filter(facility__isnull=False).values_list(
            "pk", "facility_id", "detained_since", "released_on"
        )
    }
    hearings = dict(Hearing.objects.values_list("pk", "case_id"))
    assert len(custody) > 50
    assert len(hearings) > 20
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()

    _migrate(BEFORE)
    _migrate(latest)

    episodes = list(CustodyEpisode.objects.values_list("case_id", "facility_id", "started_on", "ended_on"))
    assert {e[0] for e in episodes} == set(custody)
    assert len(episodes) == len(custody)  # one each
    for case_id, facility, started, ended in episodes:
        since = custody[case_id][1]
        released = custody[case_id][2]
        assert facility == custody[case_id][0]
        assert ended == released
        assert started == (None if released and since and released < since else since)
    assert set(CustodyEpisode.objects.values_list("source", flat=True)) == {"legacy"}

    moved = dict(Hearing.objects.values_list("pk", "proceeding__case_id"))
    assert moved == hearings  # every hearing in a proceeding of its own case
    per_case = Counter(Proceeding.objects.values_list("case_id", flat=True))
    assert set(per_case) == set(hearings.values())
    assert set(per_case.values()) == {1}
    assert set(Proceeding.objects.values_list("kind", flat=True)) == {"removal"}
