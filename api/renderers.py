"""The API's JSON, written by orjson: the same text as DRF's ``JSONRenderer`` (compact, UTF-8, times in
ISO 8601 with ``Z`` for UTC, ``U+2028``/``U+2029`` escaped), several times faster on a page of 50 cases.
Anything orjson does not know (lazy translations, decimals) goes through DRF's own encoder; a body it
cannot write at all (an integer past 64 bits), and an ``indent`` asked for in ``Accept``, through DRF's
renderer."""

from __future__ import annotations

import orjson
from rest_framework import renderers

_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        encoder = self.encoder_class()
        try:
            body = orjson.dumps(data, default=encoder.default, option=_OPTIONS)
        except (TypeError, orjson.JSONEncodeError):
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: the two line separators JavaScript does not accept in strings, escaped.
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
