"""The zero-config database stops with the last process that used it: a holder that died (killed, or
exited and not yet reaped by its parent) must not keep the embedded PostgreSQL running for ever."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil

from devtools.embedded_db import _alive


def test_a_running_process_holds_the_server():
    assert _alive(os.getpid())


def test_an_exited_unreaped_child_holds_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])  # noqa: S603 - fixed command line
    try:
        deadline = time.monotonic() + 30
        while psutil.Process(child.pid).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.05)
        assert psutil.pid_exists(child.pid)  # what the check used to ask: a zombie still "exists"
        assert not _alive(child.pid)
    finally:
        child.wait()
    assert not _alive(child.pid)
