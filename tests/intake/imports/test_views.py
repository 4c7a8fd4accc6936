"""The import pages walked through with a test client: upload, columns, preview, start, progress, result
and the report of rows not imported; the list pages' query counts; the operations pages and bulk actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import AccessLog, Case, Operation, Task
from intake.imports import services
from intake.models import BatchStatus, ImportBatch
from tests import factories as f
from tests.auth import login_verified
from tests.intake.imports.world import ICE_LIST, build
from tests.worlds import rolled_back

pytestmark = pytest.mark.django_db

INVALID_MARKER = "@@INVALID-TEMPLATE-VARIABLE@@"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build()


@pytest.fixture(autouse=True)
def _strict(settings):
    import copy

    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = INVALID_MARKER + "{%s}"
    settings.TEMPLATES = templates


def _html(response) -> str:
    html = response.content.decode()
    assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:200]
    return html


def _upload(client, content: str = ICE_LIST, **extra):
    data = {"file": SimpleUploadedFile("lista.csv", content.encode(), content_type="text/csv"), **extra}
    return client.post(reverse("imports:new"), data)


def test_the_whole_way_through(client, world):
    login_verified(client, world["dallas"])
    assert client.get(reverse("imports:new")).status_code == 200
    response = _upload(client, operation=world["operation"].pk)
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.operation == world["operation"]
    page = client.get(response["Location"])
    html = _html(page)
    assert "RAMIREZ SOTO" in html  # the first rows of the file, to check the columns against
    columns = {f"col_{name}": str(index) for name, index in batch.mapping["columns"].items()}
    response = client.post(reverse("imports:mapping", args=[batch.pk]), {**columns, "language": "en"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PREVIEWED
    html = _html(client.get(reverse("imports:detail", args=[batch.pk])))
    assert "Ramirez" in html
    assert "GUATEMALA" in html
    response = client.post(reverse("imports:start", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.RUNNING
    html = _html(client.get(reverse("imports:detail", args=[batch.pk])))
    assert 'http-equiv="refresh"' in html  # without JavaScript, the page refreshes itself
    assert client.get(reverse("imports:progress", args=[batch.pk])).json()["finished"] is False
    services.import_run(actor=world["dallas"], batch_id=batch.pk)  # what the Celery task does
    progress = client.get(reverse("imports:progress", args=[batch.pk])).json()
    assert progress["finished"] is True
    assert progress["done"] == 8
    html = _html(client.get(reverse("imports:detail", args=[batch.pk])))
    assert "/duplicates/" in html
    report = client.get(reverse("imports:errors_csv", args=[batch.pk]))
    assert report.status_code == 200
    assert report["Content-Disposition"].startswith("attachment")
    assert "GUATEMALA" in report.content.decode()
    assert AccessLog.objects.filter(
        user=world["dallas"], what__contains=f"import #{batch.pk}: rows not imported"
    ).exists()


def test_wrong_columns_are_refused_beside_the_form(client, world):
    login_verified(client, world["dallas"])
    _upload(client)
    batch = ImportBatch.objects.latest("pk")
    response = client.post(reverse("imports:mapping", args=[batch.pk]), {"col_sex": "1", "language": "en"})
    assert response.status_code == 400
    assert "Choose the columns with the names" in _html(response) or "nombres" in response.content.decode()


def test_a_file_that_is_not_a_list(client, world):
    login_verified(client, world["dallas"])
    response = client.post(
        reverse("imports:new"), {"file": SimpleUploadedFile("x.csv", b"", content_type="text/csv")}
    )
    assert response.status_code == 400
    assert 'role="alert"' in _html(response)


def test_discard_deletes_the_file(client, world):
    login_verified(client, world["dallas"])
    _upload(client)
    batch = ImportBatch.objects.latest("pk")
    client.post(reverse("imports:discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert (batch.status, batch.upload) == (BatchStatus.DISCARDED, "")


def test_list_pages_read_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    login_verified(client, world["dallas"])
    for _ in range(3):
        services.import_upload(
            actor=world["dallas"],
            consulate=f.consulate("dallas"),
            filename="l.csv",
            content=ICE_LIST.encode(),
        )
        Operation.objects.create(
            consulate=f.consulate("dallas"), name="Op", date=dt.date(2026, 11, 1), created_by=world["dallas"]
        )
    for url in (reverse("imports:list"), reverse("imports:operations")):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


def test_operation_page_and_bulk_actions(client, world, django_assert_max_num_queries):
    login_verified(client, world["dallas"])
    operation = world["operation"]
    batch = services.import_file(
        actor=world["dallas"],
        consulate=f.consulate("dallas"),
        filename="l.csv",
        content=ICE_LIST.encode(),
        operation=operation,
    )
    cases = list(Case.objects.filter(operation=operation))
    assert len(cases) == 5
    url = reverse("imports:operation", args=[operation.pk])
    with django_assert_max_num_queries(16):
        html = _html(client.get(url))
    assert all(case.reference in html for case in cases)
    ids = [str(case.pk) for case in cases]
    response = client.post(
        reverse("imports:operation_bulk", args=[operation.pk]),
        {"bulk-action": "assign", "bulk-cases": ids, "bulk-assignee": world["dallas"].pk},
    )
    assert response.status_code == 302
    assert Case.objects.filter(operation=operation, assigned_to=world["dallas"]).count() == 5
    response = client.post(
        reverse("imports:operation_bulk", args=[operation.pk]),
        {"bulk-action": "visit", "bulk-cases": ids[:2], "bulk-due_date": "2026-12-10"},
    )
    assert response.status_code == 302
    assert Task.objects.filter(case_id__in=ids[:2], due_date=dt.date(2026, 12, 10)).count() == 2
    response = client.post(
        reverse("imports:operation_bulk", args=[operation.pk]), {"bulk-action": "task", "bulk-cases": []}
    )
    assert response.status_code == 400
    assert batch.pk


def test_operation_create_and_edit(client, world):
    login_verified(client, world["dallas"])
    response = client.post(
        reverse("imports:operation_new"),
        {"name": "Redada Garland", "date": "2026-12-01", "agency": "ice_ero", "place": "Garland, TX"},
    )
    assert response.status_code == 302
    operation = Operation.objects.get(name="Redada Garland")
    assert operation.consulate == f.consulate("dallas")
    response = client.post(
        reverse("imports:operation_edit", args=[operation.pk]),
        {"name": "Redada Garland", "date": "2099-01-01", "agency": "ice_ero"},
    )
    assert response.status_code == 400
    response = client.post(reverse("imports:operation_new"), {"name": "", "date": "", "agency": "ice_ero"})
    assert response.status_code == 400


def test_a_reimport_says_how_many_rows_were_already_imported(client, world):
    login_verified(client, world["dallas"])
    batches = [
        services.import_file(
            actor=world["dallas"],
            consulate=f.consulate("dallas"),
            filename="again.csv",
            content=ICE_LIST.encode(),
        )
        for _ in range(2)
    ]
    first = _html(client.get(reverse("imports:detail", args=[batches[0].pk])))
    again = _html(client.get(reverse("imports:detail", args=[batches[1].pk])))
    repeated = batches[1].rows.filter(decision="repeated").count()
    assert repeated >= 5
    assert 'id="import-repeated"' in again
    assert f"{repeated} " in again.split('id="import-repeated"')[1][:20]
    if not batches[0].rows.filter(decision="repeated").exists():
        assert 'id="import-repeated"' not in first
