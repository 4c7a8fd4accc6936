"""The web container's health check: ``/healthz`` answers 200 (the database answers too).

Asked the way the reverse proxy asks: with the first allowed host name and ``X-Forwarded-Proto: https``
(otherwise production settings would answer 400 for the host or 301 to HTTPS)."""

import os
import sys
import urllib.request

# The first allowed name; ".example.org" (a domain and its subdomains) is asked as "example.org".
host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
host = "localhost" if host in ("", "*") else host
request = urllib.request.Request(  # noqa: S310 - a fixed local address
    f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/healthz",
    headers={"Host": host, "X-Forwarded-Proto": "https"},
)
try:
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)
