"""Field-level encryption at rest: identifiers and phone numbers become ciphertext (AES-256-GCM under
FIELD_ENCRYPTION_KEYS), CURP and A-number are unique through keyed blind indexes, and the rows already
there (history tables included, inside rewriting_history()) are encrypted in place. Reversible: going
back decrypts them."""

import config.encrypted_fields
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations

PERSON_COLUMNS = ("curp", "a_number", "passport_number", "matricula_consular", "phone")


def _targets():
    from cases.field_rotation import Index, Target
    from cases.identifiers import canonical_a_number, normalize_curp
    from cases.reminders.messages import normalise_phone

    person_indexes = (
        Index("curp_bidx", "curp", normalize_curp, "curp"),
        Index("a_number_bidx", "a_number", canonical_a_number, "a_number"),
    )
    return [
        Target("cases_person", "id", PERSON_COLUMNS, person_indexes, tracked=True),
        Target("cases_personhistory", "pgh_id", PERSON_COLUMNS, person_indexes),
        Target("cases_emergencycontact", "id", ("phone",), tracked=True),
        Target("cases_emergencycontacthistory", "pgh_id", ("phone",)),
        Target("cases_repatriationhandoff", "id", ("family_contact_phone",), tracked=True),
        Target("cases_handoffhistory", "pgh_id", ("family_contact_phone",)),
        Target("cases_smsoptout", "id", ("phone",), (Index("phone_bidx", "phone", normalise_phone, "phone"),)),
    ]


def encrypt_existing(apps, schema_editor):
    from cases.field_rotation import rewrite

    for target in _targets():
        rewrite(target, allow_plaintext=True, rebuild_indexes=True)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred checks now, before any later ALTER


