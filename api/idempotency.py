"""``Idempotency-Key`` on POST: a retried request gets the first answer and creates nothing new.

The whole request runs in one transaction that starts by inserting the caller's key. A concurrent
retry with the same key waits on that insert (unique index) until the first request commits, then
replays the first answer. Every answer the API gave is replayed, refusals (4xx) included, as payment
APIs do: a client that wants another try after fixing its request uses a new key. Only a server error
(an exception) rolls the transaction back, so its key vanishes and a retry runs afresh. The same key
with a different body, path or ``If-Match`` is refused with 422. Records older than a day are purged by
a periodic job; erasing or anonymising a person deletes the records about them and their cases
(``IdempotencyRecord.objects.about``).

A record holds no personal data, and a replay shows only what the caller may see now:

* a success keeps its status, its ``Location`` and which resource it rendered (model, id and output
  serializer, taken from the serializer that produced the answer). A replay fetches that resource again
  through the view's queryset (or the model's ``visible_to``) and renders it with the same serializer:
  the caller gets what a fresh read would show today (a referral whose consent was withdrawn shows no
  case), with the resource's current ``ETag`` where the first answer had one, and 404 in the API's error
  shape once the resource is out of the caller's sight. A success that rendered no resource (no body)
  replays its status alone;
* a refusal keeps its problem document, each message only if it repeats none of the request's values
  and holds nothing shaped like an identifier, a phone number or an e-mail address (a withheld message
  is replayed as a generic one), and the language it was written in;
* both keep the ids of the case and person the request was about, for erasure.

The request is matched by a hash of its method, path, ``If-Match`` and body: a JSON body canonically
(keys sorted), a multipart upload by its parsed parts (each field, and each file's name, size and
SHA-256, sorted), never its raw bytes: a client retrying an upload picks a new multipart boundary, and an
upload is not read into memory (``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not apply to it; the document limit,
``DOCUMENT_MAX_BYTES``, applies with or without a key).

A POST that only reads (a search, whose terms travel in the body to stay out of addresses) is named
in the view's ``read_only_post_actions``: it creates nothing, so the header is ignored and nothing is
stored.
"""

from __future__ import annotations

import hashlib
import json
import re

from django.apps import apps
from django.db import connection, models, transaction
from django.http.request import RawPostDataException
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from api.errors import NON_FIELD_ERRORS_KEY, IdempotencyKeyReused, problem
from api.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
PROBLEM_KEYS = frozenset({"type", "code", "title", "status", "detail", "errors"})
# A message is kept only if it repeats no request value this long or longer (shorter ones cannot name
# anyone, and would match common words).
MIN_ECHO_LENGTH = 3
# What a kept message may not look like: seven digits or more (phone numbers, A-numbers, dates), a CURP,
# an e-mail address.
_PERSONAL_SHAPES = re.compile(
    r"(?:\d[\s().\-/]*){7,}|[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z\d]\d|[^\s@\"']+@[^\s@\"']+", re.IGNORECASE
)
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_FIELD_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]{0,63}|\d{1,6}")


class _Replay(Exception):  # noqa: N818 - control flow, not an error
    def __init__(self, record: IdempotencyRecord):
        self.record = record


# --- Matching a retry to the first request ---------------------------------------------------------


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():  # from the start, whatever was read before
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _multipart_parts(request) -> bytes:
    """The parsed form (DRF's parsers, or the CSRF check's parse for a session): fields and files."""
    parts = [["field", name, values] for name, values in request.POST.lists()]
    for name, uploads in request.FILES.lists():
        parts += [["file", name, upload.name, upload.size, _file_digest(upload)] for upload in uploads]
    return json.dumps(sorted(parts, key=json.dumps)).encode()


def _canonical_json(body: bytes) -> bytes:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return body  # not JSON after all: the parser refuses it, and that refusal is what is replayed
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _is_json(django_request) -> bool:
    content_type = django_request.content_type or ""
    return content_type == "application/json" or content_type.endswith("+json")


