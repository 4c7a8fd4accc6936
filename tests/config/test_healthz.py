"""``/healthz``: what a load balancer and the container's health check ask. 200 only when the database
answers; no session, no sign-in, no second factor."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthy_when_the_database_answers():
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok")
    assert "sessionid" not in response.cookies


def test_unhealthy_when_the_database_does_not_answer():
    script = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
        "from django.test import Client; r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere"}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "503 database unavailable"
