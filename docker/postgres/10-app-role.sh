#!/bin/sh
# Run once by the postgres image when it creates the database (/docker-entrypoint-initdb.d).
#
# Two roles: POSTGRES_USER owns the schema and runs the migrations (the compose file's `migrate`
# service); the web server and the Celery processes connect as `consular_app`, which may read and write
# rows and nothing more. Not being the owner, it cannot TRUNCATE the append-only history tables or the
# access log, drop or disable their triggers, or change any table.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set owner="$POSTGRES_USER" --set app_password="$POSTGRES_APP_PASSWORD" <<'SQL'
CREATE ROLE consular_app LOGIN PASSWORD :'app_password';
GRANT USAGE ON SCHEMA public TO consular_app;
-- Every table and sequence the owner's migrations create, now and later.
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO consular_app;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO consular_app;
SQL
