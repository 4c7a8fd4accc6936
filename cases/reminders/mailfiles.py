"""Development mail (``EMAIL_URL=file://``): each sending batch goes to a file under ``var/mail/`` that only
its owner may read, in a folder only its owner may open. Reminder bodies carry names and hearing details,
so another account on the machine must not read them (Django's own file backend leaves them 0644)."""

from __future__ import annotations

import os

from django.core.mail.backends.filebased import EmailBackend


class OwnerOnlyFileEmailBackend(EmailBackend):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if os.stat(self.file_path).st_uid == os.getuid():  # a folder of someone else's is theirs to guard
            os.chmod(self.file_path, 0o700)

    def open(self):
        if self.stream is None:
            descriptor = os.open(self._get_filename(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.stream = os.fdopen(descriptor, "ab")
            return True
        return False
