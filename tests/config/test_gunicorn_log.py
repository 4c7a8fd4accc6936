"""The production web server's access log never shows a calendar feed's token (config/gunicorn.py)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from gunicorn.config import Config

from config.gunicorn import AccessLogger, logger_class

TOKEN = "q0Zc8m1m5rVv0b8rQ2J9xw3yN1o0XH5m4d6J7kL8pQw"


def test_the_access_log_masks_feed_tokens():
    assert logger_class is AccessLogger
    path = f"/calendar/feed/{TOKEN}.ics"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://example.invalid{path}",
    }
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    request = SimpleNamespace(headers=[("REFERER", f"https://example.invalid{path}")])
    atoms = AccessLogger(Config()).atoms(response, request, environ, dt.timedelta(seconds=0))
    assert TOKEN not in repr(atoms)
    assert atoms["r"] == "GET /calendar/feed/***.ics HTTP/1.1"
    assert atoms["U"] == "/calendar/feed/***.ics"
    assert atoms["s"] == "200"
