"""The database side of the report summaries (``cases.models.report_summary``): the triggers that keep them
exact and the functions that rebuild and compact them. The one place this SQL is written.

Installed by migration ``cases.0002_database_rules`` (``CREATE_SQL``, undone by ``DROP_SQL``);
``cases.reports.summary`` (``manage.py report_summaries``, the beat task) calls the ``REBUILD_FUNCTIONS``
and ``COMPACT_FUNCTIONS``.

Every trigger is statement-level with transition tables: one aggregate per statement, so a bulk update()
or a COPY costs a GROUP BY, not a trigger call per row. ``CREATE_SQL`` may run again on a database that has
it (functions are replaced, triggers dropped and created again): to change a function, change it here and
add a migration that runs ``CREATE_SQL`` (and a rebuild, if what the summaries hold changes).
"""

# ruff: noqa: S608 - SQL built from this module's constants only, never from input
from __future__ import annotations

# --- Open caseload, open tasks, vulnerable persons with an open case --------------------------------------

OPEN = "status IN ('open', 'in_progress', 'pending_closure')"
FLAGS = (
    "is_minor",
    "is_unaccompanied_minor",
    "is_pregnant",
    "is_older_adult",
    "has_disability",
    "has_serious_medical_condition",
    "fears_return",
)
# The columns of a case the summaries read; custody_id: the facility of a case in custody.
CASE = (
    "id, person_id, consulate_id, status, category, priority, assigned_to_id, "
    "CASE WHEN released_on IS NULL THEN facility_id END AS custody_id"
)
TASK = "case_id, assignee_id, due_date"


def _flags(alias: str) -> str:
    return f"cases_report_flags({', '.join(f'{alias}.{name}' for name in FLAGS)})"


def _signed(columns: str, *, old: bool, new: bool, where: str) -> str:
    """The rows a statement removed (-1) and added (+1), of those matching ``where``."""
    parts = []
    if old:
        parts.append(f"SELECT {columns}, -1 AS d FROM old_rows WHERE {where}")
    if new:
        parts.append(f"SELECT {columns}, 1 AS d FROM new_rows WHERE {where}")
    return " UNION ALL ".join(parts)


def _case_function(op: str, *, old: bool, new: bool) -> str:
    changed = _signed(CASE, old=old, new=new, where=OPEN)
    # Per person, at each consulate and in the whole network (consulate 0), of persons that exist
    # (a person deleted earlier in the transaction was taken out by its own trigger).
    per_person = f"""
        SELECT person_id, consulate_id, sum(d)::int AS d FROM ({changed}) s
        WHERE EXISTS (SELECT 1 FROM cases_person p WHERE p.id = s.person_id)
        GROUP BY 1, 2 HAVING sum(d) <> 0
        UNION ALL
        SELECT person_id, 0, sum(d)::int FROM ({changed}) s
        WHERE EXISTS (SELECT 1 FROM cases_person p WHERE p.id = s.person_id)
        GROUP BY 1 HAVING sum(d) <> 0"""
    return f"""
CREATE OR REPLACE FUNCTION cases_report_case_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_open_caseload
        (consulate_id, status, category, priority, assigned_to_id, facility_id, n)
    SELECT consulate_id, status, category, priority, assigned_to_id, custody_id, sum(d)
    FROM ({changed}) s GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0;

    -- The tasks of cases that opened, closed or moved to another consulate. A task writer holds
    -- this case's row lock (FOR SHARE, below) until it commits, so none is missed.
    INSERT INTO cases_report_open_task (consulate_id, assignee_id, due_date, n)
    SELECT s.consulate_id, t.assignee_id, t.due_date, sum(s.d)
    FROM (SELECT id, consulate_id, sum(d) AS d FROM ({changed}) s GROUP BY 1, 2 HAVING sum(d) <> 0) s
    JOIN cases_task t ON t.case_id = s.id AND NOT t.done
    GROUP BY 1, 2, 3 HAVING sum(s.d) <> 0;

    -- Persons whose open cases changed: their flags are read under a share lock, so a concurrent
    -- change of the flags waits for this transaction (and then moves this person's buckets itself).
    PERFORM 1 FROM cases_person p
    WHERE p.id IN (SELECT person_id FROM ({per_person}) s)
    ORDER BY p.id FOR SHARE OF p;

    WITH per AS ({per_person}),
    counted AS (
        INSERT INTO cases_report_open_person AS t (person_id, consulate_id, n)
        SELECT person_id, consulate_id, d FROM per ORDER BY person_id, consulate_id
        ON CONFLICT (person_id, consulate_id) DO UPDATE SET n = t.n + EXCLUDED.n
        RETURNING t.person_id, t.consulate_id, t.n
    )
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT c.consulate_id, {_flags("p")}, sum(CASE WHEN c.n > 0 THEN 1 ELSE -1 END)
    FROM counted c
    JOIN per USING (person_id, consulate_id)
    JOIN cases_person p ON p.id = c.person_id
    WHERE (c.n > 0) <> (c.n - per.d > 0)  -- the first open case came, or the last one went
    GROUP BY 1, 2 HAVING sum(CASE WHEN c.n > 0 THEN 1 ELSE -1 END) <> 0;

    DELETE FROM cases_report_open_person o
    WHERE o.n = 0 AND o.person_id IN (SELECT person_id FROM ({changed}) s);
    RETURN NULL;
END
$fn$;
"""


