"""The zero-config demo: the demo staff users have confirmed authenticators, and the "Demo logins" block
that ``make run`` prints gives each one's TOTP secret and otpauth:// URI, so a new user can sign in."""

from __future__ import annotations

from base64 import b32decode
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from devtools.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from devtools.demo.users import demo_users_create
from tests.signin.conftest import VERIFY, code_from_secret, sign_in_password

pytestmark = pytest.mark.django_db


def _printed(*args, **kwargs) -> str:
    out = StringIO()
    call_command("demo_logins", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_demo_staff_sign_in_with_the_printed_secret(settings, address):
    settings.DEBUG = True
    demo_users_create()
    demo_users_create()  # a second run (make run again) keeps the same authenticators
    text = _printed()
    assert "Demo logins" in text
    assert DEMO_PASSWORD in text
    lines = text.splitlines()
    secrets = {}
    for index, line in enumerate(lines):
        name = line.split()[0] if line.startswith("  ") and line.split() else ""
        if name in dict(DEMO_LOGINS) and index + 1 < len(lines) and "TOTP secret" in lines[index + 1]:
            secrets[name] = lines[index + 1].split()[-1]
            assert lines[index + 2].strip().startswith("otpauth://totp/")
    staff = {name for name, _ in DEMO_LOGINS if name != "ong.demo"}
    assert set(secrets) == staff
    for name, secret in secrets.items():
        device = TOTPDevice.objects.get(user__username=name)
        assert device.confirmed
        assert b32decode(secret) == device.bin_key

    browser = Client(REMOTE_ADDR=address)
    assert sign_in_password(browser, "oficial.dallas", DEMO_PASSWORD).status_code == 302
    response = browser.post(VERIFY, {"code": code_from_secret(secrets["oficial.dallas"])})
    assert response["Location"] == "/"  # the staff home
    assert browser.get("/").status_code == 200


def test_the_current_code_can_be_printed_in_the_demo(settings, address):
    settings.DEBUG = True
    demo_users_create()
    code = _printed(code="supervisora.dallas").strip()
    assert len(code) == 6
    assert code.isdigit()
    browser = Client(REMOTE_ADDR=address)
    sign_in_password(browser, "supervisora.dallas", DEMO_PASSWORD)
    assert browser.post(VERIFY, {"code": code})["Location"] == "/"


def test_secrets_are_not_printed_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        _printed()
    with pytest.raises(CommandError):
        _printed(code="admin")


def test_saved_for_make_run_owner_only_and_printed_from_the_file(settings, tmp_path, capsys):
    """`make run` saves the block before its servers start and prints it from the file once the staff UI
    answers, so nothing joins the embedded database while `make run` is being stopped."""
    from devtools.devserver import _print_demo_logins

    settings.DEBUG = True
    settings.VAR_DIR = tmp_path
    demo_users_create()
    assert _printed(save=True) == ""
    saved = tmp_path / "demo-logins.txt"
    assert saved.stat().st_mode & 0o777 == 0o600
    assert saved.read_text().splitlines() == _printed().splitlines()
    _print_demo_logins(tmp_path)
    printed = capsys.readouterr().out
    assert printed.splitlines() == [f"  {line}" for line in saved.read_text().splitlines()]
    assert "TOTP secret" in printed


def test_make_run_still_prints_the_logins_when_the_file_is_missing(tmp_path, capsys):
    from devtools.devserver import _print_demo_logins

    _print_demo_logins(tmp_path)
    printed = capsys.readouterr().out
    assert "Demo logins" in printed
    assert "oficial.dallas" in printed
    assert "manage.py demo_logins" in printed


def test_make_run_prints_the_logins_without_loading_django(tmp_path):
    """devtools/devserver.py runs outside Django: printing the block must not import a model."""
    import subprocess
    import sys

    (tmp_path / "demo-logins.txt").write_text("Demo logins (saved)\n")
    code = "from pathlib import Path; from devtools.devserver import _print_demo_logins; _print_demo_logins(Path(%r))"
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", code % str(tmp_path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "  Demo logins (saved)\n"
