"""The staff UI's change log written before ``config.admin_records``: replace the names, phones and free
text Django stored as ``object_repr`` (and as the inline rows' "object" in the change message) with
``#<id>`` for the cases app's models whose text may be personal. Not reversible: the names are gone."""

import json

from django.db import migrations

# As config.admin_records.PLAIN_TEXT_MODELS (model names of the cases app), frozen for this migration.
PLAIN_TEXT = {
    "case",
    "hearing",
    "reminder",
    "transfer",
    "referral",
    "consent",
    "repatriationhandoff",
    "caseevent",
}


def forwards(apps, schema_editor):
    LogEntry = apps.get_model("admin", "LogEntry")
    for entry in LogEntry.objects.filter(content_type__app_label="cases").select_related("content_type"):
        fields = []
        if entry.content_type.model not in PLAIN_TEXT and entry.object_repr != f"#{entry.object_id}":
            entry.object_repr = f"#{entry.object_id}"
            fields.append("object_repr")
        try:
            message = json.loads(entry.change_message or "[]")
        except ValueError:
            message = None
        if isinstance(message, list):
            touched = False
            for part in (p for item in message if isinstance(item, dict) for p in item.values()):
                if isinstance(part, dict) and part.get("object") not in (None, "#"):
                    part["object"] = "#"
                    touched = True
            if touched:
                entry.change_message = json.dumps(message)
                fields.append("change_message")
        if fields:
            entry.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_smsoptout_history_encrypted"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
