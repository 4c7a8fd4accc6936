"""Real brokers and real workers for the reminder delivery tests.

- The broker is real Redis when ``REDIS_URL`` is set (CI) and kombu's filesystem transport in a private
  folder otherwise, as in production and in the zero-config mode.
- ``embedded_worker`` runs a Celery worker in a thread of the test process (so ``time_machine`` moves
  its clock too) on an app configured exactly like ``config.celery.app`` but on a private queue.
- ``WorkerProcess`` runs ``celery -A config worker`` as a separate process against the test database,
  for tests that kill workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from celery import Celery, _state, signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection

import cases.tasks  # noqa: F401 - registers the shared tasks with every app
from config.celery import CONFIG

BASE_DIR = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_url_with_db(db: int) -> str | None:
    """The server of ``REDIS_URL`` with another database number (None without ``REDIS_URL``)."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


def filesystem_transport_options(folder: Path) -> dict:
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def worker_database_url() -> str:
    """A URL for the test database pytest-django created (for worker processes)."""
    s = connection.settings_dict
    host = s.get("HOST") or "localhost"
    auth = quote(s.get("USER") or "postgres", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    if host.startswith("/"):  # a socket directory
        return f"postgres://{auth}@{quote(host, safe='')}{port}/{s['NAME']}"
    return f"postgres://{auth}@{host}{port}/{s['NAME']}"


def make_app(*, broker_url: str, transport_options: dict | None = None, queue: str | None = None) -> Celery:
    """An app that behaves like ``config.celery.app`` (same ``CONFIG``) on the given broker and queue."""
    app = Celery(f"reminders-test-{uuid.uuid4().hex[:8]}", set_as_current=False)
    app.conf.update(CONFIG)
    app.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options or {},
        task_default_queue=queue or f"reminders-test-{uuid.uuid4().hex[:8]}",
        worker_hijack_root_logger=False,
        beat_schedule={},
    )
    return app


@contextlib.contextmanager
def embedded_worker(app: Celery):
    """A solo-pool worker in a thread of this process. Yields a ``TaskLog`` of the tasks it ran.

    The process's current/default Celery app is restored afterwards (``start_worker`` replaces them).
    """
    previous_current = getattr(_state._tls, "current_app", None)
    previous_default = _state.default_app
    log = TaskLog()
    signals.task_postrun.connect(log.on_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as _worker:
            yield log
    finally:
        signals.task_postrun.disconnect(log.on_postrun)
        _state._set_current_app(previous_current)
        _state.set_default_app(previous_default)
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            conn.default_channel.queue_delete(app.conf.task_default_queue)
        app.close()


class TaskLog:
    """What the embedded worker ran, in order: (task id, task name, return value)."""

    def __init__(self):
        self.ran: list[tuple[str, str, object]] = []
        self._cond = threading.Condition()

    def on_postrun(self, sender=None, task_id=None, retval=None, **kwargs):
        from django.db import connection as thread_connection

        thread_connection.close()  # the worker thread's own connection: it must not outlive the test
        with self._cond:
            self.ran.append((task_id, getattr(sender, "name", ""), retval))
            self._cond.notify_all()

    def count(self, name: str) -> int:
        with self._cond:
            return sum(1 for _, n, _ in self.ran if n == name)

    def _wait(self, done, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the worker did not run {what} within {timeout} s")
                self._cond.wait(min(remaining, 0.5))

    def result(self, task_id: str, timeout: float = 30.0):
        """Wait for the task to run; return its result."""
        self._wait(lambda: any(t == task_id for t, _, _ in self.ran), timeout, f"task {task_id}")
        return next(r for t, _, r in self.ran if t == task_id)

    def wait_for_count(self, name: str, count: int, timeout: float = 30.0) -> None:
        self._wait(lambda: sum(1 for _, n, _ in self.ran if n == name) >= count, timeout, f"{count} {name}")

    def _handled(self, name: str) -> int:
        return sum(sum(r.values()) for _, n, r in self.ran if n == name and isinstance(r, dict))

    def handled(self, name: str) -> int:
        """How many reminders the batch tasks called ``name`` have handled (their results are counts of
        outcomes)."""
        with self._cond:
            return self._handled(name)

    def wait_for_handled(self, name: str, count: int, timeout: float = 30.0) -> None:
        self._wait(lambda: self._handled(name) >= count, timeout, f"{name} for {count} reminders")


class WorkerProcess:
    """``celery -A config worker`` in its own process group, on the given environment."""

    def __init__(
        self,
        name: str,
        env: dict,
        *,
        log: Path,
        concurrency: int = 2,
        pool: str = "prefork",
        loglevel: str = "INFO",  # INFO says when it is ready and which tasks it ran
    ):
        self.name = name
        self.log_path = log
        self._log = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                str(concurrency),
                "--hostname",
                f"{name}@%h",
                "--loglevel",
                loglevel,
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children): a machine dying."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 30) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)  # warm shutdown: the main process stops its pool
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        # Pool children left behind by a killed parent exit when they notice; make sure of it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def subprocess_env(**extra: str) -> dict:
    """The test process's environment for a child process of the project, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "REDIS_URL")}
    env["PYTHONPATH"] = str(BASE_DIR) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(extra)
    return env
