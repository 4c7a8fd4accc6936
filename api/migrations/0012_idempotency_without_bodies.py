"""Idempotency records keep no answer bodies (they held the personal data of every answer for a day):
a success is kept as the resource it rendered, re-rendered on replay; a refusal as its checked problem
document. The stored bodies are blanked before the column goes, so no old row version keeps them past
the next vacuum; records from before keep their status (a replay answers it without a body)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0011_auth_token_use"),
    ]

    operations = [
        migrations.RunSQL(
            "UPDATE api_idempotencyrecord SET response_body = NULL WHERE response_body IS NOT NULL",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveField(model_name="idempotencyrecord", name="response_body"),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="resource_type",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddField(
            model_name="idempotencyrecord", name="resource_id", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="serializer",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="idempotencyrecord", name="etag", field=models.BooleanField(default=False)
        ),
        migrations.AddField(
            model_name="idempotencyrecord", name="problem", field=models.JSONField(null=True)
        ),
        migrations.AddField(
            model_name="idempotencyrecord", name="case_id", field=models.BigIntegerField(null=True)
        ),
        migrations.AddField(
            model_name="idempotencyrecord", name="person_id", field=models.BigIntegerField(null=True)
        ),
        migrations.AddIndex(
            model_name="idempotencyrecord",
            index=models.Index(fields=["case_id"], name="idempotency_case_idx"),
        ),
        migrations.AddIndex(
            model_name="idempotencyrecord",
            index=models.Index(fields=["person_id"], name="idempotency_person_idx"),
        ),
    ]
