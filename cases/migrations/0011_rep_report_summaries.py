# The report summaries of the open caseload (issue 6): tables, triggers, back-fill.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models




# The triggers that keep the report summaries (cases/models/report_summary.py) exact, and the functions
# that rebuild and compact them. Written out here, not imported, so that this migration keeps meaning
# what it meant. Every trigger is statement-level with transition tables: one aggregate per statement,
# so a bulk update() or a COPY costs a GROUP BY, not a trigger call per row.

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


def flags(alias: str) -> str:
    return f"cases_report_flags({', '.join(f'{alias}.{name}' for name in FLAGS)})"


def signed(columns: str, *, old: bool, new: bool, where: str) -> str:
    """The rows a statement removed (-1) and added (+1), of those matching ``where``."""
    parts = []
    if old:
        parts.append(f"SELECT {columns}, -1 AS d FROM old_rows WHERE {where}")
    if new:
        parts.append(f"SELECT {columns}, 1 AS d FROM new_rows WHERE {where}")
    return " UNION ALL ".join(parts)


def case_function(op: str, *, old: bool, new: bool) -> str:
    changed = signed(CASE, old=old, new=new, where=OPEN)
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
CREATE FUNCTION cases_report_case_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
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
    SELECT c.consulate_id, {flags("p")}, sum(CASE WHEN c.n > 0 THEN 1 ELSE -1 END)
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


def task_function(op: str, *, old: bool, new: bool) -> str:
    changed = signed(TASK, old=old, new=new, where="NOT done")
    net = f"SELECT case_id, assignee_id, due_date, sum(d) AS d FROM ({changed}) s GROUP BY 1, 2, 3 HAVING sum(d) <> 0"
    return f"""
CREATE FUNCTION cases_report_task_{op}() RETURNS trigger LANGUAGE plpgsql AS $fn$
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


FUNCTIONS = f"""
CREATE FUNCTION cases_report_flags({", ".join(f"{name} boolean" for name in FLAGS)}) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT ({" | ".join(f"(CASE WHEN {name} THEN {1 << i} ELSE 0 END)" for i, name in enumerate(FLAGS))})::smallint
$fn$;

{case_function("insert", old=False, new=True)}
{case_function("update", old=True, new=True)}
{case_function("delete", old=True, new=False)}
{task_function("insert", old=False, new=True)}
{task_function("update", old=True, new=True)}
{task_function("delete", old=True, new=False)}

-- A person's flags changed: move each of their (consulate, network) rows to the new combination.
CREATE FUNCTION cases_report_person_update() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT o.consulate_id, f.flags, sum(f.d)
    FROM (
        SELECT id, {flags("old_rows")} AS flags, -1 AS d FROM old_rows
        UNION ALL
        SELECT id, {flags("new_rows")}, 1 FROM new_rows
    ) f JOIN cases_report_open_person o ON o.person_id = f.id
    GROUP BY 1, 2 HAVING sum(f.d) <> 0;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION cases_report_person_delete() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO cases_report_vulnerable_open (consulate_id, flags, n)
    SELECT o.consulate_id, {flags("old_rows")}, -count(*)
    FROM old_rows JOIN cases_report_open_person o ON o.person_id = old_rows.id
    GROUP BY 1, 2;
    DELETE FROM cases_report_open_person WHERE person_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$fn$;

-- Every figure again from the base tables, with their writers held off meanwhile.
CREATE FUNCTION cases_report_rebuild() RETURNS void LANGUAGE plpgsql AS $fn$
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
    SELECT o.consulate_id, {flags("p")}, count(*)
    FROM cases_report_open_person o JOIN cases_person p ON p.id = o.person_id GROUP BY 1, 2;
    ANALYZE cases_report_open_caseload, cases_report_open_task, cases_report_open_person,
            cases_report_vulnerable_open;
END
$fn$;

-- Fold each delta table's rows into one per key. Safe beside writers (they only insert; rows they
-- add meanwhile are not in this statement's snapshot and stay) and beside another compaction.
CREATE FUNCTION cases_report_compact() RETURNS void LANGUAGE plpgsql AS $fn$
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


def _triggers() -> str:
    statements = []
    for table, prefix, events in (
        ("cases_case", "case", ("insert", "update", "delete")),
        ("cases_task", "task", ("insert", "update", "delete")),
        ("cases_person", "person", ("update", "delete")),
    ):
        for event in events:
            tables = {"insert": "NEW TABLE AS new_rows", "delete": "OLD TABLE AS old_rows"}.get(
                event, "OLD TABLE AS old_rows NEW TABLE AS new_rows"
            )
            statements.append(
                f"CREATE TRIGGER cases_report_{prefix}_{event} AFTER {event.upper()} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION cases_report_{prefix}_{event}();"
            )
    return "\n".join(statements)


TRIGGERS = _triggers()

DROP = """
DROP TRIGGER IF EXISTS cases_report_case_insert ON cases_case;
DROP TRIGGER IF EXISTS cases_report_case_update ON cases_case;
DROP TRIGGER IF EXISTS cases_report_case_delete ON cases_case;
DROP TRIGGER IF EXISTS cases_report_task_insert ON cases_task;
DROP TRIGGER IF EXISTS cases_report_task_update ON cases_task;
DROP TRIGGER IF EXISTS cases_report_task_delete ON cases_task;
DROP TRIGGER IF EXISTS cases_report_person_update ON cases_person;
DROP TRIGGER IF EXISTS cases_report_person_delete ON cases_person;
DROP FUNCTION IF EXISTS cases_report_case_insert(), cases_report_case_update(), cases_report_case_delete(),
    cases_report_task_insert(), cases_report_task_update(), cases_report_task_delete(),
    cases_report_person_update(), cases_report_person_delete(), cases_report_rebuild(),
    cases_report_compact();
DROP FUNCTION IF EXISTS cases_report_flags(boolean, boolean, boolean, boolean, boolean, boolean, boolean);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_access_log'),
        ('consulates', '0003_partner_webhook'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='OpenPerson',
            fields=[
                ('pk', models.CompositePrimaryKey('person_id', 'consulate_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('person_id', models.BigIntegerField()),
                ('consulate_id', models.BigIntegerField()),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'cases_report_open_person',
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='VulnerableOpen',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('consulate_id', models.BigIntegerField()),
                ('flags', models.SmallIntegerField()),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'cases_report_vulnerable_open',
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='OpenCaseload',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(max_length=20)),
                ('category', models.CharField(max_length=20)),
                ('priority', models.CharField(max_length=10)),
                ('n', models.IntegerField()),
                ('assigned_to', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('consulate', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='consulates.consulate')),
                ('facility', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='consulates.detentionfacility')),
            ],
            options={
                'db_table': 'cases_report_open_caseload',
                'default_permissions': (),
            },
        ),
        migrations.CreateModel(
            name='OpenTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('due_date', models.DateField(null=True)),
                ('n', models.IntegerField()),
                ('assignee', models.ForeignKey(db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('consulate', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='consulates.consulate')),
            ],
            options={
                'db_table': 'cases_report_open_task',
                'default_permissions': (),
            },
        ),
        migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP),
        # The back-fill: every figure from the base tables (about N s on 1,000,000 cases).
        migrations.RunSQL("SELECT cases_report_rebuild();", migrations.RunSQL.noop),
    ]
