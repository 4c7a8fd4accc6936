"""History is rewritten by the maintenance role only, never by the application's own role (issue 15, item 7).

The trigger functions now check the role (``cases.history``): history rows, pghistory's context rows (which
may only grow, as pghistory writes them) and pgtrigger's ``pgtrigger.ignore``. The timeline gets a trigger
of its own beside pgtrigger's. ``consular_maintenance`` may read and write every table; every other role
(the application's) loses UPDATE, DELETE and TRUNCATE on the protected tables.

Going back removes the timeline's trigger only: the functions are code (``cases.history``, installed by
0011 as they are today), and the grants stay (the maintenance role's and the revocations; restoring the
application's power to rewrite history is no step back anyone should take by migrating).
"""

from django.db import migrations

from cases import history


def guard(apps, schema_editor):
    history.install_trigger_functions(schema_editor)
    history.grant_maintenance(schema_editor)
    for table in history.event_tables(apps):
        history.protect_history_table(schema_editor, table)
    history.protect_context_table(schema_editor, apps.get_model("pghistory", "Context")._meta.db_table)
    history.protect_timeline_table(schema_editor, apps.get_model("cases", "CaseEvent")._meta.db_table)
    history.protect_access_log_table(schema_editor, apps.get_model("cases", "AccessLog")._meta.db_table)
    history.secure_all(schema_editor)


def unguard(apps, schema_editor):
    table = schema_editor.quote_name(apps.get_model("cases", "CaseEvent")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {history.TIMELINE_TRIGGER} ON {table}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_history_created_at_indexes")]

    operations = [migrations.RunPython(guard, unguard)]
