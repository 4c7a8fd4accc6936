"""A database dump holds none of a detainee list's A-numbers or CURPs in clear: not in the batch (the
uploaded file is kept encrypted, then deleted), not in its rows (values encrypted, the row key a keyed
hash), not in the history tables, not in the persons, reviews or access log the import wrote. One list is
imported, another is left at its preview (its file and rows still stored), a third is discarded.

Transactional: the data is committed, so ``pg_dump`` (another connection) sees it."""

from __future__ import annotations

import pytest

from consulates.models import Consulate
from intake.imports import services
from intake.models import BatchStatus, ImportBatch
from tests import factories as f
from tests.network import network_restore
from tests.security.test_dump_scan import pg_dump

pytestmark = pytest.mark.django_db(transaction=True)

A_NUMBERS = ["287654321", "286543210", "285432109", "284321098"]
CURP = f.make_curp()


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


def _list() -> bytes:
    rows = [
        "A-Number,Last Name,First Name,DOB,Gender,CURP,Facility,Book-In Date",
        f"A-{A_NUMBERS[0][:3]}-{A_NUMBERS[0][3:6]}-{A_NUMBERS[0][6:]},ZAMORA,ELENA,03/04/1991,F,,Prairieland Detention Center,11/30/2026",
        f"A{A_NUMBERS[1]},QUINTERO,RAUL,05/06/1982,M,,Prairieland Detention Center,11/30/2026",
        f"{A_NUMBERS[2]},ZAMORA,RAUL,13/13/1982,M,,Prairieland Detention Center,11/30/2026",  # a bad date
        f"A{A_NUMBERS[3]},IBARRA,LUCIA,{CURP[6:8]}/{CURP[8:10]}/19{CURP[4:6]},F,{CURP},Prairieland Detention Center,11/30/2026",
    ]
    return ("\n".join(rows) + "\n").encode()


def test_a_dump_holds_no_identifier_of_an_imported_list():
    officer = f.officer("dallas")
    dallas = f.consulate("dallas")
    done = services.import_file(actor=officer, consulate=dallas, filename="done.csv", content=_list())
    previewed = services.import_upload(
        actor=officer, consulate=dallas, filename="preview.csv", content=_list()
    )
    services.import_preview(actor=officer, batch=previewed)
    discarded = services.import_upload(
        actor=officer, consulate=dallas, filename="discard.csv", content=_list()
    )
    services.import_discard(actor=officer, batch=discarded)
    assert ImportBatch.objects.get(pk=done.pk).status == BatchStatus.DONE
    assert ImportBatch.objects.get(pk=previewed.pk).upload  # still stored (encrypted): the scan covers it
    assert done.rows.count() == 4

    dump = pg_dump()
    assert "intake_importrow" in dump
    assert "intake_importbatch" in dump
    secrets = (
        set(A_NUMBERS)
        | {f"A{a}" for a in A_NUMBERS}
        | {f"A{a[:3]}-{a[3:6]}-{a[6:]}" for a in A_NUMBERS}
        | {CURP}
    )
    leaked = sorted(secret for secret in secrets if secret in dump)
    assert not leaked, f"in clear in the dump: {len(leaked)} identifiers"
