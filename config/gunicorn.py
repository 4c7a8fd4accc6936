"""Gunicorn's settings for the production web server (the image's default command).

``gunicorn config.wsgi:application --config python:config.gunicorn``. Environment: ``PORT`` (8000),
``WEB_CONCURRENCY`` (worker processes; 2 per core plus 1, at most 9), ``WEB_TIMEOUT`` (seconds a request
may take, 60). The access log goes to standard output. Addresses hold no personal data (list searches
and autocomplete are posted, never put in a query string), so the request line may be logged.
"""

from __future__ import annotations

import os

bind = f"0.0.0.0:{int(os.environ.get('PORT', '8000'))}"
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(2 * (os.cpu_count() or 1) + 1, 9))))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Heartbeat files in memory: a container's disk may be slow or read-only.
worker_tmp_dir = "/dev/shm"  # noqa: S108 - gunicorn's documented choice in containers
accesslog = "-"
errorlog = "-"
# The client's address is set by audit.client_address (TRUSTED_PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = ""
# No control socket (gunicornc): nothing uses it, and the image's working directory is read-only to
# the service's user.
control_socket_disable = True
