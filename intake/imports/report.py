"""What an import did, row by row: for the command's JSON, the result page and the downloadable report of
the rows not imported (CSV, in the user's language, one reason per row)."""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _

from cases.matching import reason_text
from intake.imports.reading import FIELDS
from intake.models import ImportBatch, ImportRow, RowDecision

PUBLIC_DECISIONS = {RowDecision.REPEATED: RowDecision.LINKED, RowDecision.PENDING: RowDecision.NEW}


def reason_words(code: str) -> str:
    if code == "identifier_in_review":
        return _("an identifier was withheld for review by an administrator")
    return str(reason_text(code))


def error_words(errors: dict) -> str:
    """A row's errors as one sentence per field: "Date of birth: this date could not be read"."""
    parts = []
    for name, messages in (errors or {}).items():
        label = FIELDS.get(name) or (_("Country of citizenship") if name == "country" else "")
        text = " ".join(str(m) for m in messages)
        parts.append(f"{label}: {text}" if label and name != "country" else text)
    return " ".join(parts)


def row_outcomes(batch: ImportBatch, *, preview: bool = False) -> list[dict]:
    """Per row: the decision (``linked``, ``review``, ``new``, ``error``; ``repeated`` rows are ``linked``
    with ``repeated`` true), the person matched or created, the reason codes and the errors. With
    ``preview``: the decisions the preview expects (nothing written)."""
    out = []
    for row in ImportRow.objects.filter(batch=batch).order_by("number"):
        data = json.loads(row.data) if row.data else {}
        if preview:
            expected = data.get("preview", {})
            decision, person_id, reasons = (
                expected.get("decision"),
                expected.get("person_id"),
                expected.get("reasons", []),
            )
        else:
            decision, person_id, reasons = row.decision, row.person_id, row.reasons
        errors = row.errors or ({"country": [data["skip"]]} if data.get("skip") else {})
        out.append(
            {
                "row": row.number,
                "decision": PUBLIC_DECISIONS.get(decision, decision),
                "repeated": decision == RowDecision.REPEATED,
                "person_id": person_id,
                "case_id": None if preview else row.case_id,
                "reasons": list(reasons or []),
                "errors": errors,
            }
        )
    return out


def not_imported_csv(batch: ImportBatch) -> str:
    """The rows not imported, with the name and dates as read and the reason, for staff to correct and
    import again (a row imported before is recognised, so the whole file can be imported again)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("Row"),
            _("Last name"),
            _("Maternal surname"),
            _("First name(s)"),
            _("Date of birth"),
            _("A-number"),
            _("Reason"),
        ]
    )
    for row in ImportRow.objects.filter(batch=batch, decision=RowDecision.ERROR).order_by("number"):
        data = json.loads(row.data) if row.data else {}
        written = data.get("written") or ["", "", ""]
        reason = error_words(row.errors) or data.get("skip", "")
        a_number = data.get("a_number", "")
        writer.writerow(
            [
                row.number,
                written[1],
                written[2],
                written[0],
                data.get("date_of_birth", ""),
                f"A{a_number}" if a_number else "",
                reason,
            ]
        )
    return "\ufeff" + buffer.getvalue()  # a BOM: spreadsheet programs then read the accents right