def decrypt_existing(apps, schema_editor):
    from cases.field_rotation import restore_plaintext

    for target in _targets():
        restore_plaintext(target)
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the ALTERs that follow need no pending events


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0010_access_log'),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='person',
            name='insert_insert',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='person',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='person',
            name='delete_delete',
        ),
        migrations.AddField(
            model_name='person',
            name='a_number_bidx',
            field=config.encrypted_fields.BlindIndexField(normaliser='cases.identifiers.canonical_a_number', source='a_number', unique=True),
        ),
        migrations.AddField(
            model_name='person',
            name='curp_bidx',
            field=config.encrypted_fields.BlindIndexField(normaliser='cases.identifiers.normalize_curp', source='curp', unique=True),
        ),
        migrations.AddField(
            model_name='personhistory',
            name='a_number_bidx',
            field=config.encrypted_fields.BlindIndexField(normaliser='cases.identifiers.canonical_a_number', source='a_number'),
        ),
        migrations.AddField(
            model_name='personhistory',
            name='curp_bidx',
            field=config.encrypted_fields.BlindIndexField(normaliser='cases.identifiers.normalize_curp', source='curp'),
        ),
        migrations.AddField(
            model_name='smsoptout',
            name='phone_bidx',
            field=config.encrypted_fields.BlindIndexField(normaliser='cases.reminders.messages.normalise_phone', source='phone', unique=True),
        ),
        migrations.AlterField(
            model_name='emergencycontact',
            name='phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='emergencycontacthistory',
            name='phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='handoffhistory',
            name='family_contact_phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='family contact phone'),
        ),
        migrations.AlterField(
            model_name='person',
            name='a_number',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=9, null=True, verbose_name='A-number'),
        ),
        migrations.AlterField(
            model_name='person',
            name='curp',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=18, null=True, verbose_name='CURP'),
        ),
        migrations.AlterField(
            model_name='person',
            name='matricula_consular',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='matrícula consular number'),
        ),
        migrations.AlterField(
            model_name='person',
            name='passport_number',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=20, verbose_name='passport number'),
        ),
        migrations.AlterField(
            model_name='person',
            name='phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='a_number',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=9, null=True, verbose_name='A-number'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='curp',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=18, null=True, verbose_name='CURP'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='matricula_consular',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='matrícula consular number'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='passport_number',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=20, verbose_name='passport number'),
        ),
        migrations.AlterField(
            model_name='personhistory',
            name='phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='phone'),
        ),
        migrations.AlterField(
            model_name='repatriationhandoff',
            name='family_contact_phone',
            field=config.encrypted_fields.EncryptedCharField(blank=True, max_length=30, verbose_name='family contact phone'),
        ),
        migrations.AlterField(
            model_name='smsoptout',
            name='phone',
            field=config.encrypted_fields.EncryptedCharField(max_length=20, verbose_name='phone'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='person',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cases_personhistory" ("a_number", "a_number_bidx", "contact_consent", "contact_consent_at", "created_at", "curp", "curp_bidx", "date_of_birth", "email", "fears_return", "given_names", "has_disability", "has_serious_medical_condition", "id", "is_minor", "is_older_adult", "is_pregnant", "is_unaccompanied_minor", "languages", "maternal_surname", "matricula_consular", "needs_interpreter", "passport_number", "paternal_surname", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "preferred_language", "registered_by_id", "sex", "state_of_birth", "updated_at") VALUES (NEW."a_number", NEW."a_number_bidx", NEW."contact_consent", NEW."contact_consent_at", NEW."created_at", NEW."curp", NEW."curp_bidx", NEW."date_of_birth", NEW."email", NEW."fears_return", NEW."given_names", NEW."has_disability", NEW."has_serious_medical_condition", NEW."id", NEW."is_minor", NEW."is_older_adult", NEW."is_pregnant", NEW."is_unaccompanied_minor", NEW."languages", NEW."maternal_surname", NEW."matricula_consular", NEW."needs_interpreter", NEW."passport_number", NEW."paternal_surname", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."phone", NEW."preferred_language", NEW."registered_by_id", NEW."sex", NEW."state_of_birth", NEW."updated_at"); RETURN NULL;', hash='4c57215d797be812683dc27c051bd2d848b9c701', operation='INSERT', pgid='pgtrigger_insert_insert_eb0b4', table='cases_person', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='person',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."a_number" IS DISTINCT FROM (NEW."a_number") OR OLD."a_number_bidx" IS DISTINCT FROM (NEW."a_number_bidx") OR OLD."contact_consent" IS DISTINCT FROM (NEW."contact_consent") OR OLD."contact_consent_at" IS DISTINCT FROM (NEW."contact_consent_at") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."curp" IS DISTINCT FROM (NEW."curp") OR OLD."curp_bidx" IS DISTINCT FROM (NEW."curp_bidx") OR OLD."date_of_birth" IS DISTINCT FROM (NEW."date_of_birth") OR OLD."email" IS DISTINCT FROM (NEW."email") OR OLD."fears_return" IS DISTINCT FROM (NEW."fears_return") OR OLD."given_names" IS DISTINCT FROM (NEW."given_names") OR OLD."has_disability" IS DISTINCT FROM (NEW."has_disability") OR OLD."has_serious_medical_condition" IS DISTINCT FROM (NEW."has_serious_medical_condition") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_minor" IS DISTINCT FROM (NEW."is_minor") OR OLD."is_older_adult" IS DISTINCT FROM (NEW."is_older_adult") OR OLD."is_pregnant" IS DISTINCT FROM (NEW."is_pregnant") OR OLD."is_unaccompanied_minor" IS DISTINCT FROM (NEW."is_unaccompanied_minor") OR OLD."languages" IS DISTINCT FROM (NEW."languages") OR OLD."maternal_surname" IS DISTINCT FROM (NEW."maternal_surname") OR OLD."matricula_consular" IS DISTINCT FROM (NEW."matricula_consular") OR OLD."needs_interpreter" IS DISTINCT FROM (NEW."needs_interpreter") OR OLD."passport_number" IS DISTINCT FROM (NEW."passport_number") OR OLD."paternal_surname" IS DISTINCT FROM (NEW."paternal_surname") OR OLD."phone" IS DISTINCT FROM (NEW."phone") OR OLD."preferred_language" IS DISTINCT FROM (NEW."preferred_language") OR OLD."registered_by_id" IS DISTINCT FROM (NEW."registered_by_id") OR OLD."sex" IS DISTINCT FROM (NEW."sex") OR OLD."state_of_birth" IS DISTINCT FROM (NEW."state_of_birth") OR OLD."updated_at" IS DISTINCT FROM (NEW."updated_at"))', func='INSERT INTO "cases_personhistory" ("a_number", "a_number_bidx", "contact_consent", "contact_consent_at", "created_at", "curp", "curp_bidx", "date_of_birth", "email", "fears_return", "given_names", "has_disability", "has_serious_medical_condition", "id", "is_minor", "is_older_adult", "is_pregnant", "is_unaccompanied_minor", "languages", "maternal_surname", "matricula_consular", "needs_interpreter", "passport_number", "paternal_surname", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "preferred_language", "registered_by_id", "sex", "state_of_birth", "updated_at") VALUES (NEW."a_number", NEW."a_number_bidx", NEW."contact_consent", NEW."contact_consent_at", NEW."created_at", NEW."curp", NEW."curp_bidx", NEW."date_of_birth", NEW."email", NEW."fears_return", NEW."given_names", NEW."has_disability", NEW."has_serious_medical_condition", NEW."id", NEW."is_minor", NEW."is_older_adult", NEW."is_pregnant", NEW."is_unaccompanied_minor", NEW."languages", NEW."maternal_surname", NEW."matricula_consular", NEW."needs_interpreter", NEW."passport_number", NEW."paternal_surname", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."phone", NEW."preferred_language", NEW."registered_by_id", NEW."sex", NEW."state_of_birth", NEW."updated_at"); RETURN NULL;', hash='5d40638eb873ed733004bbcfe53edc8b0482d308', operation='UPDATE', pgid='pgtrigger_update_update_6804f', table='cases_person', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='person',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cases_personhistory" ("a_number", "a_number_bidx", "contact_consent", "contact_consent_at", "created_at", "curp", "curp_bidx", "date_of_birth", "email", "fears_return", "given_names", "has_disability", "has_serious_medical_condition", "id", "is_minor", "is_older_adult", "is_pregnant", "is_unaccompanied_minor", "languages", "maternal_surname", "matricula_consular", "needs_interpreter", "passport_number", "paternal_surname", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "preferred_language", "registered_by_id", "sex", "state_of_birth", "updated_at") VALUES (OLD."a_number", OLD."a_number_bidx", OLD."contact_consent", OLD."contact_consent_at", OLD."created_at", OLD."curp", OLD."curp_bidx", OLD."date_of_birth", OLD."email", OLD."fears_return", OLD."given_names", OLD."has_disability", OLD."has_serious_medical_condition", OLD."id", OLD."is_minor", OLD."is_older_adult", OLD."is_pregnant", OLD."is_unaccompanied_minor", OLD."languages", OLD."maternal_surname", OLD."matricula_consular", OLD."needs_interpreter", OLD."passport_number", OLD."paternal_surname", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."phone", OLD."preferred_language", OLD."registered_by_id", OLD."sex", OLD."state_of_birth", OLD."updated_at"); RETURN NULL;', hash='999a3981d1897623a68774c24b18e49579d36cdd', operation='DELETE', pgid='pgtrigger_delete_delete_82e57', table='cases_person', when='AFTER')),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing, elidable=False),
    ]
