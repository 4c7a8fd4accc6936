"""`make run`: the web server and a Celery worker with beat, in the foreground, stopped together.

Prints the address and the demo logins once the web server answers. Ctrl-C (or SIGTERM) stops both
children cleanly; the embedded PostgreSQL stops with the last process that used it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _wait_for(url: str, timeout: float, processes: list[subprocess.Popen]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own local server
                if response.status < 500:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def _print_demo_logins(var_dir: Path) -> None:
    """The demo logins with each user's TOTP secret, as `demo_logins --save` wrote them before the
    servers started. Read from a file so that nothing here holds a handle on the embedded database
    while `make run` is being stopped."""
    from devtools.demo.logins import DEMO_LOGINS, DEMO_LOGINS_FILE, DEMO_PASSWORD

    try:
        lines = (var_dir / DEMO_LOGINS_FILE).read_text(encoding="utf-8").splitlines()
    except OSError as error:
        print(f"  Demo logins (password for all: {DEMO_PASSWORD}):", flush=True)
        for username, role in DEMO_LOGINS:
            print(f"    {username:<20} {role}", flush=True)
        print(
            f"  (TOTP secrets could not be read: {error.strerror}; run `manage.py demo_logins`.)", flush=True
        )
        return
    for line in lines:
        print(f"  {line}", flush=True)


def _own_session_dying_with_parent() -> None:
    """Run in each child before exec: its own session, so that a signal to the terminal's or CI's process
    group (Ctrl-C, ``kill -TERM -- -PGID``) reaches only this supervisor, which then stops each child
    once. (Signalled twice, directly and by the group, Celery's pool processes died under the worker and
    its warm shutdown hung.) On Linux, the child also gets SIGTERM if this supervisor dies (SIGKILL)."""
    os.setsid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the child outlives a killed supervisor
        pass


def main() -> int:
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    python = sys.executable
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
    web = subprocess.Popen(  # noqa: S603 - fixed command line
        [python, "-m", "devtools.webserver", f"{host}:{port}"],
        cwd=BASE_DIR,
        env=env,
        preexec_fn=_own_session_dying_with_parent,  # noqa: PLW1509 - single-threaded supervisor
    )
    worker = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--beat",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
        ],
        cwd=BASE_DIR,
        env=env,
        preexec_fn=_own_session_dying_with_parent,  # noqa: PLW1509 - single-threaded supervisor
    )
    children = [web, worker]
    stopping = False

    def stop(signum=None, frame=None):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        for child in children:  # both exit cleanly on SIGTERM (Celery with a warm shutdown)
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                print(f"  {child.args[2]} did not stop within 30 s; killed.", file=sys.stderr, flush=True)
                child.kill()
                child.wait()  # reaped, so that the embedded database sees it gone

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    url = f"http://{host}:{port}/admin/login/"
    status = 0
    try:
        if _wait_for(url, 120, children):
            print(f"\n  Staff UI ready: {url}", flush=True)
            _print_demo_logins(var_dir)
            if not os.environ.get("EMAIL_URL"):
                print(
                    f"  Outgoing email (reminders, digests) is written under {var_dir / 'mail'}/.", flush=True
                )
            if not os.environ.get("SMS_BACKEND"):
                print(f"  Text messages (SMS reminders) are written under {var_dir / 'sms'}/.", flush=True)
            print("  Stop with Ctrl-C.\n", flush=True)
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        elif not stopping:
            print("The web server did not start; see the messages above.", file=sys.stderr, flush=True)
            status = 1
    finally:
        stop()
        if not os.environ.get("DATABASE_URL"):
            from devtools.embedded_db import embedded_database_release

            embedded_database_release(var_dir)
    return status


if __name__ == "__main__":
    sys.exit(main())
