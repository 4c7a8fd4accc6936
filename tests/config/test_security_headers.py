"""Hardening headers on every kind of response, and ``check --deploy`` clean with production settings.

In-process tests use the test settings (DEBUG as the environment has it); what production alone turns on
(HSTS, Secure cookies, the HTTPS redirect) is checked in a subprocess started with a production-like
environment, as a deployment would start the service.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse

from cases import services
from consulates.models import Consulate
from tests import factories as f
from tests.auth import login_verified
from tests.factories.documents import valid_pdf_bytes
from tests.network import network_restore

ROOT = Path(__file__).resolve().parents[2]
PDF = valid_pdf_bytes()  # a real PDF: uploads are parsed in full


def _new_key() -> str:
    """A 32-byte key in url-safe base64, as ``rotate_field_keys --generate-key`` prints."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def production_env(**overrides: str) -> dict[str, str]:
    """What a deployment sets, and nothing of the test run's own environment (its DEBUG, the browser
    tests' DJANGO_ALLOW_ASYNC_UNSAFE...)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "consulado.example",
        "FIELD_ENCRYPTION_KEYS": _new_key(),
        "FIELD_BLIND_INDEX_KEY": _new_key(),
        "EMAIL_URL": "smtp+tls://avisos:clave@smtp.consulado.example:587",
        "SMS_BACKEND": "off",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://unused@127.0.0.1/none"),
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_deploy_passes_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_production_is_misconfigured():
    """The check above can fail: switching the HTTPS redirect off is a deploy warning."""
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(SECURE_SSL_REDIRECT="false"),
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr + result.stdout


PRODUCTION_PROBE = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
# No collectstatic here: the admin's templates may name static files without the manifest.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client(HTTP_HOST="consulado.example")
plain = client.get("/admin/login/")
secure = client.get("/admin/login/", secure=True)
api = client.get("/api/v1/cases/", secure=True)
csrf = secure.cookies["csrftoken"]
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location")],
    "secure": {k: v for k, v in secure.headers.items()},
    "api": {k: v for k, v in api.headers.items()},
    "csrf_cookie": {"secure": bool(csrf["secure"]), "httponly": bool(csrf["httponly"]), "samesite": csrf["samesite"]},
    "session_cookie": [settings.SESSION_COOKIE_SECURE, settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE],
}))
"""


@pytest.fixture(scope="module")
def production():
    result = run(["-c", PRODUCTION_PROBE], production_env())
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    status, location = production["plain"]
    assert status == 301
    assert location == "https://consulado.example/admin/login/"


@pytest.mark.parametrize("response", ["secure", "api"])
def test_production_sends_hsts_for_a_year_with_subdomains(production, response):
    assert production[response]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_production_cookies_are_secure_httponly_and_same_site(production):
    assert production["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert production["session_cookie"] == [True, True, "Lax"]


# --- every header on every kind of response (test settings, in process) ----------------------------


PAGES = [
    "login page",
    "admin index",
    "case page",
    "person list",
    "dashboard",
    "export",
    "document download",
    "api list",
    "api detail",
    "api error",
    "api docs",
    "api schema",
]


@pytest.fixture(scope="module")
def responses(django_db_setup, django_db_blocker, tmp_path_factory):
    """One response of each kind, fetched once for the module (records rolled back afterwards)."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        transaction.atomic(),
    ):
        if not Consulate.objects.exists():  # browser tests before this one flush the database
            network_restore()
        officer = f.officer("dallas", can_export=True)
        case = f.make_case(officer)
        document = services.document_upload(
            actor=officer,
            case=case,
            file=SimpleUploadedFile("acta.pdf", PDF, content_type="application/pdf"),
            kind="identity",
        )
        paths = {
            "admin index": "/admin/",
            "case page": reverse("admin:cases_case_change", args=[case.pk]),
            "person list": "/admin/cases/person/",
            "dashboard": "/reports/",
            "export": "/reports/open_cases.csv?start=2026-01-01&end=2026-01-31",
            "document download": reverse("cases:document_download", args=[document.pk]),
            "api list": "/api/v1/cases/",
            "api detail": f"/api/v1/cases/{case.pk}/",
            "api error": "/api/v1/cases/999999999/",
            "api docs": "/api/docs/",
            "api schema": "/api/schema/",
        }
        out = {"login page": Client().get("/admin/login/")}
        client = Client()
        login_verified(client, officer)
        out.update({name: client.get(path) for name, path in paths.items()})
        transaction.set_rollback(True)
    return out


def test_every_page_answers(responses):
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {name: 404 if name == "api error" else 200 for name in PAGES}


@pytest.mark.parametrize("name", PAGES)
def test_nosniff(responses, name):
    assert responses[name]["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", PAGES)
def test_referrer_policy_same_origin(responses, name):
    assert responses[name]["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("name", PAGES)
def test_frames_denied(responses, name):
    assert responses[name]["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("name", PAGES)
def test_cross_origin_opener_policy(responses, name):
    assert responses[name]["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("name", PAGES)
def test_nothing_personal_is_cached(responses, name):
    directives = {d.strip() for d in responses[name]["Cache-Control"].split(",")}
    assert "no-store" in directives


@pytest.mark.parametrize("name", PAGES)
def test_content_security_policy(responses, name):
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in responses[name]["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no hosts
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


@pytest.mark.django_db
def test_the_api_documentation_runs_under_the_sites_policy_unchanged(client):
    """No page loosens the policy: the Redoc page, which needed inline styles, is gone (404)."""
    site = client.get("/admin/login/")["Content-Security-Policy"]
    assert client.get("/api/docs/")["Content-Security-Policy"] == site
    assert "unsafe-inline" not in site
    assert client.get("/api/redoc/").status_code == 404


@pytest.mark.django_db
def test_swagger_ui_loads_its_start_up_script_as_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page
    assert 'src="/api/docs/?script="' in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_no_template_of_ours_has_inline_script_or_event_handlers():
    import re

    pattern = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>|\son[a-z]+\s*=", re.I)
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("config", "cases", "consulates")
        for path in (ROOT / folder).rglob("templates/**/*.html")
        if pattern.search(path.read_text())
    ]
    assert offenders == []
