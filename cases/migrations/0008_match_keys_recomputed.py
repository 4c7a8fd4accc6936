"""The stored match keys recomputed (``cases.namekeys.match_keys`` changed: name pairs in alphabetical order,
so a name written with given name and surname swapped shares them; pairs with the year of birth; every name
word with the date of birth; particles joined to a surname read without them). Persons and their other names
(aliases, whose keys carry the person's date of birth), in batches; only the key column is written."""

from django.db import migrations

BATCH = 5000


def _recompute(schema_editor, rows, table: str) -> None:
    from cases.namekeys import match_keys

    batch = []
    with schema_editor.connection.cursor() as cursor:
        for pk, given, paternal, maternal, dob in rows:
            batch.append((match_keys(given, paternal, maternal, dob), pk))
            if len(batch) == BATCH:
                cursor.executemany(f"UPDATE {table} SET match_keys = %s WHERE id = %s", batch)  # noqa: S608 - constant table
                batch = []
        if batch:
            cursor.executemany(f"UPDATE {table} SET match_keys = %s WHERE id = %s", batch)  # noqa: S608 - constant table


def recompute(apps, schema_editor):
    Person = apps.get_model("cases", "Person")
    PersonAlias = apps.get_model("cases", "PersonAlias")
    persons = Person.objects.order_by().values_list(
        "pk", "given_names", "paternal_surname", "maternal_surname", "date_of_birth"
    )
    _recompute(schema_editor, persons.iterator(chunk_size=BATCH), "cases_person")
    aliases = PersonAlias.objects.order_by().values_list(
        "pk", "given_names", "paternal_surname", "maternal_surname", "person__date_of_birth"
    )
    _recompute(schema_editor, aliases.iterator(chunk_size=BATCH), "cases_personalias")


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_reminder_inquiry_due")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop, elidable=True)]
