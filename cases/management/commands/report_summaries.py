"""Check, rebuild or compact the caseload reports' trigger-kept summaries.

``--check`` compares every summary with a fresh aggregate over the base tables and exits with an
error listing the keys that differ (there should never be any: the triggers keep them exact).
``--rebuild`` recomputes them from the base tables (case, task and person writes wait meanwhile; about
half a minute on a million cases). ``--compact`` folds their delta rows (what the beat task does).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from cases.reports import summary


class Command(BaseCommand):
    help = "Check (default), rebuild or compact the caseload reports' summaries."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--check", action="store_true", help="compare with the base tables (default)")
        group.add_argument("--rebuild", action="store_true", help="recompute from the base tables")
        group.add_argument("--compact", action="store_true", help="fold the delta rows")

    def handle(self, *args, check, rebuild, compact, **options):
        started = time.perf_counter()
        if rebuild:
            summary.rebuild()
            self.stdout.write(f"Summaries rebuilt in {time.perf_counter() - started:.1f} s.")
            return
        if compact:
            summary.compact()
            self.stdout.write(f"Summaries compacted in {time.perf_counter() - started:.1f} s.")
            return
        differences = summary.drift()
        if differences:
            for table, keys in differences.items():
                for key, (held, fresh) in sorted(keys.items(), key=str)[:20]:
                    self.stderr.write(f"{table} {key}: summary {held}, base tables {fresh}")
            raise CommandError(f"The summaries differ from the base tables: {sorted(differences)}.")
        self.stdout.write(
            f"The summaries equal the base tables ({time.perf_counter() - started:.1f} s to compare)."
        )
