"""Detainee list imports: upload, columns, preview, start, run, discard. The one service the staff pages,
the command ``import_detainees`` and the Celery task share.

Invariants: the uploaded file is kept encrypted (``ImportBatch.upload``) only until the import ends or is
discarded; nothing but the batch and its rows is written before ``import_start``; rows are written by
``intake.imports.commit`` through the staff's own services. Every import is in the access log (upload,
preview, run, error report). Personal data is never logged: logs name batch and row numbers only."""

from __future__ import annotations

import base64
import hashlib
import json
import logging

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import record_access
from cases.models import Operation
from cases.models.access import AccessAction
from consulates.models import Consulate
from consulates.policy import authorize
from encryption import blind_index
from intake.imports import reading
from intake.imports.commit import commit_rows, match_rows
from intake.imports.rows import FacilityIndex, Parsed, guess_day_first, parse_row
from intake.models import BatchStatus, ImportBatch, ImportRow, RowDecision

logger = logging.getLogger(__name__)

PREVIEW_MATCH_CHUNK = 5000  # as the run (commit.MATCH_CHUNK): the matcher reads the network once per call


def decoded(batch: ImportBatch) -> bytes:
    """The uploaded file, as uploaded."""
    return base64.b64decode(batch.upload)


def _table(batch: ImportBatch) -> reading.Table:
    return reading.read_table(decoded(batch))


def _log(request, actor, batch: ImportBatch, what: str) -> None:
    record_access(request, AccessAction.LIST, user=actor, what=f"detainee list import #{batch.pk}: {what}")


@transaction.atomic
def import_upload(
    *,
    actor,
    consulate: Consulate,
    filename: str,
    content: bytes,
    operation: Operation | None = None,
    request=None,
) -> ImportBatch:
    """Keep the file (encrypted) and guess its columns. Raises a ``file`` error for a file that cannot be
    read, an ``operation`` error for another consulate's operation."""
    if consulate is None:
        raise ValidationError({"consulate": _("Choose the consulate the list is for.")})
    authorize(actor, "import.run", consulate)
    if operation is not None and operation.consulate_id != consulate.pk:
        raise ValidationError({"operation": _("Choose an operation of this consulate.")})
    table = reading.read_table(content)
    mapping = reading.guess_mapping(table.headers)
    language = reading.guess_language(table.headers)
    batch = ImportBatch.objects.create(
        consulate=consulate,
        operation=operation,
        filename=(filename or "lista.csv")[-255:],
        file_sha256=hashlib.sha256(content).hexdigest(),
        upload=base64.b64encode(content).decode("ascii"),
        mapping={"columns": mapping, "language": language},
        total_rows=len(table.rows),
        uploaded_by=actor,
    )
    _log(request, actor, batch, "uploaded")
    logger.info("import %s uploaded: %s rows", batch.pk, batch.total_rows)
    return batch


def _workable(actor, batch: ImportBatch, *statuses: str) -> ImportBatch:
    authorize(actor, "import.work", batch)
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status not in statuses:
        raise ValidationError(_("This import has already moved on: reload the page."), code="state")
    return locked


@transaction.atomic
def import_map(
    *, actor, batch: ImportBatch, columns: dict[str, int], language: str | None = None
) -> ImportBatch:
    """Correct which column holds what (``{field: column index}``). Back to "columns to map": the preview
    must be made again."""
    batch = _workable(actor, batch, BatchStatus.UPLOADED, BatchStatus.PREVIEWED)
    table = _table(batch)
    errors = reading.mapping_errors(columns, len(table.headers))
    if errors:
        raise ValidationError(errors)
    batch.rows.all().delete()
    batch.mapping = {"columns": columns, "language": language or batch.mapping.get("language", "en")}
    batch.status = BatchStatus.UPLOADED
    _reset_counts(batch)
    batch.save()
    return batch


def _reset_counts(batch: ImportBatch) -> None:
    batch.done_rows = batch.new_count = batch.linked_count = batch.review_count = batch.error_count = 0


def row_key(consulate_id: int, parsed: Parsed) -> str:
    """A keyed hash of who the row is about and when they were booked in: equal rows give equal keys, and
    without the index key it says nothing."""
    identity = "|".join(
        [
            str(consulate_id),
            parsed.a_number,
            parsed.curp,
            " ".join(
                sorted(
                    f"{parsed.given_names} {parsed.paternal_surname} {parsed.maternal_surname}".lower().split()
                )
            ),
            parsed.date_of_birth.isoformat() if parsed.date_of_birth else "",
            parsed.book_in_date.isoformat() if parsed.book_in_date else "",
        ]
    )
    return blind_index("import_row", identity)


def parse_table(batch: ImportBatch, table: reading.Table) -> list[Parsed]:
    columns = batch.mapping.get("columns", {})
    language = batch.mapping.get("language", "en")
    dates = [
        row[columns[name]]
        for name in ("date_of_birth", "book_in_date")
        if name in columns
        for row in table.rows
    ]
    day_first = guess_day_first(dates, language=language)
    facilities = FacilityIndex.load()
    parsed = []
    for offset, cells in enumerate(table.rows):
        values = {name: cells[index] for name, index in columns.items() if index < len(cells)}
        parsed.append(
            parse_row(offset + 2, values, facilities=facilities, language=language, day_first=day_first)
        )
    return parsed


