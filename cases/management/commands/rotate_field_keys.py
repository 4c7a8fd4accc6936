"""Re-encrypt every encrypted column under the newest key of FIELD_ENCRYPTION_KEYS; optionally rebuild
the blind indexes after FIELD_BLIND_INDEX_KEY changed.

Rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it), restart the
services, run this command, check with ``--check`` that nothing is left under an old key, then remove the
old key. Batches commit one by one: an interrupted run is resumed by running it again.

History rows are rewritten too, so it runs on the maintenance database connection (in the compose
deployment: ``docker compose -f docker/compose.yml run --rm maintenance python manage.py rotate_field_keys``);
on the application's connection it stops at once and says so. ``--check`` only reads: it runs anywhere.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.module_loading import import_string
from pghistory.models import Event

import encryption
from cases.field_rotation import Counts, Index, Target, rewrite
from cases.history import HistoryRewriteRefused, require_maintenance_connection
from encryption.fields import blind_index_fields, encrypted_fields


def encrypted_targets() -> list[Target]:
    """Every table with encrypted columns, history tables included, from the models."""

    targets = []
    for model in apps.get_models():
        fields = encrypted_fields(model)
        if not fields or model._meta.proxy or not model._meta.managed:
            continue
        indexes = tuple(
            Index(
                column=f.column,
                source=model._meta.get_field(f.source).column,
                normaliser=import_string(f.normaliser) if f.normaliser else None,
                purpose=f.purpose,
            )
            for f in blind_index_fields(model)
        )
        targets.append(
            Target(
                table=model._meta.db_table,
                pk=model._meta.pk.column,
                encrypted=tuple(f.column for f in fields),
                indexes=indexes,
                tracked=not issubclass(model, Event),
            )
        )
    return sorted(targets, key=lambda t: t.table)


def values_not_current(target: Target) -> int:
    """Values of the table not under the newest key (plaintext or an older key)."""
    current = f"{encryption.PREFIX}:{encryption.keyring().primary_id}:%"
    total = 0
    with connection.cursor() as cursor:
        for column in target.encrypted:
            cursor.execute(
                f"SELECT count(*) FROM {target.table} "  # noqa: S608 - names from the models
                f"WHERE {column} IS NOT NULL AND {column} <> '' AND {column} NOT LIKE %s",
                [current],
            )
            total += cursor.fetchone()[0]
    return total


class Command(BaseCommand):
    help = "Re-encrypt encrypted fields under the newest FIELD_ENCRYPTION_KEYS key (history tables too)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--rebuild-blind-index",
            action="store_true",
            help="Recompute every blind index with the current FIELD_BLIND_INDEX_KEY.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; count values not under the newest key (exit status 1 if any).",
        )
        parser.add_argument("--generate-key", action="store_true", help="Print a new random key and exit.")

    def handle(self, *args, **options):
        if options["generate_key"]:
            self.stdout.write(encryption.generate_key())
            return
        ring = encryption.keyring()
        targets = encrypted_targets()
        if options["check"]:
            left = 0
            for target in targets:
                count = values_not_current(target)
                left += count
                self.stdout.write(f"{target.table}: {count} value(s) not under key {ring.primary_id}")
            if left:
                raise CommandError(f"{left} value(s) still need rotate_field_keys.")
            self.stdout.write(self.style.SUCCESS(f"Every value is under key {ring.primary_id}."))
            return
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            require_maintenance_connection()
        except HistoryRewriteRefused as refused:
            raise CommandError(str(refused)) from refused
        counts = Counts()
        for target in targets:
            before = counts.rows_changed
            rewrite(
                target,
                allow_plaintext=True,  # a plaintext left by some raw write is healed, and counted
                rebuild_indexes=options["rebuild_blind_index"],
                batch_size=options["batch_size"],
                counts=counts,
            )
            self.stdout.write(f"{target.table}: {counts.rows_changed - before} row(s) rewritten")
        self.stdout.write(
            self.style.SUCCESS(
                f"Key {ring.primary_id}: {counts.rows_seen} row(s) read, {counts.rows_changed} rewritten, "
                f"{counts.values_reencrypted} value(s) re-encrypted, {counts.values_encrypted} plaintext value(s) "
                f"encrypted, {counts.indexes_written} blind index(es) written."
            )
        )
