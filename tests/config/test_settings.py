"""Settings come from the environment; production refuses unsafe defaults."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
REAL_KEYS = {
    "FIELD_ENCRYPTION_KEYS": "q1k4m0o8bP3wQm8kR2p7cVd9sXz1yT6uA5eH0jL2nF8=",
    "FIELD_BLIND_INDEX_KEY": "Zm9yLXRlc3RzLW9ubHktYmxpbmQtaW5kZXgta2V5LTA=",
}
MESSAGING = {"EMAIL_URL": "smtp://mail.example.org:25", "SMS_BACKEND": "off"}
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.org", **MESSAGING}


def _check(env_overrides: dict[str, str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://unused@127.0.0.1/none")}
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [
            sys.executable,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DEBUG": "false", "SECRET_KEY": "", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "short", "ALLOWED_HOSTS": "example.org"}, "SECRET_KEY"),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        (
            {**PRODUCTION, "FIELD_BLIND_INDEX_KEY": REAL_KEYS["FIELD_BLIND_INDEX_KEY"]},
            "FIELD_ENCRYPTION_KEYS",
        ),
        (
            {**PRODUCTION, "FIELD_ENCRYPTION_KEYS": REAL_KEYS["FIELD_ENCRYPTION_KEYS"]},
            "FIELD_BLIND_INDEX_KEY",
        ),
        (
            {
                **PRODUCTION,
                **REAL_KEYS,
                "FIELD_ENCRYPTION_KEYS": "ZGV2LW9ubHktZmllbGQta2V5LW5ldmVyLXByb2R1Y3Q=",
            },
            "FIELD_ENCRYPTION_KEYS",
        ),
        ({**PRODUCTION, **REAL_KEYS, "FIELD_ENCRYPTION_KEYS": "too-short"}, "FIELD_ENCRYPTION_KEYS"),
        (
            {**PRODUCTION, **REAL_KEYS, "FIELD_BLIND_INDEX_KEY": REAL_KEYS["FIELD_ENCRYPTION_KEYS"]},
            "FIELD_BLIND_INDEX_KEY",
        ),
        # The console backends would print messages (names, numbers, case details) into the logs.
        ({**PRODUCTION, **REAL_KEYS, "EMAIL_URL": ""}, "EMAIL_URL must name a mail server"),
        ({**PRODUCTION, **REAL_KEYS, "EMAIL_URL": "console://"}, "EMAIL_URL must name a mail server"),
        ({**PRODUCTION, **REAL_KEYS, "EMAIL_URL": "file:///tmp/mail"}, "EMAIL_URL must name a mail server"),
        ({**PRODUCTION, **REAL_KEYS, "EMAIL_URL": "mail.example.org"}, "EMAIL_URL must start with smtp://"),
        ({**PRODUCTION, **REAL_KEYS, "SMS_BACKEND": ""}, "SMS_BACKEND must be http"),
        ({**PRODUCTION, **REAL_KEYS, "SMS_BACKEND": "console"}, "SMS_BACKEND must be http"),
        ({**PRODUCTION, **REAL_KEYS, "SMS_BACKEND": "file"}, "SMS_BACKEND must be http"),
        ({**PRODUCTION, **REAL_KEYS, "SMS_BACKEND": "http"}, "SMS_HTTP_URL must be set"),
        (
            {**PRODUCTION, **REAL_KEYS, "SMS_BACKEND": "carrier-pigeon"},
            "SMS_BACKEND must be file, console, http or off",
        ),
        # The embedded PostgreSQL is a development tool: production never starts one.
        ({**PRODUCTION, **REAL_KEYS, "DATABASE_URL": ""}, "DATABASE_URL must be set when DEBUG is off"),
    ],
)
def test_production_refuses_unsafe_defaults(overrides, message):
    result = _check(overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_real_values():
    result = _check(
        {
            "DEBUG": "false",
            "SECRET_KEY": "k" * 50,
            "ALLOWED_HOSTS": "consulado.example",
            **REAL_KEYS,
            **MESSAGING,
        }
    )
    assert result.returncode == 0, result.stderr


def test_celery_is_json_only_with_late_acks_and_time_limits():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_broker_follows_the_environment(settings):
    expected = (
        os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://localhost//"
    )
    assert expected == settings.CELERY_BROKER_URL


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_PROXY_COUNT", "one", "TRUSTED_PROXY_COUNT must be a whole number, not 'one'"),
        ("TRUSTED_PROXY_COUNT", "-1", "TRUSTED_PROXY_COUNT must be at least 0"),
        ("LOGIN_LOCKOUT_FAILURES", "0", "LOGIN_LOCKOUT_FAILURES must be at least 1"),
        ("DOCUMENT_MAX_BYTES", "10MB", "DOCUMENT_MAX_BYTES must be a whole number"),
    ],
)
def test_a_malformed_number_is_named_at_start(name, value, message):
    result = _check({name: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_a_number_may_be_written_with_spaces():
    assert _check({"TRUSTED_PROXY_COUNT": " 2 ", "RETENTION_YEARS": "7"}).returncode == 0


def test_production_static_files_are_collected_with_hashed_names(tmp_path):
    """DEBUG off uses WhiteNoise's manifest storage, which refuses a reference to a missing file (a
    vendored script's source map, say): the image build runs this same command."""
    production = {
        "DEBUG": "false",
        "SECRET_KEY": "k" * 50,
        "ALLOWED_HOSTS": "consulado.example",
        **REAL_KEYS,
        **MESSAGING,
    }
    env = {**os.environ, **production, "STATIC_ROOT": str(tmp_path)}
    env.setdefault("DATABASE_URL", "postgres://unused@127.0.0.1/none")
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
    assert list(tmp_path.glob("vendor/chartjs/chart.umd.min.*.js.gz"))  # compressed too
    # Readable by the web server's user, whoever ran collectstatic (documents stay owner-only).
    assert all(path.stat().st_mode & 0o004 for path in tmp_path.rglob("*"))