def _request_hash(request) -> str:
    django_request = request._request
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    # The precondition is part of the request: a retry with a fresh ETag is not the same request, so
    # it gets 422 rather than the replay of a 412 answered to the stale one.
    digest.update(b"\0" + request.headers.get("If-Match", "").encode() + b"\0")
    if django_request.content_type == "multipart/form-data":
        digest.update(b"multipart\0" + _multipart_parts(request))
        return digest.hexdigest()
    try:
        body = django_request.body
    except RawPostDataException:  # a form already parsed by the CSRF check
        digest.update(b"form\0" + _multipart_parts(request))
        return digest.hexdigest()
    digest.update(_canonical_json(body) if _is_json(django_request) else body)
    return digest.hexdigest()


# --- What a record keeps ---------------------------------------------------------------------------


def _serializer_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _serializer_named(name: str):
    """The serializer class of that name among those loaded (never an import of stored text)."""
    seen, stack = set(), [serializers.BaseSerializer]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        if _serializer_name(cls) == name:
            return cls
        stack.extend(cls.__subclasses__())
    return None


def _rendered_resource(response):
    """(serializer, instance) behind a success's body, when it is one model instance's rendering."""
    serializer = getattr(response.data, "serializer", None)
    instance = getattr(serializer, "instance", None)
    if (
        isinstance(serializer, serializers.BaseSerializer)
        and isinstance(instance, models.Model)
        and isinstance(instance.pk, int)
    ):
        return serializer, instance
    return None, None


def _about(*objects) -> tuple[int | None, int | None]:
    """The case and person ids the request was about (its result first, then the record it acted on)."""
    case_id = person_id = None
    for obj in objects:
        if obj is None:
            continue
        name = obj._meta.model_name
        case_id = case_id or (obj.pk if name == "case" else getattr(obj, "case_id", None))
        person_id = person_id or (obj.pk if name == "person" else getattr(obj, "person_id", None))
    return case_id, person_id


def _request_values(request) -> set[str] | None:
    """Every value the caller sent (file names included); ``None`` if the body cannot be read. A JSON body
    is read here, not through the parser: after a parse error the parser's data is empty, not the body."""
    try:
        data = json.loads(request._request.body) if _is_json(request._request) else request.data
    except Exception:  # an unreadable, refused or too large body: nothing can be checked against it
        return None
    values: set[str] = set()

    def walk(item) -> None:
        if isinstance(item, dict):  # its keys are the fields' names, answered back by design
            for value in item.values():
                walk(value)
        elif isinstance(item, list | tuple):
            for value in item:
                walk(value)
        elif hasattr(item, "chunks"):  # an uploaded file
            walk(getattr(item, "name", None))
        elif item is not None:
            text = str(item).strip()
            if len(text) >= MIN_ECHO_LENGTH:
                values.add(text)

    walk(dict(data.lists()) if hasattr(data, "lists") else data)
    return values


def _keepable(text, values: set[str] | None) -> str | None:
    text = str(text)
    if values is None or _PERSONAL_SHAPES.search(text) or any(value in text for value in values):
        return None
    return text


def _keepable_field(name, values: set[str] | None) -> str:
    parts = str(name).split(".")
    safe = (
        values is not None
        and all(_FIELD_PART.fullmatch(part) for part in parts)
        and not any(part in values for part in parts)
        and not _PERSONAL_SHAPES.search(str(name))
    )
    return str(name) if safe else NON_FIELD_ERRORS_KEY


def _keepable_problem(data, values: set[str] | None) -> dict | None:
    """The refusal's problem document without what may repeat the request or name a person."""
    if not isinstance(data, dict) or set(data) != PROBLEM_KEYS:
        return None
    code = str(data["type"])
    errors: dict[str, list[str | None]] = {}
    for name, messages in (data["errors"] or {}).items():
        kept = [
            _keepable(message, values) for message in (messages if isinstance(messages, list) else [messages])
        ]
        errors.setdefault(_keepable_field(name, values), []).extend(kept)
    return {
        "type": code if _CODE.fullmatch(code) else "error",
        "detail": _keepable(data["detail"], values),
        "errors": errors,
    }


