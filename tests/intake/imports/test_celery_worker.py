"""The import runs in a real Celery worker: ``import_start`` queues ``imports.run`` by name once its
transaction commits, and a worker (in a thread of this process, on Redis when ``REDIS_URL`` is set, as in
``tests/cases/reminders``) writes the rows and finishes the batch."""

from __future__ import annotations

import os

import pytest

import intake.imports.tasks  # noqa: F401 - registers the task with every app
from consulates.models import Consulate
from intake.imports import services
from intake.models import BatchStatus, ImportBatch, RowDecision
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker, filesystem_transport_options, make_app
from tests.intake.imports.world import ICE_LIST
from tests.network import network_restore

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


@pytest.fixture
def celery_app(tmp_path):
    if os.environ.get("REDIS_URL"):
        return make_app(broker_url=os.environ["REDIS_URL"])
    options = filesystem_transport_options(tmp_path / "broker")
    options["polling_interval"] = 0.1
    return make_app(broker_url="filesystem://", transport_options=options)


def test_the_worker_runs_the_import(celery_app):
    officer = f.officer("dallas")
    batch = services.import_upload(
        actor=officer, consulate=f.consulate("dallas"), filename="l.csv", content=ICE_LIST.encode()
    )
    batch = services.import_preview(actor=officer, batch=batch)
    with embedded_worker(celery_app) as tasks:
        services.import_start(actor=officer, batch=batch)
        tasks.wait_for_count("imports.run", 1, timeout=60)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == BatchStatus.DONE
    assert batch.upload == ""
    assert batch.done_rows == 8
    assert not batch.rows.filter(decision=RowDecision.PENDING).exists()
