"""The database's accent-insensitive text search: the extensions it needs and ``f_unaccent``. The one
place this SQL is written.

Installed by migration ``consulates.0002_extensions``, before any table or index that uses them (the
person's ``search_name``, a generated column, and its trigram index, ``cases.models.person``).
"""

from __future__ import annotations

# unaccent() is only STABLE; an IMMUTABLE wrapper bound to the dictionary lets generated columns and
# indexes use it (the usual PostgreSQL recipe).
F_UNACCENT = "public.f_unaccent"

CREATE_F_UNACCENT = f"""
CREATE OR REPLACE FUNCTION {F_UNACCENT}(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
RETURN public.unaccent('public.unaccent'::regdictionary, $1);
"""

DROP_F_UNACCENT = f"DROP FUNCTION IF EXISTS {F_UNACCENT}(text);"
