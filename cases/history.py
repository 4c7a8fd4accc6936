"""The one sanctioned way to rewrite audit history.

History tables (pghistory's ``*History`` event tables) are append-only: database triggers refuse UPDATE and
DELETE on them. Three maintenance jobs must still change personal data that history holds: re-encryption
after a key rotation, anonymisation of closed cases past the retention period, and erasure of a person on
request. They run inside ``rewriting_history()``, which sets a transaction-local switch the triggers accept.
Nothing else sets it; every use is itself recorded by the caller (access log or timeline).
"""

from __future__ import annotations

import contextlib

from django.db import DEFAULT_DB_ALIAS, connections, transaction

HISTORY_REWRITE_SETTING = "consular.history_rewrite"


@contextlib.contextmanager
def rewriting_history(using: str | None = None):
    """A transaction in which the append-only triggers let history rows be updated or deleted.

    ``SET LOCAL`` ends with the transaction, so the switch can never leak into a later request that
    reuses the connection. Nested in an outer transaction (a savepoint), ``SET LOCAL`` would outlive the
    block until the outer transaction ends: the previous value is put back when the block ends (and a
    rollback to the savepoint restores it by itself)."""
    db = connections[using or DEFAULT_DB_ALIAS]
    with transaction.atomic(using=using):
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting(%s, true), set_config(%s, 'on', true)",
                [HISTORY_REWRITE_SETTING, HISTORY_REWRITE_SETTING],
            )
            previous = cursor.fetchone()[0] or "off"
        yield
        with db.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [HISTORY_REWRITE_SETTING, previous])


# --- Database protection -------------------------------------------------------------------------------
#
# One trigger function refuses UPDATE and DELETE on every history table unless ``rewriting_history()`` is
# on; another refuses them on the access log always (it holds ids only, so erasure never needs to touch
# it). They are installed by migrations (``cases.0011_audit_append_only_history`` for the tables that
# exist then); a migration that adds a tracked model must call ``protect_history_table`` for its event
# table: ``tests/cases/test_append_only_history.py`` fails for any event table without the trigger.
#
# TRUNCATE is not guarded: Django's test runner empties every table with TRUNCATE between transactional
# tests, and in production the application connects as a role that neither owns the tables nor holds the
# TRUNCATE privilege (docker/postgres/10-app-role.sh), which a trigger cannot replace.

HISTORY_TRIGGER = "consular_history_append_only"
ACCESS_LOG_TRIGGER = "consular_access_log_append_only"
CONTEXT_TRIGGER = "consular_context_keep"

_HISTORY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {HISTORY_TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('{HISTORY_REWRITE_SETTING}', true), '') = 'on' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only re-encryption, retention and erasure rewrite history, inside rewriting_history().';
END;
$$ LANGUAGE plpgsql;
"""

_ACCESS_LOG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {ACCESS_LOG_TRIGGER}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _quote(schema_editor, table: str) -> str:
    return schema_editor.quote_name(table)


def install_trigger_functions(schema_editor) -> None:
    schema_editor.execute(_HISTORY_FUNCTION, params=None)  # params=None: its "%" are not placeholders
    schema_editor.execute(_ACCESS_LOG_FUNCTION, params=None)


def protect_history_table(schema_editor, table: str) -> None:
    """Refuse UPDATE and DELETE on an event table outside ``rewriting_history()`` (idempotent)."""
    name = _quote(schema_editor, table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {HISTORY_TRIGGER} ON {name}")
    schema_editor.execute(
        f"CREATE TRIGGER {HISTORY_TRIGGER} BEFORE UPDATE OR DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {HISTORY_TRIGGER}()"
    )


def protect_context_table(schema_editor, table: str) -> None:
    """pghistory's context rows (who, which URL) are upserted by pghistory itself while a request writes
    (``_pgh_attach_context`` updates ``metadata`` when it grows), so only DELETE is refused."""
    name = _quote(schema_editor, table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {CONTEXT_TRIGGER} ON {name}")
    schema_editor.execute(
        f"CREATE TRIGGER {CONTEXT_TRIGGER} BEFORE DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {HISTORY_TRIGGER}()"
    )


def protect_access_log_table(schema_editor, table: str) -> None:
    name = _quote(schema_editor, table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {ACCESS_LOG_TRIGGER} ON {name}")
    schema_editor.execute(
        f"CREATE TRIGGER {ACCESS_LOG_TRIGGER} BEFORE UPDATE OR DELETE ON {name} "
        f"FOR EACH ROW EXECUTE FUNCTION {ACCESS_LOG_TRIGGER}()"
    )


def unprotect_table(schema_editor, table: str) -> None:
    name = _quote(schema_editor, table)
    for trigger in (HISTORY_TRIGGER, ACCESS_LOG_TRIGGER, CONTEXT_TRIGGER):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {name}")


EVENT_FIELDS = {"pgh_id", "pgh_created_at", "pgh_label"}


def is_event_model(model) -> bool:
    """A pghistory event model, recognised by its fields, so it works on the historical models of a
    migration as well as on the real ones."""
    meta = model._meta
    if not meta.managed or meta.proxy or meta.abstract:
        return False
    return {field.name for field in meta.concrete_fields} >= EVENT_FIELDS


def event_tables(apps) -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models() if is_event_model(model))
