# The caseload reports' indexes (cases.reports; measured by ``manage.py bench_reports``). Built
# concurrently: on a large table a plain CREATE INDEX would block case writes while it runs.
#
# Depends on 0005, as does the reminders branch's 0006_reminders: when both are on main, a merge
# migration joins them.

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("cases", "0005_crossoffice_repatriation_documents"),
        ("consulates", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        RemoveIndexConcurrently(
            model_name="case",
            name="case_opened_idx",
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(fields=["-opened_at"], include=("consulate", "id"), name="case_opened_idx"),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("status", "closed")),
                fields=["closed_at"],
                include=("consulate", "id", "opened_at", "category", "outcome", "reception_point"),
                name="case_report_closed_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                condition=models.Q(("consulate_notified_at__isnull", False)),
                fields=["consulate_notified_at"],
                include=("consulate", "id", "arrested_at", "first_contact_at", "notified_by", "facility"),
                name="case_report_notified_idx",
            ),
        ),
    ]
