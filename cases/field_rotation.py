"""Rewriting encrypted columns in place: first encryption of plaintext (the migration), re-encryption
under the newest key (rotation) and rebuilding blind indexes (a new index key).

Works on tables and column names, not models, so a migration can use it with the columns as they were.
Each batch is one transaction inside ``rewriting_history()`` (history tables are append-only otherwise:
this runs on the maintenance database connection only, see ``cases.history``), so an interrupted run keeps
what it finished and a second run skips values already under the newest key: the rewrite is idempotent and
resumable. A batch locks its rows (``FOR UPDATE``), so a concurrent edit of a person is never overwritten
with the value read before it. Rewriting a tracked table does not add audit rows: the values mean the same,
only their encryption changed, so the tracked tables' pghistory update triggers are told to stand aside for
the batch (pgtrigger's ``pgtrigger.ignore`` setting, transaction-local, which the database honours for the
maintenance role only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection

import encryption
from cases.history import rewriting_history


@dataclass(frozen=True)
class Index:
    column: str
    source: str
    normaliser: Callable[[str], str] | None
    purpose: str


@dataclass(frozen=True)
class Target:
    table: str
    pk: str
    encrypted: tuple[str, ...]
    indexes: tuple[Index, ...] = ()
    tracked: bool = False  # a table with pghistory triggers (not a history table)


@dataclass
class Counts:
    rows_seen: int = 0
    rows_changed: int = 0
    values_encrypted: int = 0  # plaintext found and encrypted
    values_reencrypted: int = 0  # under an older key, now under the newest
    indexes_written: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


def _update_trigger_names(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
        " AND tgname LIKE 'pgtrigger\\_update\\_update\\_%%'",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def rewrite(
    target: Target,
    *,
    allow_plaintext: bool,
    rebuild_indexes: bool,
    batch_size: int = 2000,
    counts: Counts | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> Counts:
    """Bring every value of ``target`` under the newest key (and its indexes up to date).

    ``allow_plaintext``: values without the ``e1:`` prefix are plaintext to encrypt (the first migration);
    otherwise such a value fails loudly, as any read of it would. ``rebuild_indexes``: recompute every
    blind index from the decrypted values (after a change of ``FIELD_BLIND_INDEX_KEY``); without it, an
    index is written only where the row's plaintext was just encrypted."""
    ring = encryption.keyring()
    counts = counts or Counts()
    columns = [target.pk, *target.encrypted, *(index.column for index in target.indexes)]
    select = (
        f"SELECT {', '.join(columns)} FROM {target.table} "  # noqa: S608 - names from models
        f"WHERE {target.pk} > %s ORDER BY {target.pk} LIMIT %s FOR UPDATE"
    )
    last = 0
    while True:
        with rewriting_history(), connection.cursor() as cursor:
            if target.tracked:
                names = _update_trigger_names(cursor, target.table)
                if names:
                    cursor.execute(
                        "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"]
                    )
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            updates = []
            for row in rows:
                counts.rows_seen += 1
                new = _rewrite_row(target, row, ring, allow_plaintext, rebuild_indexes, counts)
                if new is not None:
                    updates.append(new)
            if updates:
                _apply(cursor, target, updates)
                counts.rows_changed += len(updates)
                counts.by_table[target.table] = counts.by_table.get(target.table, 0) + len(updates)
            last = rows[-1][0]
        if progress:
            progress(target.table, counts.rows_seen)
    return counts


def _rewrite_row(target, row, ring, allow_plaintext, rebuild_indexes, counts):
    values = dict(zip([target.pk, *target.encrypted, *(i.column for i in target.indexes)], row, strict=True))
    plaintexts: dict[str, str | None] = {}
    changed = False
    fresh: set[str] = set()
    for column in target.encrypted:
        stored = values[column]
        if stored is None or stored == "":
            plaintexts[column] = stored
            continue
        if not stored.startswith(encryption.PREFIX + ":"):
            if not allow_plaintext:
                raise encryption.DecryptionError(
                    f"{target.table}.{column} holds a value that is not encrypted (row {values[target.pk]})."
                )
            plaintexts[column] = stored
            values[column] = ring.encrypt(stored)
            counts.values_encrypted += 1
            fresh.add(column)
            changed = True
        elif not ring.is_current(stored):
            plaintexts[column] = ring.decrypt(stored)
            values[column] = ring.encrypt(plaintexts[column])
            counts.values_reencrypted += 1
            changed = True
        elif rebuild_indexes and any(i.source == column for i in target.indexes):
            plaintexts[column] = ring.decrypt(stored)
    for index in target.indexes:
        if not (rebuild_indexes or index.source in fresh):
            continue
        plain = plaintexts.get(index.source)
        if plain is None or plain == "":
            wanted = None
        else:
            wanted = ring.blind_index(index.purpose, index.normaliser(plain) if index.normaliser else plain)
        if wanted != values[index.column]:
            values[index.column] = wanted
            counts.indexes_written += 1
            changed = True
    if not changed:
        return None
    return [
        values[target.pk],
        *(values[c] for c in target.encrypted),
        *(values[i.column] for i in target.indexes),
    ]


def _apply(cursor, target: Target, updates: list[list]) -> None:
    """One UPDATE ... FROM (VALUES ...) per batch."""
    columns = [*target.encrypted, *(i.column for i in target.indexes)]
    placeholders = "(" + ", ".join(["%s::bigint", *(["%s::text"] * len(columns))]) + ")"
    assignments = ", ".join(f"{c} = v.{c}" for c in columns)
    sql = (
        f"UPDATE {target.table} AS t SET {assignments} "  # noqa: S608 - names from models
        f"FROM (VALUES {', '.join([placeholders] * len(updates))}) AS v({target.pk}, {', '.join(columns)}) "
        f"WHERE t.{target.pk} = v.{target.pk}"
    )
    cursor.execute(sql, [value for row in updates for value in row])


def restore_plaintext(target: Target, *, batch_size: int = 2000) -> int:
    """Undo the encryption (reversing the migration that introduced it): every value back to plaintext,
    blind indexes cleared. Returns the number of rows changed."""
    ring = encryption.keyring()
    columns = [target.pk, *target.encrypted]
    select = (
        f"SELECT {', '.join(columns)} FROM {target.table} "  # noqa: S608 - names from models
        f"WHERE {target.pk} > %s ORDER BY {target.pk} LIMIT %s FOR UPDATE"
    )
    plain_target = Target(target.table, target.pk, target.encrypted, (), target.tracked)
    changed, last = 0, 0
    while True:
        with rewriting_history(), connection.cursor() as cursor:
            if target.tracked:
                names = _update_trigger_names(cursor, target.table)
                if names:
                    cursor.execute(
                        "SELECT set_config('pgtrigger.ignore', %s, true)", ["{" + ",".join(names) + "}"]
                    )
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
            if not rows:
                break
            updates = [
                [
                    row[0],
                    *(ring.decrypt(v) if v and v.startswith(encryption.PREFIX + ":") else v for v in row[1:]),
                ]
                for row in rows
            ]
            _apply(cursor, plain_target, updates)
            if target.indexes:
                cursor.execute(
                    f"UPDATE {target.table} SET "  # noqa: S608 - names from models
                    + ", ".join(f"{i.column} = NULL" for i in target.indexes)
                    + f" WHERE {target.pk} = ANY(%s)",
                    [[row[0] for row in rows]],
                )
            changed += len(rows)
            last = rows[-1][0]
    return changed
