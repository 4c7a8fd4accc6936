"""The raw page of the API benchmark (``bench_api --http``): a bare WSGI application that answers the case
list (``?status=open&limit=50``, network-wide, as the demo manager reads it) with its hand-written page
(``devtools/bench_raw_pages.py``: one SQL statement serialised with orjson, exactly the API's JSON). No
middleware, no session, no serializer: what the API's page costs at the least. Served by gunicorn with
the same number of workers as the project's application."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402

from devtools.bench_raw_pages import caller_language, caller_zone, raw_case_list  # noqa: E402

# The manager's zone and language, computed once (as the benchmark does for its in-process pages).
ZONE = caller_zone(get_user_model().objects.get(username="gerente"))
LANGUAGE = caller_language()


def application(environ, start_response):
    base = f"{environ['wsgi.url_scheme']}://{environ.get('HTTP_HOST', 'localhost')}{environ['PATH_INFO']}"
    body = raw_case_list(None, ZONE, LANGUAGE, base)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