def _task_function(op: str, *, old: bool, new: bool) -> str:
    changed = _signed(TASK, old=old, new=new, where="NOT done")
    net = f"SELECT case_id, assignee_id, due_date, sum(d) AS d FROM ({changed}) s GROUP BY 1, 2, 3 HAVING sum(d) <> 0"
    return f"""
CREATE OR REPLACE FUNCTION cases_report_task_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- The case's status and consulate, read under a share lock: a transaction closing, reopening or
    -- moving the case waits for this one (and then sees this task), or this one for it.
    PERFORM 1 FROM cases_case c WHERE c.id IN (SELECT case_id FROM ({net}) s)
    ORDER BY c.id FOR SHARE OF c;

    INSERT INTO cases_report_open_task (consulate_id, assignee_id, due_date, n)
    SELECT c.consulate_id, s.assignee_id, s.due_date, sum(s.d)
    FROM ({net}) s JOIN cases_case c ON c.id = s.case_id
    WHERE c.{OPEN}
    GROUP BY 1, 2, 3 HAVING sum(s.d) <> 0;
    RETURN NULL;
END
$fn$;
"""


_CASELOAD_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION cases_report_flags({", ".join(f"{name} boolean" for name in FLAGS)}) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT ({" | ".join(f"(CASE WHEN {name} THEN {1 << i} ELSE 0 END)" for i, name in enumerate(FLAGS))})::smallint
$fn$;

{_case_function("insert", old=False, new=True)}
{_case_function("update", old=True, new=True)}
{_case_function("delete", old=True, new=False)}
{_task_function("insert", old=False, new=True)}
{_task_function("update", old=True, new=True)}
{_task_function("delete", old=True, new=False)}

-- A person's flags changed: move each of their (consulate, network) rows to the new combination.
CREATE OR REPLACE FUNCTION cases_report_person_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT o.consulate_id, f.flags, sum(f.d)
    FROM (
        SELECT id, {_flags("old_rows")} AS flags, -1 AS d FROM old_rows
        UNION ALL
        SELECT id, {_flags("new_rows")}, 1 FROM new_rows
    ) f JOIN cases_report_open_person o ON o.person_id = f.id
    GROUP BY 1, 2 HAVING sum(f.d) <> 0;
    RETURN NULL;
END
$fn$;

CREATE OR REPLACE FUNCTION cases_report_person_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT o.consulate_id, {_flags("old_rows")}, -count(*)
    FROM old_rows JOIN cases_report_open_person o ON o.person_id = old_rows.id
    GROUP BY 1, 2;
    DELETE FROM cases_report_open_person WHERE person_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$fn$;

