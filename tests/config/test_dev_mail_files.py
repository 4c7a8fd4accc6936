"""Development mail (EMAIL_URL=file://, the default of `make run`): reminder bodies carry names and hearing
details, so the files under var/mail/ are readable by their owner only, like the SMS files."""

from __future__ import annotations

import os
import subprocess
import sys

from django.core import mail
from django.test import override_settings


def test_mail_files_and_their_folder_are_owner_only(tmp_path):
    folder = tmp_path / "mail"
    old = os.umask(0o022)
    try:
        with override_settings(
            EMAIL_BACKEND="cases.reminders.mailfiles.OwnerOnlyFileEmailBackend", EMAIL_FILE_PATH=str(folder)
        ):
            assert (
                mail.send_mail("Recordatorio", "Audiencia el martes", "c@example.org", ["p@example.org"]) == 1
            )
    finally:
        os.umask(old)
    (written,) = folder.iterdir()
    assert "Audiencia el martes" in written.read_text()
    assert written.stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700


def test_the_default_development_mail_backend_is_the_owner_only_one():
    # The test runner swaps in its own backend, so the settings are read in a fresh interpreter.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("EMAIL_URL", None)
    code = "from django.conf import settings; print(settings.EMAIL_BACKEND)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "cases.reminders.mailfiles.OwnerOnlyFileEmailBackend"