def _replayed_problem(record: IdempotencyRecord) -> Response:
    language = record.response_headers.get("Content-Language") or translation.get_language()
    kept = record.problem or {}
    with translation.override(language):
        withheld = _("This value was refused.")
        errors = {
            field: [text or withheld for text in texts] for field, texts in kept.get("errors", {}).items()
        }
        detail = kept.get("detail") or _(
            "This request was refused when it was first sent with this Idempotency-Key. Correct it and "
            "send it with a new key."
        )
        response = problem(record.status_code, code=kept.get("type") or "error", detail=detail, errors=errors)
    response["Content-Language"] = language
    return response


# --- The view mixin --------------------------------------------------------------------------------


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

    def get_object(self):
        obj = super().get_object()
        self._idempotency_subject = obj  # the record the request acts on: its case is what it is about
        return obj

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get("Idempotency-Key")
        if not self._is_idempotent_post(request):
            return
        if len(key) > MAX_KEY_LENGTH:
            message = _("An Idempotency-Key has at most %(limit)d characters.") % {"limit": MAX_KEY_LENGTH}
            raise exceptions.ValidationError({"Idempotency-Key": [message]})
        request_hash = _request_hash(request)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO api_idempotencyrecord
                    (user_id, key, method, path, request_hash, response_headers, resource_type,
                     serializer, etag, created_at)
                VALUES (%s, %s, %s, %s, %s, '{}', '', '', false, now())
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
            response = self._replay(exc.record)
            response["Idempotent-Replayed"] = "true"
            return response
        return super().handle_exception(exc)

    def _replay(self, record: IdempotencyRecord) -> Response:
        if record.status_code is None or record.status_code >= 400:
            return _replayed_problem(record)
        response = Response(status=record.status_code)
        if record.resource_type:
            obj, serializer_class = self._current_resource(record)
            if serializer_class is not None and obj is None:
                return super().handle_exception(exceptions.NotFound())
            if obj is not None:
                if record.etag:
                    self.etag_object = obj  # its ETag now, as the body is the resource now
                context = self.get_serializer_context()
                response = Response(serializer_class(obj, context=context).data, status=record.status_code)
        if "Location" in record.response_headers:
            response["Location"] = record.response_headers["Location"]
        return response

    def _current_resource(self, record: IdempotencyRecord):
        """(the resource as the caller may see it now or ``None``, its serializer); (None, None) when it
        cannot be rendered any more (a model or serializer gone since)."""
        try:
            model = apps.get_model(record.resource_type)
        except (LookupError, ValueError):
            return None, None
        serializer_class = _serializer_named(record.serializer)
        if serializer_class is None:
            return None, None
        queryset = self.get_queryset() if hasattr(self, "get_queryset") else None
        if queryset is None or queryset.model is not model:
            visible_to = getattr(model._default_manager, "visible_to", None)
            queryset = visible_to(self.request.user) if visible_to else model._default_manager.none()
        return queryset.filter(pk=record.resource_id).first(), serializer_class

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record_id = getattr(self, "_idempotency_record", None)
        if record_id is not None:
            IdempotencyRecord.objects.filter(pk=record_id).update(**self._kept_answer(request, response))
        return response

    def _kept_answer(self, request, response) -> dict:
        status = response.status_code
        headers = {"Location": response["Location"]} if "Location" in response else {}
        kept = {"status_code": status, "response_headers": headers, "problem": None}
        serializer, instance = _rendered_resource(response) if 200 <= status < 300 else (None, None)
        if instance is not None:
            kept.update(
                resource_type=instance._meta.label_lower,
                resource_id=instance.pk,
                serializer=_serializer_name(type(serializer)),
                etag="ETag" in response,
            )
        elif status >= 400:
            kept["problem"] = _keepable_problem(response.data, _request_values(request))
            headers["Content-Language"] = translation.get_language()
        kept["case_id"], kept["person_id"] = _about(instance, getattr(self, "_idempotency_subject", None))
        return kept
