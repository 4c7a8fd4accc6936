"""The custody and locate history tables made append-only like every other (``cases.history``); run after
the facility migration too, whose new triggers made pgtrigger write its own ignore function again
(``protect_history_table`` puts the consular one back)."""

from django.db import migrations

HISTORY_TABLES = ["cases_custodyepisodehistory", "cases_caselocatehistory"]


def protect(apps, schema_editor):
    from cases import history

    for table in HISTORY_TABLES:
        history.protect_history_table(schema_editor, table)
        history.index_event_times(schema_editor, table)


def unprotect(apps, schema_editor):
    from cases import history

    for table in HISTORY_TABLES:
        history.unindex_event_times(schema_editor, table)
        history.unprotect_table(schema_editor, table)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_custody_episodes_from_cases"),
        ("consulates", "0008_facility_kinds_and_out_of_network"),
    ]

    operations = [migrations.RunPython(protect, unprotect)]
