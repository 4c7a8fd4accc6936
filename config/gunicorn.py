"""Gunicorn's settings for the production web server (the image's default command).

``gunicorn config.wsgi:application --config python:config.gunicorn``. Environment: ``PORT`` (8000),
``WEB_CONCURRENCY`` (worker processes; 2 per core plus 1, at most 9), ``WEB_TIMEOUT`` (seconds a request
may take, 60). The access log goes to standard output. Addresses hold no personal data (list searches
and autocomplete are posted, never put in a query string), so the request line may be logged; the one
secret an address carries, a calendar feed's token (``workspace.feeds``), is masked.
"""

from __future__ import annotations

import os
import re

from gunicorn.glogging import Logger

# /calendar/feed/<token>.ics: the token is the feed's only credential.
_FEED_TOKEN = re.compile(r"(/calendar/feed/)[^/?\s]+(\.ics)")


def mask_feed_tokens(text: str) -> str:
    return _FEED_TOKEN.sub(r"\1***\2", text)


class AccessLogger(Logger):
    """Gunicorn's logger, with calendar feed tokens masked in every field of the access log (the request
    line, the path, the referrer...)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: mask_feed_tokens(value) if isinstance(value, str) else value for key, value in atoms.items()
        }


bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * (os.cpu_count() or 1) + 1, 9))))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Heartbeat files in memory: a container's disk may be slow or read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice in containers
accesslog = "-"
logger_class = AccessLogger
errorlog = "-"
# The client's address is set by audit.client_address (TRUSTED_PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = ""
# No control socket (gunicornc): nothing uses it, and the image's working directory is read-only to
# the service's user.
control_socket_disable = True