-- Every figure again from the base tables, with their writers held off meanwhile.
CREATE OR REPLACE FUNCTION cases_report_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE cases_case, cases_task, cases_person IN SHARE MODE;
    TRUNCATE cases_report_open_caseload, cases_report_open_task, cases_report_open_person,
             cases_report_vulnerable_open;
    INSERT INTO cases_report_open_caseload
        (consulate_id, status, category, priority, assigned_to_id, facility_id, n)
    SELECT consulate_id, status, category, priority, assigned_to_id,
           CASE WHEN released_on IS NULL THEN facility_id END, count(*)
    FROM cases_case WHERE {OPEN} GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO cases_report_open_task (consulate_id, assignee_id, due_date, n)
    SELECT c.consulate_id, t.assignee_id, t.due_date, count(*)
    FROM cases_task t JOIN cases_case c ON c.id = t.case_id
    WHERE NOT t.done AND c.{OPEN} GROUP BY 1, 2, 3;
    INSERT INTO cases_report_open_person (person_id, consulate_id, n)
    SELECT person_id, consulate_id, count(*) FROM cases_case WHERE {OPEN} GROUP BY 1, 2
    UNION ALL
    SELECT person_id, 0, count(*) FROM cases_case WHERE {OPEN} GROUP BY 1;
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT o.consulate_id, {_flags("p")}, count(*)
    FROM cases_report_open_person o JOIN cases_person p ON p.id = o.person_id GROUP BY 1, 2;
    ANALYZE cases_report_open_caseload, cases_report_open_task, cases_report_open_person,
            cases_report_vulnerable_open;
END
$fn$;

-- Fold each delta table's rows into one per key. Safe beside writers (they only insert; rows they
-- add meanwhile are not in this statement's snapshot and stay) and beside another compaction.
CREATE OR REPLACE FUNCTION cases_report_compact() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    WITH gone AS (
        DELETE FROM cases_report_open_caseload
        RETURNING consulate_id, status, category, priority, assigned_to_id, facility_id, n
    )
    INSERT INTO cases_report_open_caseload
        (consulate_id, status, category, priority, assigned_to_id, facility_id, n)
    SELECT consulate_id, status, category, priority, assigned_to_id, facility_id, sum(n)
    FROM gone GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0;
    WITH gone AS (
        DELETE FROM cases_report_open_task RETURNING consulate_id, assignee_id, due_date, n
    )
    INSERT INTO cases_report_open_task (consulate_id, assignee_id, due_date, n)
    SELECT consulate_id, assignee_id, due_date, sum(n) FROM gone GROUP BY 1, 2, 3 HAVING sum(n) <> 0;
    WITH gone AS (DELETE FROM cases_report_vulnerable_open RETURNING consulate_id, flags, n)
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT consulate_id, flags, sum(n) FROM gone GROUP BY 1, 2 HAVING sum(n) <> 0;
END
$fn$;
"""


# --- Scheduled hearings per consulate and hour (the upcoming-hearings report) ---------------------------

HOUR = "date_trunc('hour', starts_at, 'UTC')"  # the same hour whatever the session's time zone


def _hearing_function(op: str, *, old: bool, new: bool) -> str:
    parts = []
    if old:
        parts.append(f"SELECT case_id, {HOUR} AS hour, -1 AS d FROM old_rows WHERE status = 'scheduled'")
    if new:
        parts.append(f"SELECT case_id, {HOUR} AS hour, 1 AS d FROM new_rows WHERE status = 'scheduled'")
    net = (
        f"SELECT case_id, hour, sum(d) AS d FROM ({' UNION ALL '.join(parts)}) s "
        "GROUP BY 1, 2 HAVING sum(d) <> 0"
    )
    return f"""
CREATE OR REPLACE FUNCTION cases_report_hearing_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- The case's consulate, read under a share lock: a transfer moving the case waits for this
    -- transaction (and then sees this hearing), or this one for it.
    PERFORM 1 FROM cases_case c WHERE c.id IN (SELECT case_id FROM ({net}) s)
    ORDER BY c.id FOR SHARE OF c;
    INSERT INTO cases_report_scheduled_hearings (consulate_id, hour, n)
    SELECT c.consulate_id, s.hour, sum(s.d)
    FROM ({net}) s JOIN cases_case c ON c.id = s.case_id
    GROUP BY 1, 2 HAVING sum(s.d) <> 0;
    RETURN NULL;