@transaction.atomic
def import_preview(*, actor, batch: ImportBatch, match: bool = True, request=None) -> ImportBatch:
    """Check every row and (``match``) ask the matcher about each, writing nothing but the batch's rows
    (values encrypted, decision still pending, the expected decision among the values). The batch's
    counts are then what the import is expected to do; they are counted again as it runs."""
    batch = _workable(actor, batch, BatchStatus.UPLOADED, BatchStatus.PREVIEWED)
    errors = reading.mapping_errors(batch.mapping.get("columns", {}), 10_000)
    if errors:
        raise ValidationError(errors)
    parsed = parse_table(batch, _table(batch))
    expected = expected_decisions(actor, parsed) if match else {}
    batch.rows.all().delete()
    rows = []
    for item in parsed:
        data = item.to_json()
        data["preview"] = expected.get(item.number) or _unmatched(item)
        rows.append(
            ImportRow(
                batch=batch,
                number=item.number,
                data=json.dumps(data),
                row_key=row_key(batch.consulate_id, item) if item.importable else "",
                errors=item.errors,
            )
        )
    ImportRow.objects.bulk_create(rows, batch_size=1000)
    _reset_counts(batch)
    counts = {decision: 0 for decision in RowDecision.values}
    for row in rows:
        counts[json.loads(row.data)["preview"]["decision"]] += 1
    batch.new_count, batch.linked_count = counts[RowDecision.NEW], counts[RowDecision.LINKED]
    batch.review_count, batch.error_count = counts[RowDecision.REVIEW], counts[RowDecision.ERROR]
    batch.total_rows = len(rows)
    batch.status = BatchStatus.PREVIEWED
    batch.save()
    _log(request, actor, batch, "previewed")
    return batch


def _unmatched(item: Parsed) -> dict:
    if not item.importable:
        return {"decision": RowDecision.ERROR, "reasons": []}
    return {"decision": RowDecision.PENDING, "reasons": []}


def expected_decisions(actor, parsed: list[Parsed]) -> dict[int, dict]:
    """Row number -> the decision the matcher would take now, for the importable rows. A certain match
    with a person the user cannot see is shown as "review" without its reasons (nothing about that person
    is revealed)."""
    importable = [item for item in parsed if item.importable]
    out: dict[int, dict] = {}
    for start in range(0, len(importable), PREVIEW_MATCH_CHUNK):
        chunk = importable[start : start + PREVIEW_MATCH_CHUNK]
        for item, outcome in zip(chunk, match_rows(actor, chunk), strict=True):
            out[item.number] = {
                "decision": outcome.decision,
                "reasons": list(outcome.reasons) if outcome.visible else [],
                "person_id": outcome.person_id if outcome.visible else None,
            }
    return out


@transaction.atomic
def import_start(*, actor, batch: ImportBatch, run_async: bool = True, request=None) -> ImportBatch:
    """Start writing the previewed rows (by a Celery task once this commits, or here)."""
    batch = _workable(actor, batch, BatchStatus.PREVIEWED)
    batch.status = BatchStatus.RUNNING
    batch.started_at = timezone.now()
    _reset_counts(batch)
    batch.save()
    _log(request, actor, batch, "started")
    if run_async:
        # By name: the task module imports this one.
        transaction.on_commit(lambda: current_app.send_task("imports.run", args=(batch.pk, actor.pk)))
    return batch


def import_run(*, actor, batch_id: int) -> ImportBatch:
    """Write every pending row (``commit.commit_rows``), then finish: the file is deleted. Safe to run
    twice: rows already written are not pending any more."""
    batch = ImportBatch.objects.get(pk=batch_id)
    authorize(actor, "import.work", batch)
    if batch.status != BatchStatus.RUNNING:
        return batch
    try:
        commit_rows(actor=actor, batch=batch)
    except Exception:
        logger.exception("import %s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=BatchStatus.FAILED,
            failure=_("The import stopped on an unexpected error. The rows done so far are kept."),
            finished_at=timezone.now(),
            upload="",
        )
        raise
    ImportBatch.objects.filter(pk=batch_id).update(
        status=BatchStatus.DONE, finished_at=timezone.now(), upload=""
    )
    logger.info("import %s done", batch_id)
    return ImportBatch.objects.get(pk=batch_id)


@transaction.atomic
def import_discard(*, actor, batch: ImportBatch) -> ImportBatch:
    """Give up an import not started: its file and rows are deleted."""
    batch = _workable(actor, batch, BatchStatus.UPLOADED, BatchStatus.PREVIEWED)
    batch.rows.all().delete()
    batch.upload = ""
    batch.status = BatchStatus.DISCARDED
    batch.finished_at = timezone.now()
    batch.save()
    return batch


def import_file(
    *, actor, consulate: Consulate, filename: str, content: bytes, operation=None, dry_run: bool = False
) -> ImportBatch:
    """Upload, preview (matched only for a dry run: the run matches again anyway) and run at once, in this
    process (the command's way). A dry run discards the batch after its preview."""
    batch = import_upload(
        actor=actor, consulate=consulate, filename=filename, content=content, operation=operation
    )
    batch = import_preview(actor=actor, batch=batch, match=dry_run)
    if dry_run:
        return batch
    batch = import_start(actor=actor, batch=batch, run_async=False)
    return import_run(actor=actor, batch_id=batch.pk)
