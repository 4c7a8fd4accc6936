"""A dump of the database holds none of the identifiers of a person whose case was handed over to a
consulate outside the network: the hand-over, its history, its timeline entries and its access-log row
name the person by id only (the export sent is a file in the private storage, not a table).

Transactional (``pg_dump`` is another connection), like tests/security/test_dump_scan.py."""

from __future__ import annotations

import pytest

from cases import services
from consulates.models import ConsularPost, Consulate
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
def _network(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    if not Consulate.objects.exists():
        network_restore()


def test_a_dump_holds_no_identifier_of_a_person_handed_over():
    boss = f.supervisor("dallas")
    person = f.make_person(
        boss,
        given_names="Rosalía",
        paternal_surname="Traspaso",
        a_number="A-244-551-601",
        passport_number="G7788123",
        phone="+1 214 555 0177",
        us_address="77 Handover St, Apt 2\nDallas, TX 75217",
    )
    case = f.make_case(boss, person=person)
    handover = services.handover_record(
        actor=boss,
        case=case,
        post=ConsularPost.objects.get(city="Atlanta"),
        reason="moved",
        method="email",
        method_notes="proteccion@consulado-atlanta",
    )
    services.handover_acknowledge(actor=boss, handover=handover, acknowledged_by_name="Lic. Ana Ruiz")

    secrets = set().union(*seeded_plaintexts().values())
    assert "G7788123" in secrets
    assert len(secrets) >= 5
    dump = pg_dump()
    assert {
        "public.cases_handover",
        "public.cases_handoverhistory",
        "public.cases_accesslog",
    } <= dumped_tables()
    assert "COPY public.cases_handover " in dump
    leaked = sorted(value for value in secrets if value and value in dump)
    assert not leaked, f"in clear in the dump: {len(leaked)} values"
