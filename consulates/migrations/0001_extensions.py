from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

# unaccent() is only STABLE; an IMMUTABLE wrapper bound to the dictionary lets generated columns and
# indexes use it (the usual PostgreSQL recipe).
F_UNACCENT = """
CREATE OR REPLACE FUNCTION public.f_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN public.unaccent('public.unaccent'::regdictionary, $1);
"""


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(F_UNACCENT, reverse_sql="DROP FUNCTION IF EXISTS public.f_unaccent(text);"),
    ]
