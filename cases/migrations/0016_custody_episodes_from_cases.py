"""One custody episode per existing case with a facility, as the case records it (source "recorded before
the custody history"): from ``detained_since`` (may be empty), to ``released_on`` (ended as a release)
or open. Nothing is invented: no agency, no time, no recorder. Set-wise, in one statement; a case that
already has an episode is left alone, so running it twice adds nothing. Reversible: the episodes it
made are removed."""

from django.db import migrations

FORWARD = """
INSERT INTO cases_custodyepisode
    (case_id, facility_id, agency, started_on, started_time, ended_on, ended_by, source, notes,
     recorded_at, recorded_by_id)
SELECT c.id, c.facility_id, '',
       -- a release recorded before the detention date cannot be one episode as it stands: the episode
       -- starts without a date (the case's own history keeps both)
       CASE WHEN c.released_on < c.detained_since THEN NULL ELSE c.detained_since END, NULL, c.released_on,
       CASE WHEN c.released_on IS NULL THEN '' ELSE 'released' END, 'legacy', '', now(), NULL
FROM cases_case c
WHERE c.facility_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM cases_custodyepisode e WHERE e.case_id = c.id)
"""

BACKWARD = "DELETE FROM cases_custodyepisode WHERE source = 'legacy'"


def _connection(schema_editor):
    from django.db import connection

    return schema_editor.connection if schema_editor is not None else connection


def forward(apps, schema_editor):
    with _connection(schema_editor).cursor() as cursor:
        cursor.execute(FORWARD)


def backward(apps, schema_editor):
    with _connection(schema_editor).cursor() as cursor:
        cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_custody_history_locate_attempts_verify_task")]

    operations = [migrations.RunPython(forward, backward)]
