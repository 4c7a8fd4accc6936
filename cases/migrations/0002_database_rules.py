"""The database rules the models cannot express, each written once in the module of its concern:

- ``cases.history.protect_all``: history (every pghistory event table of the cases, consulates and api apps),
  the case timeline, pghistory's context rows and the access log append-only; the maintenance role, its
  grants and the revocations from every other role; an index on every event table's time (the audit trail).
- ``cases.reports.summary_sql``: the triggers that keep the report summaries exact, and the functions that
  rebuild and compact them (``manage.py report_summaries``). The summaries start empty, as the tables do.
"""

from django.db import migrations

from cases import history
from cases.reports import summary_sql


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0001_initial"),
        ("consulates", "0002_extensions"),
        ("api", "0001_initial"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunPython(history.protect_all, history.unprotect_all),
        migrations.RunSQL(summary_sql.CREATE_SQL, summary_sql.DROP_SQL),
    ]
