"""The raw page of the API benchmark (``bench_api --http``): a bare WSGI application that answers the case
list (``?status=open&limit=50``, network-wide) with one hand-written SQL statement serialised with orjson,
identifiers decrypted. No middleware, no session, no serializer: what the API's page costs at the least.
Served by gunicorn with the same number of workers as the project's application."""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from devtools.management.commands.bench_api import raw_case_list  # noqa: E402


def application(environ, start_response):
    body = raw_case_list(None)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
