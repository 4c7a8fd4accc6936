"""The API's parsers: DRF's, with a limit on nesting and refusals in the caller's language.

Python's JSON decoder recurses once per level: a body of 900 ``[`` exhausts the interpreter's recursion
limit and, left alone, answered a 500 page. No request of this API nests more than a few levels, so a
body deeper than ``API_JSON_MAX_DEPTH`` is refused with a 400 in the API's error shape, as is one too deep
for the decoder itself (``api.errors`` does the same for a view that pins DRF's own parser).

DRF words a malformed body as ``"JSON parse error - <the decoder's exception>"`` (and ``"Multipart form
parse error - …"``), untranslatable and in the decoder's English. Here the refusal says what is wrong in
the caller's language, with the line and column of a JSON error, and no library's internals.
"""

from __future__ import annotations

import codecs
import json

from django.conf import settings
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant


class JsonTooDeep(exceptions.ParseError):
    """JSON nested deeper than ``API_JSON_MAX_DEPTH`` (``api.parsers``), or so deep that Python's
    decoder gave up: a 400, never a 500."""

    def __init__(self):
        super().__init__(
            _("The JSON body is nested too deeply (at most %(depth)d levels).")
            % {"depth": settings.API_JSON_MAX_DEPTH}
        )


# The decoder's own words (``json.JSONDecodeError.msg``, without its position) -> what they mean.
JSON_ERRORS = {
    "Expecting value": gettext_lazy("a value was expected"),
    "Expecting property name enclosed in double quotes": gettext_lazy(
        "a property name in double quotes was expected"
    ),
    "Expecting ':' delimiter": gettext_lazy("a colon (:) was expected after a property name"),
    "Expecting ',' delimiter": gettext_lazy("a comma (,) was expected between two items"),
    "Unterminated string starting at": gettext_lazy("a string is not closed"),
    "Invalid control character at": gettext_lazy("a string holds a control character (escape it)"),
    "Invalid \\escape": gettext_lazy("a string holds an invalid escape sequence"),
    "Invalid \\uXXXX escape": gettext_lazy("a string holds an invalid \\u escape"),
    "Extra data": gettext_lazy("there is more text after the end of the JSON value"),
    "Illegal trailing comma before end of object": gettext_lazy("a comma ends an object"),
    "Illegal trailing comma before end of array": gettext_lazy("a comma ends a list"),
}


def invalid_json(exc: json.JSONDecodeError) -> exceptions.ParseError:
    where = {"line": exc.lineno, "column": exc.colno}
    reason = JSON_ERRORS.get(exc.msg)
    if reason is None:
        return exceptions.ParseError(
            _("The request body is not valid JSON (line %(line)d, column %(column)d).") % where
        )
    return exceptions.ParseError(
        _("The request body is not valid JSON: %(reason)s (line %(line)d, column %(column)d).")
        % {"reason": reason, **where}
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
        # DRF's decoding, with each way a body can be malformed refused in the caller's language.
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream)
            data = json.load(text, parse_constant=strict_constant if self.strict else None)
        except RecursionError:
            raise JsonTooDeep() from None
        except json.JSONDecodeError as exc:
            raise invalid_json(exc) from None
        except UnicodeDecodeError:
            raise exceptions.ParseError(
                _("The request body is not valid %(encoding)s text.") % {"encoding": encoding.upper()}
            ) from None
        except LookupError:
            raise exceptions.ParseError(
                _("The request body's character set is not supported; send UTF-8.")
            ) from None
        except ValueError:  # strict_constant: NaN, Infinity
            raise exceptions.ParseError(
                _("The request body is not valid JSON: NaN and Infinity are not JSON numbers.")
            ) from None
        limit = settings.API_JSON_MAX_DEPTH
        if nesting_depth(data, stop_after=limit) > limit:
            raise JsonTooDeep()
        return data


class MultiPartParser(parsers.MultiPartParser):
    """DRF's, with a malformed form refused in the caller's language (Django's reason is English and
    names its internals, such as the boundary)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError as exc:
            if not isinstance(exc.__context__, MultiPartParserError):
                raise
            raise exceptions.ParseError(
                _("The request body is not a valid multipart/form-data form.")
            ) from None
