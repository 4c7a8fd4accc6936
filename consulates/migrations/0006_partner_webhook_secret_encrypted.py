"""Partners' webhook signing secrets are encrypted at rest (AES-256-GCM under FIELD_ENCRYPTION_KEYS, like
the persons' identifiers): the column becomes text and the secrets already there, in the partner table and
in its history, are encrypted in place (the history inside rewriting_history(), without new audit rows).
Reversible: going back decrypts them."""

import config.encrypted_fields
from django.db import migrations


def _targets():
    from cases.field_rotation import Target

    return [
        Target("consulates_partner", "id", ("webhook_secret",), tracked=True),
        Target("consulates_partnerevent", "pgh_id", ("webhook_secret",)),
    ]


def encrypt_existing(apps, schema_editor):
    from cases.field_rotation import rewrite

    for target in _targets():
        rewrite(target, allow_plaintext=True, rebuild_indexes=False)


def decrypt_existing(apps, schema_editor):
    from cases.field_rotation import restore_plaintext

    for target in _targets():
        restore_plaintext(target)


class Migration(migrations.Migration):
    dependencies = [
        ("consulates", "0005_consulate_phone_one_number"),
    ]

    operations = [
        migrations.AlterField(
            model_name="partner",
            name="webhook_secret",
            field=config.encrypted_fields.EncryptedCharField(
                blank=True,
                help_text="Shared with the partner; signs each call.",
                max_length=64,
                verbose_name="webhook signing secret",
            ),
        ),
        migrations.AlterField(
            model_name="partnerevent",
            name="webhook_secret",
            field=config.encrypted_fields.EncryptedCharField(
                blank=True,
                help_text="Shared with the partner; signs each call.",
                max_length=64,
                verbose_name="webhook signing secret",
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