END
$fn$;
"""


def _case_hearings_function(op: str, *, old: bool, new: bool) -> str:
    parts = []
    if old:
        parts.append("SELECT id, consulate_id, -1 AS d FROM old_rows")
    if new:
        parts.append("SELECT id, consulate_id, 1 AS d FROM new_rows")
    net = f"SELECT id, consulate_id, sum(d) AS d FROM ({' UNION ALL '.join(parts)}) s GROUP BY 1, 2 HAVING sum(d) <> 0"
    return f"""
CREATE OR REPLACE FUNCTION cases_report_case_hearings_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    -- The scheduled hearings of cases that moved to another consulate (or were deleted, or were
    -- inserted after their hearings: the foreign keys are checked at commit).
    INSERT INTO cases_report_scheduled_hearings (consulate_id, hour, n)
    SELECT s.consulate_id, date_trunc('hour', h.starts_at, 'UTC'), sum(s.d)
    FROM ({net}) s JOIN cases_hearing h ON h.case_id = s.id AND h.status = 'scheduled'
    GROUP BY 1, 2 HAVING sum(s.d) <> 0;
    RETURN NULL;
END
$fn$;
"""


_HEARING_FUNCTIONS = f"""
{_hearing_function("insert", old=False, new=True)}
{_hearing_function("update", old=True, new=True)}
{_hearing_function("delete", old=True, new=False)}
{_case_hearings_function("insert", old=False, new=True)}
{_case_hearings_function("update", old=True, new=True)}
{_case_hearings_function("delete", old=True, new=False)}

CREATE OR REPLACE FUNCTION cases_report_hearings_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE cases_case, cases_hearing IN SHARE MODE;
    TRUNCATE cases_report_scheduled_hearings;
    INSERT INTO cases_report_scheduled_hearings (consulate_id, hour, n)
    SELECT c.consulate_id, date_trunc('hour', h.starts_at, 'UTC'), count(*)
    FROM cases_hearing h JOIN cases_case c ON c.id = h.case_id
    WHERE h.status = 'scheduled' GROUP BY 1, 2;
    ANALYZE cases_report_scheduled_hearings;
END
$fn$;

CREATE OR REPLACE FUNCTION cases_report_hearings_compact() RETURNS void LANGUAGE sql AS $fn$
    WITH gone AS (DELETE FROM cases_report_scheduled_hearings RETURNING consulate_id, hour, n)
    INSERT INTO cases_report_scheduled_hearings (consulate_id, hour, n)
    SELECT consulate_id, hour, sum(n) FROM gone GROUP BY 1, 2 HAVING sum(n) <> 0;
$fn$;
"""


# --- Cases opened, and closed with their outcome and reception point, per consulate and local day -------


def _flow_function(op: str, *, old: bool, new: bool) -> str:
    parts = []
    for table, sign in (("old_rows", -1), ("new_rows", 1)):
        if (table == "old_rows" and old) or (table == "new_rows" and new):
            parts.append(
                f"SELECT consulate_id, opened_at AS at, 'opened' AS kind, '' AS outcome, "
                f"NULL::bigint AS reception_point_id, {sign} AS d FROM {table}"
            )
            parts.append(
                f"SELECT consulate_id, closed_at, 'closed', outcome, reception_point_id, {sign} FROM {table} "
                "WHERE status = 'closed' AND closed_at IS NOT NULL"
            )
    changed = " UNION ALL ".join(parts)
    return f"""
CREATE OR REPLACE FUNCTION cases_report_flow_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_daily_flow (consulate_id, day, kind, outcome, reception_point_id, n)
    SELECT s.consulate_id, timezone(k.timezone, s.at)::date, s.kind, s.outcome, s.reception_point_id,
           sum(s.d)
    FROM (
        SELECT consulate_id, at, kind, outcome, reception_point_id, sum(d) AS d FROM ({changed}) c
        GROUP BY 1, 2, 3, 4, 5 HAVING sum(d) <> 0
    ) s JOIN consulates_consulate k ON k.id = s.consulate_id
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(s.d) <> 0;
    RETURN NULL;
END
$fn$;
"""


_FLOW_FUNCTIONS = f"""
{_flow_function("insert", old=False, new=True)}
{_flow_function("update", old=True, new=True)}
{_flow_function("delete", old=True, new=False)}

