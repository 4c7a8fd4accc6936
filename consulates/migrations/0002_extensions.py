"""The database's accent-insensitive text search (``consulates.text_search``): pg_trgm, unaccent and the
IMMUTABLE ``f_unaccent`` wrapper. Before ``cases.0001_initial``, whose person table computes ``search_name``
with ``f_unaccent`` and indexes it with ``gin_trgm_ops``."""

from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations

from consulates import text_search


class Migration(migrations.Migration):
    dependencies = [("consulates", "0001_initial")]

    operations = [
        TrigramExtension(),
        UnaccentExtension(),
        migrations.RunSQL(text_search.CREATE_F_UNACCENT, reverse_sql=text_search.DROP_F_UNACCENT),
    ]
