"""A dump of the database holds none of the identifiers a merge's snapshot keeps (CURP, A-number, phone,
passport, addresses of both records as they were), nor those of the records merged and separated again:
the snapshot is encrypted, the merge's history leaves it out, and the other names hold names only.

Transactional (``pg_dump`` is another connection), like tests/security/test_dump_scan.py."""

from __future__ import annotations

import pytest

from cases.identifiers import format_a_number
from cases.models import Person, PersonMerge
from cases.reminders.messages import normalise_phone
from cases.services.merges import merge_snapshot, persons_merge, persons_unmerge
from consulates.models import Consulate
from tests import factories as f
from tests.network import network_restore
from tests.security.test_dump_scan import dumped_tables, pg_dump, seeded_plaintexts

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


def _pair(boss, n: int):
    kept = f.make_person(boss, given_names="Ernesto", paternal_surname=f"Fusión{n}", curp="")
    away = f.make_person(
        boss,
        given_names="Ernesto",
        paternal_surname=f"Fusion{n}",
        a_number=f"A-233-441-5{n:02d}",
        passport_number=f"G5566{n:02d}88",
        phone=f"+1 214 555 01{n:02d}",
        us_address=f"9{n}1 Merge Ln, Apt 3\nDallas, TX 75217",
        mexico_address=f"Callejón Fusión {n}, Barrio Muestra\nTlacolula, Oaxaca",
    )
    f.make_case(boss, person=kept)
    f.make_case(boss, person=away)
    return kept, away


def _snapshot_secrets(merge: PersonMerge) -> set[str]:
    snapshot = merge_snapshot(merge)
    secrets = set()
    for record in (snapshot["survivor"], snapshot["merged"]):
        if record["curp"]:
            secrets.add(record["curp"])
        if record["a_number"]:
            secrets |= {record["a_number"], format_a_number(record["a_number"])}
        if record["phone"]:
            secrets |= {record["phone"], normalise_phone(record["phone"])}
        for name in ("passport_number", "us_address", "mexico_address"):
            if record[name]:
                secrets |= {record[name].replace("\n", "\\n"), record[name].splitlines()[0]}
    return secrets


def test_a_dump_holds_no_identifier_of_a_merge_snapshot_in_plain_text():
    boss = f.supervisor("dallas")
    kept, away = _pair(boss, 1)
    active = persons_merge(actor=boss, survivor=kept, merged=away, reason="Misma persona")
    kept2, away2 = _pair(boss, 2)
    undone = persons_merge(actor=boss, survivor=kept2, merged=away2, reason="Misma persona")
    persons_unmerge(actor=boss, merge=undone, reason="Eran distintas")

    secrets = _snapshot_secrets(PersonMerge.objects.get(pk=active.pk))
    secrets |= _snapshot_secrets(PersonMerge.objects.get(pk=undone.pk))
    assert len(secrets) >= 12
    assert Person.objects.get(pk=kept.pk).a_number  # copied to the survivor: also a live value
    for values in seeded_plaintexts().values():
        secrets |= values

    dump = pg_dump()
    assert {"public.cases_personmerge", "public.cases_personmergehistory", "public.cases_personalias"} <= (
        dumped_tables()
    )
    assert "COPY public.cases_personmerge " in dump
    leaked = sorted(value for value in secrets if value and value in dump)
    assert not leaked, f"in clear in the dump: {len(leaked)} values"
