"""The API's JSON parser: DRF's, with a limit on nesting.

Python's JSON decoder recurses once per level: a body of 900 ``[`` exhausts the interpreter's recursion
limit and, left alone, answered a 500 page. No request of this API nests more than a few levels, so a
body deeper than ``API_JSON_MAX_DEPTH`` is refused with a 400 in the API's error shape, as is one too deep
for the decoder itself (``api.errors`` does the same for a view that pins DRF's own parser).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers


class JsonTooDeep(exceptions.ParseError):
    """JSON nested deeper than ``API_JSON_MAX_DEPTH`` (``api.parsers``), or so deep that Python's
    decoder gave up: a 400, never a 500."""

    def __init__(self):
        super().__init__(
            _("The JSON body is nested too deeply (at most %(depth)d levels).")
            % {"depth": settings.API_JSON_MAX_DEPTH}
        )


def nesting_depth(data, *, stop_after: int) -> int:
    """How deep lists and objects nest in ``data`` (``[]`` is 1, a number 0), counted without recursion;
    counting stops past ``stop_after``."""
    deepest, pending = 0, [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > stop_after:
            break
        pending.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise JsonTooDeep() from None
        limit = settings.API_JSON_MAX_DEPTH
        if nesting_depth(data, stop_after=limit) > limit:
            raise JsonTooDeep()
        return data