CREATE OR REPLACE FUNCTION cases_report_flow_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
BEGIN
    LOCK TABLE cases_case IN SHARE MODE;
    TRUNCATE cases_report_daily_flow;
    INSERT INTO cases_report_daily_flow (consulate_id, day, kind, outcome, reception_point_id, n)
    SELECT c.consulate_id, timezone(k.timezone, c.opened_at)::date, 'opened', '', NULL::bigint, count(*)
    FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id GROUP BY 1, 2
    UNION ALL
    SELECT c.consulate_id, timezone(k.timezone, c.closed_at)::date, 'closed', c.outcome,
           c.reception_point_id, count(*)
    FROM cases_case c JOIN consulates_consulate k ON k.id = c.consulate_id
    WHERE c.status = 'closed' AND c.closed_at IS NOT NULL GROUP BY 1, 2, 4, 5;
    ANALYZE cases_report_daily_flow;
END
$fn$;

CREATE OR REPLACE FUNCTION cases_report_flow_compact() RETURNS void LANGUAGE sql AS $fn$
    WITH gone AS (
        DELETE FROM cases_report_daily_flow RETURNING consulate_id, day, kind, outcome, reception_point_id, n
    )
    INSERT INTO cases_report_daily_flow (consulate_id, day, kind, outcome, reception_point_id, n)
    SELECT consulate_id, day, kind, outcome, reception_point_id, sum(n) FROM gone
    GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0;
$fn$;

-- A consulate's time zone changed (rare: an administrator's correction): every local day moves.
CREATE OR REPLACE FUNCTION cases_report_flow_timezone() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (
        SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE n.timezone IS DISTINCT FROM o.timezone
    ) THEN
        PERFORM cases_report_flow_rebuild();
    END IF;
    RETURN NULL;
END
$fn$;
"""


# --- Triggers, and what the report code calls --------------------------------------------------------------

# (trigger and function name, event, table): each trigger runs the function of its own name.
TRIGGERS = (
    *((f"cases_report_case_{event}", event, "cases_case") for event in ("insert", "update", "delete")),
    *((f"cases_report_task_{event}", event, "cases_task") for event in ("insert", "update", "delete")),
    *((f"cases_report_person_{event}", event, "cases_person") for event in ("update", "delete")),
    *((f"cases_report_hearing_{event}", event, "cases_hearing") for event in ("insert", "update", "delete")),
    *(
        (f"cases_report_case_hearings_{event}", event, "cases_case")
        for event in ("insert", "update", "delete")
    ),
    *((f"cases_report_flow_{event}", event, "cases_case") for event in ("insert", "update", "delete")),
    ("cases_report_flow_timezone", "update", "consulates_consulate"),
)
REBUILD_FUNCTIONS = ("cases_report_rebuild", "cases_report_hearings_rebuild", "cases_report_flow_rebuild")
COMPACT_FUNCTIONS = ("cases_report_compact", "cases_report_hearings_compact", "cases_report_flow_compact")
_TRANSITION_TABLES = {
    "insert": "NEW TABLE AS new_rows",
    "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "OLD TABLE AS old_rows",
}


def _triggers() -> str:
    return "\n".join(
        f"DROP TRIGGER IF EXISTS {name} ON {table};\n"
        f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} REFERENCING {_TRANSITION_TABLES[event]} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}();"
        for name, event, table in TRIGGERS
    )


CREATE_SQL = _CASELOAD_FUNCTIONS + _HEARING_FUNCTIONS + _FLOW_FUNCTIONS + _triggers()

DROP_SQL = "\n".join(
    [
        *(f"DROP TRIGGER IF EXISTS {name} ON {table};" for name, _event, table in TRIGGERS),
        *(
            f"DROP FUNCTION IF EXISTS {name}();"
            for name in (*(name for name, _event, _table in TRIGGERS), *REBUILD_FUNCTIONS, *COMPACT_FUNCTIONS)
        ),
        f"DROP FUNCTION IF EXISTS cases_report_flags({', '.join('boolean' for _ in FLAGS)});",
    ]
)
