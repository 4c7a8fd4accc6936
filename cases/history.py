"""Who may rewrite audit history, and the database objects that hold the line.

History tables (pghistory's ``*History`` event tables), the case timeline (``CaseEvent``) and pghistory's
context rows (who made a change, from which page) are append-only. Three maintenance jobs must still change
personal data that history holds: re-encryption after a key rotation, anonymisation of closed cases past the
retention period, and erasure of a person on request. They run on the maintenance database connection: a
login role that is a member of ``consular_maintenance`` (``MAINTENANCE_ROLE``, a group role without login
that the migrations create where it is missing; superusers count as members of every role, so development,
the zero-config mode and the tests, with one superuser connection, need nothing more). The application's own
role is not a member, whatever it sets in its session:

- the triggers check the role (``pg_has_role(current_user, 'consular_maintenance', 'MEMBER')``), and for
  history rows also ``rewriting_history()``'s transaction-local switch, which is a safety catch against a
  maintenance connection rewriting by accident, never a key: set by any other role, it changes nothing;
- pgtrigger's ``pgtrigger.ignore`` (a session setting that makes pgtrigger's triggers stand aside: the
  timeline's protection and pghistory's own recording triggers) is honoured for members only;
- UPDATE, DELETE and TRUNCATE on these tables are revoked from every role that is not a member (the
  application's role gets them on every new table from the owner's default privileges), with only the two
  columns pghistory upserts on context rows given back (``consular_secure_history()``).
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction

MAINTENANCE_ROLE = "consular_maintenance"
HISTORY_REWRITE_SETTING = "consular.history_rewrite"


class HistoryRewriteRefused(ImproperlyConfigured):
    """The connection's database user is not a member of the maintenance role."""


_MAY_REWRITE = """
SELECT current_user::text,
       r.rolsuper OR coalesce(
           (SELECT pg_has_role(current_user, m.oid, 'MEMBER') FROM pg_roles m WHERE m.rolname = %s), false)
FROM pg_roles r WHERE r.rolname = current_user
"""


