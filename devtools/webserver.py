"""The development web server for `make run`: Django's runserver that exits cleanly on SIGTERM/SIGINT.

A clean exit runs the exit handlers, which is how the embedded PostgreSQL learns that this process
no longer needs it. (A process started in the background has SIGINT ignored, so both are handled.)
"""

from __future__ import annotations

import os
import signal
import sys


def _exit(signum, frame):
    # Once only: a second signal (Ctrl-C reaches the whole process group, then `make run` forwards
    # SIGTERM) must not interrupt the exit handlers that release the embedded database.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(0)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manage.py", "runserver", sys.argv[1], "--noreload"])


if __name__ == "__main__":
    main()
