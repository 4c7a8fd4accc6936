"""Import a detainee list from the command line, through the same service as the staff pages.

    manage.py import_detainees FILE --consulate CODE --user USERNAME [--operation ID] [--dry-run] [--json]

``--user`` is the staff member the import is recorded as (history, timeline, access log): they must be
allowed to import lists for that consulate (rule ``import.run``). A dry run checks and matches every row and
writes nothing but a discarded batch (the record that it was run)."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from cases.models import Operation
from consulates.models import Consulate
from consulates.policy import can
from intake.imports.report import row_outcomes
from intake.imports.services import import_discard, import_file


class Command(BaseCommand):
    help = "Import a detainee list (CSV or XLSX) for a consulate."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--consulate", required=True, help="The consulate's reference code (e.g. DAL).")
        parser.add_argument("--user", required=True, help="The staff member the import is recorded as.")
        parser.add_argument("--operation", type=int, help="The id of an operation of that consulate.")
        parser.add_argument("--dry-run", action="store_true", help="Check and match; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object with every row.")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        consulate = Consulate.objects.filter(code__iexact=options["consulate"]).first()
        if consulate is None:
            raise CommandError(f"No consulate with the code {options['consulate']!r}.")
        actor = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if actor is None or not can(actor, "import.run", consulate):
            raise CommandError("That user may not import detainee lists for this consulate.")
        operation = None
        if options["operation"]:
            operation = Operation.objects.filter(pk=options["operation"], consulate=consulate).first()
            if operation is None:
                raise CommandError("No such operation at this consulate.")
        try:
            batch = import_file(
                actor=actor,
                consulate=consulate,
                filename=path.name,
                content=path.read_bytes(),
                operation=operation,
                dry_run=options["dry_run"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        except PermissionDenied as error:
            raise CommandError(str(error) or "Not allowed.") from error
        rows = row_outcomes(batch, preview=options["dry_run"])
        totals = {
            "rows": len(rows),
            "linked": sum(r["decision"] == "linked" for r in rows),
            "review": sum(r["decision"] == "review" for r in rows),
            "new": sum(r["decision"] == "new" for r in rows),
            "error": sum(r["decision"] == "error" for r in rows),
            "repeated": sum(r["repeated"] for r in rows),
        }
        if options["dry_run"]:
            import_discard(actor=actor, batch=batch)
        if options["json"]:
            out = {"batch": batch.pk, "dry_run": options["dry_run"], "totals": totals, "rows": rows}
            self.stdout.write(json.dumps(out, ensure_ascii=False))
        else:
            self.stdout.write(
                "import {batch}: {rows} rows: {new} new, {linked} linked, {review} to review, {error} not imported".format(
                    batch=batch.pk, **totals
                )
            )
