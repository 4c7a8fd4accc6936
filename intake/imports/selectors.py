"""Reads for the import pages: the preview's rows as a person reads them, and the progress in numbers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.utils import timezone

from cases.identifiers import format_a_number
from consulates.models import DetentionFacility
from intake.imports.report import error_words, reason_words
from intake.models import ImportBatch, ImportRow, RowDecision


@dataclass
class PreviewRow:
    number: int
    name: str
    date_of_birth: str
    a_number: str
    facility: str
    facility_known: bool
    book_in_date: str
    decision: str
    decision_label: str
    reasons: list[str] = field(default_factory=list)
    problems: str = ""
    warnings: list[str] = field(default_factory=list)


def preview_rows(batch: ImportBatch, *, limit: int) -> list[PreviewRow]:
    """The first rows, with their problems first among them: rows with errors come before the others so
    the user sees what will not be imported."""
    rows = list(ImportRow.objects.filter(batch=batch).order_by("number")[: max(limit, 0) * 4])
    decoded = [(row, json.loads(row.data)) for row in rows]
    decoded.sort(key=lambda pair: (pair[1]["preview"]["decision"] != RowDecision.ERROR, pair[0].number))
    decoded = decoded[:limit]
    facility_ids = {data["facility_id"] for _row, data in decoded if data.get("facility_id")}
    names = dict(DetentionFacility.objects.filter(pk__in=facility_ids).values_list("pk", "name"))
    labels = dict(RowDecision.choices)
    out = []
    for row, data in sorted(decoded, key=lambda pair: pair[0].number):
        expected = data["preview"]
        decision = expected["decision"]
        out.append(
            PreviewRow(
                number=row.number,
                name=" ".join(
                    p for p in (data["given_names"], data["paternal_surname"], data["maternal_surname"]) if p
                ),
                date_of_birth=data["date_of_birth"],
                a_number=format_a_number(data["a_number"]),
                facility=names.get(data.get("facility_id")) or data.get("facility_text", ""),
                facility_known=bool(data.get("facility_id")),
                book_in_date=data["book_in_date"],
                decision=decision,
                decision_label=str(labels.get(decision, decision)),
                reasons=[reason_words(code) for code in expected.get("reasons", [])],
                problems=error_words(row.errors) or data.get("skip", ""),
                warnings=data.get("warnings", []),
            )
        )
    return out


def repeated_rows(batch: ImportBatch) -> int:
    """Rows of a finished import that an earlier import had already brought in (counted among the linked
    ones: they point at the same person and case, nothing new was created)."""
    return batch.rows.filter(decision=RowDecision.REPEATED).count()


def progress(batch: ImportBatch) -> dict:
    """Rows done, errors so far and the time left (estimated from the pace so far), as numbers."""
    batch = ImportBatch.objects.only(
        "status",
        "total_rows",
        "done_rows",
        "new_count",
        "linked_count",
        "review_count",
        "error_count",
        "started_at",
        "finished_at",
    ).get(pk=batch.pk)
    left = None
    if batch.status == "running" and batch.started_at and batch.done_rows:
        elapsed = (timezone.now() - batch.started_at).total_seconds()
        left = round(elapsed / batch.done_rows * (batch.total_rows - batch.done_rows))
    return {
        "status": batch.status,
        "total": batch.total_rows,
        "done": batch.done_rows,
        "new": batch.new_count,
        "linked": batch.linked_count,
        "review": batch.review_count,
        "errors": batch.error_count,
        "seconds_left": left,
        "finished": batch.status not in ("running",),
    }
