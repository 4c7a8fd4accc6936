"""``ETag`` on single resources; changes need ``If-Match`` (428 without it, 412 when stale).

A resource's ETag is derived from its ``version`` (cases) or its ``updated_at`` (others). Views read
the expected version from the header and pass it to the service, which compares it under the row
lock, so of many concurrent writers holding the same ETag exactly one wins.
"""

from __future__ import annotations

import hashlib

from rest_framework.renderers import JSONRenderer

from api.errors import PreconditionFailed, PreconditionRequired


def etag_for(obj) -> str | None:
    """The validator of a writable resource; ``None`` for read-only ones (hashed from the body)."""
    version = getattr(obj, "version", None)
    if version is None and getattr(obj, "updated_at", None) is not None:
        version = obj.updated_at.isoformat()
    if version is None:
        return None
    return f'"{obj._meta.model_name}-{obj.pk}-{version}"'


def if_match(request) -> str:
    """The ETag the client claims to have read; 428 when the header is missing."""
    value = request.headers.get("If-Match", "").strip()
    if not value:
        raise PreconditionRequired()
    return value.removeprefix("W/")


def _current_version(obj) -> str:
    version = getattr(obj, "version", None)
    return str(version) if version is not None else obj.updated_at.isoformat()


def claimed_version(request, obj) -> str:
    """The version part of the ETag the client sent (428 without one; 412 when it names another
    resource). The service compares it with the row under lock, so concurrent writers cannot both win."""
    claimed = if_match(request)
    if claimed == "*":
        return _current_version(obj)
    prefix = f'"{obj._meta.model_name}-{obj.pk}-'
    if not (claimed.startswith(prefix) and claimed.endswith('"')):
        raise PreconditionFailed()
    return claimed[len(prefix) : -1]


def expected_version(request, obj) -> int:
    """For resources with an integer ``version`` (cases)."""
    try:
        return int(claimed_version(request, obj))
    except ValueError:
        raise PreconditionFailed() from None


class ETagMixin:
    """Adds ``ETag`` to single-resource responses (retrieve, update, actions returning the resource)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        obj = getattr(self, "etag_object", None)
        if (
            obj is not None
            and 200 <= response.status_code < 300
            and getattr(response, "data", None) is not None
        ):
            tag = etag_for(obj)
            if tag is None:
                body = JSONRenderer().render(response.data)
                tag = f'"{obj._meta.model_name}-{obj.pk}-{hashlib.sha256(body).hexdigest()[:16]}"'
            response["ETag"] = tag
        return response
