"""``Idempotency-Key`` on POST: a retried request gets the first response and creates nothing new.

The whole request runs in one transaction that starts by inserting the caller's key. A concurrent
retry with the same key waits on that insert (unique index) until the first request commits, then
replays its stored response. Every answer the API gave is stored and replayed, refusals (4xx)
included, as payment APIs do: a client that wants another try after fixing its request uses a new
key. Only a server error (an exception) rolls the transaction back, so its key vanishes and a retry
runs afresh. The same key with a different body, path or ``If-Match`` is refused with 422. Records
older than a day are purged by a periodic job.

A POST that only reads (a search, whose terms travel in the body to stay out of addresses) is named
in the view's ``read_only_post_actions``: it creates nothing, so the header is ignored and nothing is
stored (no copy of its answer, which may hold personal data, is kept for a day).
"""

from __future__ import annotations

import hashlib
import json

from django.db import connection, transaction
from django.http.request import RawPostDataException
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api.errors import IdempotencyKeyReused
from config.api.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = ("Location", "ETag", "Content-Language")


class _Replay(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def _request_hash(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    # The precondition is part of the request: a retry with a fresh ETag is not the same request, so
    # it gets 422 rather than the replay of a 412 answered to the stale one.
    digest.update(request.headers.get("If-Match", "").encode())
    try:
        digest.update(request.body)
    except RawPostDataException:
        # A multipart upload was already parsed (the CSRF check reads the form): hash its parts.
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, upload in sorted(request.FILES.items()):
            digest.update(name.encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    return digest.hexdigest()


class IdempotentPostMixin:
    read_only_post_actions: frozenset[str] = frozenset()

    def _is_idempotent_post(self, request) -> bool:
        if request.method != "POST" or not request.headers.get("Idempotency-Key"):
            return False
        action = (getattr(self, "action_map", None) or {}).get("post")
        return action not in self.read_only_post_actions

    def dispatch(self, request, *args, **kwargs):
        if self._is_idempotent_post(request):
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get("Idempotency-Key")
        if not self._is_idempotent_post(request):
            return
        from rest_framework.exceptions import ValidationError

        if len(key) > MAX_KEY_LENGTH:
            raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
        request_hash = _request_hash(request._request)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO api_idempotencyrecord
                    (user_id, key, method, path, request_hash, response_headers, created_at)
                VALUES (%s, %s, %s, %s, %s, '{}', now())
                ON CONFLICT (user_id, key) DO NOTHING
                RETURNING id
                """,
                [request.user.pk, key, request.method, request.path[:500], request_hash],
            )
            row = cursor.fetchone()
        if row is not None:
            self._idempotency_record = row[0]
            return
        record = IdempotencyRecord.objects.get(user=request.user, key=key)
        if record.request_hash != request_hash:
            raise IdempotencyKeyReused()
        raise _Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.record.response_body, status=exc.record.status_code)
            for name, value in exc.record.response_headers.items():
                response[name] = value
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record_id = getattr(self, "_idempotency_record", None)
        if record_id is not None:
            body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
            headers = {name: response[name] for name in REPLAYED_HEADERS if name in response}
            IdempotencyRecord.objects.filter(pk=record_id).update(
                status_code=response.status_code, response_body=body, response_headers=headers
            )
        return response
