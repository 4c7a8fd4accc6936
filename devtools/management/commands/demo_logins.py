import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from devtools.demo.logins import DEMO_LOGINS_FILE
from devtools.demo.totp import demo_login_lines
from signin.totp import confirmed_device, current_code


class Command(BaseCommand):
    help = "Print the demo logins with each demo staff user's TOTP secret, or (--code) a user's current code."

    def add_arguments(self, parser):
        parser.add_argument(
            "--code", metavar="USERNAME", help="print the code USERNAME's authenticator shows now"
        )
        parser.add_argument("--force", action="store_true", help="allow running with DEBUG off")
        parser.add_argument(
            "--save",
            action="store_true",
            help=f"also write the lines to VAR_DIR/{DEMO_LOGINS_FILE} (owner-only) for `make run` to print",
        )

    def handle(self, *args, code, force, save, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to print second-factor secrets or codes with DEBUG off. Use --force."
            )
        if code:
            user = get_user_model().objects.filter(username=code).first()
            device = confirmed_device(user) if user is not None else None
            if device is None:
                raise CommandError(f"{code} has no confirmed authenticator.")
            self.stdout.write(current_code(device))
            return
        lines = demo_login_lines()
        if save:
            path = Path(settings.VAR_DIR) / DEMO_LOGINS_FILE
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write("\n".join(lines) + "\n")
            return
        for line in lines:
            self.stdout.write(line)
