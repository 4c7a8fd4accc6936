# The unassigned-and-inactive report's index (open cases by consulate and last activity). Built
# concurrently: a plain CREATE INDEX would block case writes while it runs on a large table.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0011_rep_report_summaries"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status__in", ["open", "in_progress", "pending_closure"])),
                fields=["consulate", "last_activity_at"],
                name="case_open_activity_idx",
            ),
        ),
    ]
