"""The configuration table (docs/configuration.md) and the production files (docker/) stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
# Variables of the compose file itself (not of the service): explained in docker/env.example.
COMPOSE_ONLY = {
    "POSTGRES_PASSWORD",
    "POSTGRES_APP_PASSWORD",
    "POSTGRES_MAINTENANCE_PASSWORD",
    "WEB_BIND",
    "WORKER_CONCURRENCY",
}
_READ = re.compile(r'(?:env_int|env_bool|env_list|os\.environ\.get|os\.environ\[)\(?\s*"([A-Z][A-Z0-9_]+)"')


def _variables_read_by_the_service(*, with_devtools: bool = False) -> set[str]:
    """The variables the service's code reads; with_devtools: also the development tools' (`make run`'s
    launcher reads PORT and HOST, documented beside the service's variables)."""
    names = set()
    for package in ("config", "cases", "consulates", *(["devtools"] if with_devtools else [])):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                names.update(_READ.findall(path.read_text()))
    return names - {"DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR"}


def _documented() -> set[str]:
    """The variables named in the first column of the table under "## Variables" (not in its prose or
    its other columns, where a name may only be mentioned)."""
    section = CONFIGURATION[CONFIGURATION.index("\n## Variables\n") :]
    section = section[: section.index("\n## ", 1)]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in first_cells for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def test_every_variable_the_service_reads_is_in_the_configuration_table():
    read = _variables_read_by_the_service()
    assert {"SECRET_KEY", "TRUSTED_PROXY_COUNT", "WEB_CONCURRENCY"} <= read  # the scan finds them
    assert read - _documented() == set()


def test_the_configuration_table_names_no_variable_the_service_does_not_read():
    assert _documented() - _variables_read_by_the_service(with_devtools=True) == set()


def test_the_compose_file_passes_only_variables_the_service_reads():
    environment = COMPOSE["x-app"]["environment"]
    assert set(environment) - _variables_read_by_the_service() == set()
    production = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS", "FIELD_BLIND_INDEX_KEY"}
    assert production <= set(environment)
    assert environment["DEBUG"] == "false"


def test_the_example_environment_names_every_required_secret():
    example = (ROOT / "docker" / "env.example").read_text()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    compose_text = (ROOT / "docker" / "compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+):\?", compose_text))
    assert required
    assert required <= names
    assert names - _variables_read_by_the_service() - COMPOSE_ONLY == set()


def test_one_beat_and_every_role_from_one_image():
    services = COMPOSE["services"]
    assert {"web", "worker", "maintenance", "beat", "migrate", "postgres", "redis"} == set(services)
    images = {services[name]["image"] for name in ("web", "worker", "maintenance", "beat", "migrate")}
    assert images == {"consular-cases:latest"}
    assert "deploy" not in services["beat"]  # never scaled: two beats would send every task twice
    for name in ("web", "worker", "maintenance", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_only_the_migrations_connect_as_the_schema_owner():
    services = COMPOSE["services"]
    assert services["migrate"]["environment"]["DATABASE_URL"].startswith("postgres://consular:")
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://consular_app:")
    init = (ROOT / "docker" / "postgres" / "10-app-role.sh").read_text()
    assert "TRUNCATE" not in init.split("<<'SQL'")[1]  # rows only


def test_only_the_maintenance_worker_rewrites_history():
    """It alone connects as the maintenance role and consumes the queue of the jobs that rewrite history;
    the other worker names its queue (a worker without --queues would consume both)."""
    from config.celery import MAINTENANCE_QUEUE

    services = COMPOSE["services"]
    assert services["maintenance"]["environment"]["DATABASE_URL"].startswith(
        "postgres://consular_maintainer:"
    )
    queues = {
        name: services[name]["command"][services[name]["command"].index("--queues") + 1]
        for name in ("worker", "maintenance")
    }
    assert queues == {"worker": "celery", "maintenance": MAINTENANCE_QUEUE}
    init = (ROOT / "docker" / "postgres" / "10-app-role.sh").read_text()
    assert "IN ROLE consular_maintenance" in init
