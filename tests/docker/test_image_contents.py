"""The production image and the wheel hold the service and nothing of development: no demo data, no
benchmark, no test code, no `make run` launcher, no embedded PostgreSQL (they live in devtools/ and
tests/). Without a Docker engine, the image's file set is computed from docker/Dockerfile's COPY lines
and .dockerignore, then run: Django starts from those files alone, production style."""

from __future__ import annotations

import ast
import fnmatch
import os
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]
DEV_COMMANDS = ("seed_demo", "demo_logins", "bench_reports", "bench_reminders")
DEV_MODULES = ("devserver.py", "webserver.py", "embedded_db.py", "fake_provider.py", "provider.py")


def _ignored(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in path.split("/")):
                return True
        elif path == pattern or path.startswith(pattern + "/") or fnmatch.fnmatch(path, pattern):
            return True
    return False


def image_files() -> list[str]:
    """The repository files docker/Dockerfile copies into the image (paths as in the repository)."""
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    files: set[str] = set()
    for line in (ROOT / "docker" / "Dockerfile").read_text().splitlines():
        if not line.startswith("COPY "):
            continue
        words = [word for word in shlex.split(line)[1:] if not word.startswith("--")]
        for source in words[:-1]:
            path = ROOT / source
            candidates = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            for candidate in candidates:
                relative = candidate.relative_to(ROOT).as_posix()
                if not _ignored(relative, ignore):
                    files.add(relative)
    return sorted(files)


def test_the_image_holds_the_service():
    files = image_files()
    assert "manage.py" in files
    assert "config/settings.py" in files
    assert "cases/services/__init__.py" in files or any(f.startswith("cases/services/") for f in files)
    assert "consulates/models.py" in files or any(f.startswith("consulates/") for f in files)
    assert "locale/es/LC_MESSAGES/django.mo" in files or "locale/es/LC_MESSAGES/django.po" in files


def test_the_image_holds_no_development_code():
    files = image_files()
    assert [f for f in files if f.split("/")[0] in ("devtools", "tests", "tools")] == []
    assert [f for f in files if "demo" in f.split("/")[:-1] or "fakes" in f.split("/")[:-1]] == []
    names = {f.rsplit("/", 1)[-1] for f in files}
    assert sorted(names & {f"{command}.py" for command in DEV_COMMANDS}) == []
    assert sorted(names & set(DEV_MODULES)) == []
    assert [f for f in files if f.rsplit("/", 1)[-1].startswith(("bench_", "test_", "conftest"))] == []


def test_the_wheel_packages_no_development_code():
    find = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    packages = find_packages(str(ROOT), include=find["include"], exclude=find.get("exclude", ()))
    assert "cases" in packages
    assert "config" in packages
    assert [p for p in packages if p.split(".")[0] in ("devtools", "tests", "tools")] == []
    assert [p for p in packages if "demo" in p.split(".") or "fakes" in p.split(".")] == []


def test_shipped_code_does_not_import_development_code():
    """Only the settings name devtools, for the embedded PostgreSQL, when DATABASE_URL is unset and DEBUG
    is on (production refuses to start without DATABASE_URL: tests/config/test_settings.py)."""
    found = []
    for relative in image_files():
        if not relative.endswith(".py"):
            continue
        tree = ast.parse((ROOT / relative).read_text(), relative)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            found += [(relative, m) for m in modules if m.split(".")[0] in ("devtools", "tests", "tools")]
    assert found == [("config/settings.py", "devtools.embedded_db")]


@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="the image's settings need DATABASE_URL")
def test_the_image_starts_without_development_code(tmp_path):
    """From a copy of the image's files alone (as the Dockerfile's COPY lines place them), with the
    image's production environment: Django starts, every shipped module imports, no development app or
    command exists and nothing of devtools/ or tests/ was loaded."""
    app = tmp_path / "app"
    for relative in image_files():
        (app / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / relative, app / relative)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST", "DEBUG", "VAR_DIR", "PYTHONPATH"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        ALLOWED_HOSTS="consulado.example",
        FIELD_ENCRYPTION_KEYS="q1k4m0o8bP3wQm8kR2p7cVd9sXz1yT6uA5eH0jL2nF8=",
        FIELD_BLIND_INDEX_KEY="Zm9yLXRlc3RzLW9ubHktYmxpbmQtaW5kZXgta2V5LTA=",
        EMAIL_URL="smtp://mail.example.org:25",
        SMS_BACKEND="off",
        VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    script = """
import importlib, pkgutil, sys
import django
django.setup()
from django.conf import settings
from django.core.management import get_commands
for package in ("config", "api", "oauth", "signin", "encryption", "audit", "staffsite", "consulates", "cases"):
    module = importlib.import_module(package)
    assert module.__file__.startswith(sys.argv[1]), module.__file__
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        importlib.import_module(info.name)
print("apps", *settings.INSTALLED_APPS)
print("commands", *sorted(get_commands()))
print("modules", *sorted(name for name in sys.modules if name.split(".")[0] in ("devtools", "tests")))
"""
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script, str(app)],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split(" ", 1)[0]: line.split()[1:] for line in result.stdout.splitlines()}
    assert "devtools" not in lines["apps"]
    assert "cases" in lines["apps"]
    assert "load_network" in lines["commands"]
    assert [command for command in DEV_COMMANDS if command in lines["commands"]] == []
    assert lines["modules"] == []
