#!/bin/sh
# Run once by the postgres image when it creates the database (/docker-entrypoint-initdb.d).
#
# Three roles besides the owner:
# - POSTGRES_USER owns the schema and runs the migrations (the compose file's `migrate` service).
# - `consular_app`: the web server and the Celery worker and beat. It reads and writes rows and nothing more:
#   not the owner, so it cannot drop or disable a trigger or change a table; and the migrations take UPDATE,
#   DELETE and TRUNCATE on the history tables, the case timeline, pghistory's context rows and the access
#   log back from it (cases/history.py), so it cannot rewrite history whatever it sets in its session.
# - `consular_maintainer`: the `maintenance` service (retention, erasure, key rotation), a member of the
#   group role `consular_maintenance`, which the triggers let rewrite history (inside
#   cases.history.rewriting_history()) and which the migrations grant every row privilege on every table.
# The SQL below is also run by tests/cases/test_history_roles.py, with its own role names: keep every value
# in a psql variable.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set owner="$POSTGRES_USER" \
  --set app_role=consular_app --set app_password="$POSTGRES_APP_PASSWORD" \
  --set maintenance_role=consular_maintainer --set maintenance_password="$POSTGRES_MAINTENANCE_PASSWORD" <<'SQL'
-- Roles belong to the whole server; the migrations create this one too where it is missing.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'consular_maintenance') THEN
        CREATE ROLE consular_maintenance NOLOGIN;
    END IF;
END
$$;
CREATE ROLE :"app_role" LOGIN PASSWORD :'app_password';
CREATE ROLE :"maintenance_role" LOGIN PASSWORD :'maintenance_password' IN ROLE consular_maintenance;
GRANT USAGE ON SCHEMA public TO :"app_role", consular_maintenance;
-- Every table and sequence the owner's migrations create, now and later (then the migrations take the
-- rewriting of history back).
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO :"app_role";
SQL