def require_maintenance_connection(using: str | None = None) -> None:
    """Raise ``HistoryRewriteRefused`` (saying which connection to use) unless the connection's database
    user is a member of the maintenance role (or a superuser)."""
    with connections[using or DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(_MAY_REWRITE, [MAINTENANCE_ROLE])
        user, allowed = cursor.fetchone()
    if not allowed:
        raise HistoryRewriteRefused(
            f"History can only be rewritten on the maintenance database connection: this one connects as "
            f"{user!r}, which is not a member of {MAINTENANCE_ROLE!r}. In the compose deployment, retention and "
            "erasure run in the `maintenance` service (it alone consumes the Celery queue `maintenance`); run "
            "key rotation there too: docker compose -f docker/compose.yml run --rm maintenance python manage.py "
            "rotate_field_keys"
        )


@contextlib.contextmanager
def rewriting_history(using: str | None = None):
    """A transaction in which history rows may be updated or deleted: on the maintenance connection only.

    Raises ``HistoryRewriteRefused`` at once on any other connection (the database would refuse the
    rewrite anyway). ``SET LOCAL`` ends with the transaction, so the switch never outlives it; nested in an
    outer transaction (a savepoint) it would outlive the block, so the previous value is put back when the
    block ends (a rollback to the savepoint restores it by itself)."""
    db = connections[using or DEFAULT_DB_ALIAS]
    with transaction.atomic(using=using):
        require_maintenance_connection(using)
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
# Installed by migration ``cases.0002_database_rules`` (``protect_all``: every event table of the cases,
# consulates and api apps, pghistory's context rows, the timeline, the access log, the grants); a later
# migration that adds a tracked model must call ``protect_history_table`` and ``index_event_times`` for its
# event table: ``tests/cases/test_append_only_history.py`` fails for any event table without the trigger.
#
# TRUNCATE is not guarded by a trigger: Django's test runner empties every table with TRUNCATE between
# transactional tests, as their owner. Other roles lose the privilege (``consular_secure_history()``).

HISTORY_TRIGGER = "consular_history_append_only"
ACCESS_LOG_TRIGGER = "consular_access_log_append_only"
CONTEXT_TRIGGER = "consular_context_keep"
TIMELINE_TRIGGER = "consular_timeline_append_only"
GUARD_TRIGGERS = (HISTORY_TRIGGER, ACCESS_LOG_TRIGGER, CONTEXT_TRIGGER, TIMELINE_TRIGGER)

_MEMBER = f"pg_has_role(current_user, '{MAINTENANCE_ROLE}', 'MEMBER')"
_SWITCH_ON = f"coalesce(current_setting('{HISTORY_REWRITE_SETTING}', true), '') = 'on'"
_LET_THROUGH = "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW;"

_ENSURE_ROLE = f"""
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{MAINTENANCE_ROLE}') THEN
        CREATE ROLE {MAINTENANCE_ROLE} NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;  -- created meanwhile by another database's migration
    WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'the role {MAINTENANCE_ROLE} does not exist and % may not create it', current_user
            USING HINT = 'As a superuser: CREATE ROLE {MAINTENANCE_ROLE} NOLOGIN; then migrate again.';
END
$$;
"""

_HISTORY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {HISTORY_TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF {_SWITCH_ON} AND {_MEMBER} THEN
        {_LET_THROUGH}
    END IF;
    RAISE EXCEPTION 'history is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Only re-encryption, retention and erasure rewrite history, on the maintenance connection.';
END;
$$ LANGUAGE plpgsql;
"""

# pghistory upserts a request's context row as nested contexts add keys (``_pgh_attach_context()``); the
# middleware's ``user`` starts empty on API requests and is filled in once DRF has authenticated. Nothing
# else changes: same id and creation time, every key kept with its value.
_CONTEXT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {CONTEXT_TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF {_SWITCH_ON} AND {_MEMBER} THEN
        {_LET_THROUGH}
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.created_at = OLD.created_at
       AND jsonb_typeof(OLD.metadata::jsonb) = 'object' AND jsonb_typeof(NEW.metadata::jsonb) = 'object'
       AND NOT EXISTS (
           SELECT FROM jsonb_each(OLD.metadata::jsonb) AS kept(key, value)
           WHERE NOT (NEW.metadata::jsonb ? kept.key)
              OR (NEW.metadata::jsonb -> kept.key IS DISTINCT FROM kept.value
                  AND NOT (kept.key = 'user' AND kept.value = 'null'::jsonb))
       ) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'history is append-only: % on % refused (a context only grows while pghistory writes it)',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""  # noqa: S608 - constants of this module only

# The timeline keeps pgtrigger's own protection (``caseevent_append_only``: members still name it in
# ``pgtrigger.ignore``); this one refuses everyone else whatever pgtrigger's function says.
_TIMELINE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {TIMELINE_TRIGGER}() RETURNS trigger AS $$
BEGIN
    IF {_MEMBER} THEN
        {_LET_THROUGH}
    END IF;
    RAISE EXCEPTION 'the timeline is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
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

# pgtrigger's function (its installation template, pgtrigger/compiler.py), with one change: the list in
# ``pgtrigger.ignore`` counts for members of the maintenance role only. pgtrigger writes its own version
# again whenever it installs a trigger (a migration's AddTrigger): ``protect_history_table`` puts this one
# back, and ``tests/cases/test_history_roles.py`` fails if a migration left pgtrigger's in place.
IGNORE_FUNCTION = '"public"._pgtrigger_should_ignore'
_IGNORE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {IGNORE_FUNCTION}(trigger_name NAME) RETURNS BOOLEAN AS $$
    DECLARE
        _pgtrigger_ignore TEXT[];
    BEGIN
        BEGIN
            SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
            EXCEPTION WHEN OTHERS THEN
        END;
        IF _pgtrigger_ignore IS NULL OR NOT (trigger_name = ANY(_pgtrigger_ignore)) THEN
            RETURN FALSE;
        END IF;
        RETURN {_MEMBER};  -- consular: only the maintenance role may make a trigger stand aside
    END;
$$ LANGUAGE plpgsql;
"""

# Take UPDATE, DELETE and TRUNCATE on a protected table back from every role that is not a member (the
# application's, given them by the owner's default privileges); on pghistory's context table, give back
# UPDATE of the two columns its upsert sets. Idempotent; ``consular_secure_history()`` does every
# protected table (run it as the owner after granting anything by hand).
_SECURE_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION consular_revoke_rewrites(target regclass) RETURNS void AS $$
DECLARE
    grantee record;
    is_context boolean := EXISTS (
        SELECT FROM pg_trigger WHERE tgrelid = target AND tgname = '{CONTEXT_TRIGGER}');
BEGIN
    FOR grantee IN
        SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS name,
               bool_or(a.privilege_type = 'UPDATE') AS had_update
        FROM pg_class c
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid = target AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
          AND a.grantee <> c.relowner
          AND CASE WHEN a.grantee = 0 THEN true
                   ELSE NOT pg_has_role(a.grantee, '{MAINTENANCE_ROLE}', 'MEMBER') END
        GROUP BY 1
    LOOP
        EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %s FROM %s', target, grantee.name);
        IF is_context AND grantee.had_update THEN
            EXECUTE format('GRANT UPDATE (metadata, updated_at) ON %s TO %s', target, grantee.name);
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION consular_secure_history() RETURNS void AS $$
DECLARE
    target regclass;
BEGIN
    FOR target IN
        SELECT DISTINCT tgrelid::regclass FROM pg_trigger
        WHERE NOT tgisinternal AND tgname IN ({", ".join(f"'{name}'" for name in GUARD_TRIGGERS)})
    LOOP
        PERFORM consular_revoke_rewrites(target);
    END LOOP;
END;
$$ LANGUAGE plpgsql;

REVOKE EXECUTE ON FUNCTION consular_revoke_rewrites(regclass), consular_secure_history() FROM PUBLIC;
"""  # noqa: S608 - constants of this module only


def _quote(schema_editor, table: str) -> str:
    return schema_editor.quote_name(table)


def _execute(schema_editor, sql: str) -> None:
    schema_editor.execute(sql, params=None)  # params=None: the "%" and "?" of the SQL are not placeholders


def install_trigger_functions(schema_editor) -> None:
    """The maintenance role (where missing) and every function above (idempotent)."""
    for sql in (
        _ENSURE_ROLE,
        _HISTORY_FUNCTION,
        _CONTEXT_FUNCTION,
        _TIMELINE_FUNCTION,
        _ACCESS_LOG_FUNCTION,
        _IGNORE_FUNCTION,
        _SECURE_FUNCTIONS,
    ):
        _execute(schema_editor, sql)


def grant_maintenance(schema_editor) -> None:
    """The maintenance role may read and write every row of every table, now and in the tables the
    migrating role creates later (its login members inherit this)."""
    for sql in (
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {MAINTENANCE_ROLE}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {MAINTENANCE_ROLE}",
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {MAINTENANCE_ROLE}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {MAINTENANCE_ROLE}",
    ):
        _execute(schema_editor, sql)


def secure_all(schema_editor) -> None:
    _execute(schema_editor, "SELECT consular_secure_history()")


def _protect(schema_editor, table: str, trigger: str, operations: str = "UPDATE OR DELETE") -> None:
    name = _quote(schema_editor, table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {name}")
    schema_editor.execute(
        f"CREATE TRIGGER {trigger} BEFORE {operations} ON {name} FOR EACH ROW EXECUTE FUNCTION {trigger}()"
    )
    schema_editor.execute("SELECT consular_revoke_rewrites(%s::regclass)", params=[name])


def protect_history_table(schema_editor, table: str) -> None:
    """Refuse UPDATE and DELETE on an event table but to the maintenance role in ``rewriting_history()``
    (idempotent). Puts the role-aware ``pgtrigger.ignore`` back too: the migration that created the table
    installed pgtrigger's own with the table's pghistory triggers."""
    install_trigger_functions(schema_editor)
    _protect(schema_editor, table, HISTORY_TRIGGER)


def protect_context_table(schema_editor, table: str) -> None:
    """pghistory's context rows: DELETE and any UPDATE but pghistory's growing upsert refused."""
    _protect(schema_editor, table, CONTEXT_TRIGGER)


def protect_timeline_table(schema_editor, table: str) -> None:
    _protect(schema_editor, table, TIMELINE_TRIGGER)


def protect_access_log_table(schema_editor, table: str) -> None:
    _protect(schema_editor, table, ACCESS_LOG_TRIGGER)


def unprotect_table(schema_editor, table: str) -> None:
    name = _quote(schema_editor, table)
    for trigger in GUARD_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {name}")


def _time_index(table: str) -> str:
    return f"{table}_pgh_created_idx"


def index_event_times(schema_editor, table: str) -> None:
    """An index on the time of an event table: the audit trail page filters and orders each branch of
    pghistory's events view by it (``audit.events``); without it each branch scans its whole table.
    ``IF NOT EXISTS``: a table that some day gets such an index from pghistory keeps its own."""
    name, target = _quote(schema_editor, _time_index(table)), _quote(schema_editor, table)
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target} (pgh_created_at)")


def unindex_event_times(schema_editor, table: str) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {_quote(schema_editor, _time_index(table))}")


def _guarded_tables(apps) -> dict[str, list[str]]:
    return {
        "history": event_tables(apps),
        "context": [apps.get_model("pghistory", "Context")._meta.db_table],
        "timeline": [apps.get_model("cases", "CaseEvent")._meta.db_table],
        "access_log": [apps.get_model("cases", "AccessLog")._meta.db_table],
    }


def protect_all(apps, schema_editor) -> None:
    """Everything above, on every table it guards (a migration's ``RunPython``; idempotent): the functions
    and the maintenance role, its grants, the triggers, the event tables' time indexes, then the
    revocations (``consular_secure_history()``)."""
    tables = _guarded_tables(apps)
    install_trigger_functions(schema_editor)
    grant_maintenance(schema_editor)
    for table in tables["history"]:
        protect_history_table(schema_editor, table)
        index_event_times(schema_editor, table)
    for table in tables["context"]:
        protect_context_table(schema_editor, table)
    for table in tables["timeline"]:
        protect_timeline_table(schema_editor, table)
    for table in tables["access_log"]:
        protect_access_log_table(schema_editor, table)
    secure_all(schema_editor)


def unprotect_all(apps, schema_editor) -> None:
    """The triggers and indexes of ``protect_all`` dropped. The functions, the role and the grants stay:
    giving the application back its power to rewrite history is no step back anyone should take by
    migrating."""
    tables = _guarded_tables(apps)
    for table in tables["history"]:
        unindex_event_times(schema_editor, table)
    for table in (table for group in tables.values() for table in group):
        unprotect_table(schema_editor, table)


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
