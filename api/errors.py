"""One error shape for every API error: ``{"type", "code", "title", "status", "detail", "errors"}``.

``code`` is the refusal's stable, machine-readable code (``type`` carries the same value, as it always
has). A refusal decided by the record's state (an action its status does not allow) answers 409, from
one table, ``CONFLICTS``: the codes the services give their ``ValidationError``.

``errors`` maps a field (dotted for nested data; ``non_field_errors`` for the whole request) to its
messages, in the caller's language (``Accept-Language``). Services raise Django's ``ValidationError``
and ``PermissionDenied``; they are translated here so views stay thin.
"""

from __future__ import annotations

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.parsers import JsonTooDeep


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "precondition_required"

    def __init__(self):
        super().__init__(_("Send the resource's ETag in an If-Match header to change it."))


class PreconditionFailed(exceptions.APIException):
    """412: the ``If-Match`` sent is not one of this resource's ETags at all (another record's, or garbage)."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"

    def __init__(self):
        super().__init__(_("This ETag is not one of this resource's. Read it again and retry with its ETag."))


class StaleVersion(PreconditionFailed):
    """412: the ``If-Match`` was this resource's ETag, but the resource has changed since (another writer
    got there first). HTTP's answer to a failed ``If-Match`` (RFC 9110), with its own code so a client can
    tell "read again and merge" from "you sent the wrong tag"."""

    default_code = "stale_version"

    def __init__(self):
        exceptions.APIException.__init__(
            self, _("The resource changed since you read it. Read it again and retry with its new ETag.")
        )


class Conflict(exceptions.APIException):
    """The record's state refuses the action (the caller may take it, the record is not ready for it)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, code: str):
        super().__init__(detail, code)
        self.default_code = code


# A service's ``ValidationError`` code -> the API's stable code, answered with 409 Conflict. A code not
# listed here stays a 400 (invalid input). ``stale`` is not a conflict: it answers 412 (``If-Match``).
CONFLICTS = {
    "transition": "invalid_transition",  # a case's lifecycle: nothing to approve, to reopen, to close
    "closed": "case_closed",
    "pending_closure": "case_pending_closure",
    "decided": "transfer_decided",
    "referral_not_pending": "referral_not_pending",
    "referral_not_accepted": "referral_not_accepted",
    "referral_not_active": "referral_not_active",
    "consent_withdrawn": "consent_withdrawn",
    "hearing_not_scheduled": "hearing_not_scheduled",
    "hearing_cancelled": "hearing_cancelled",
    "task_done": "task_done",
    "anonymised": "person_anonymised",
    "exists": "already_exists",
    "confirmed": "already_confirmed",
    "resolved": "already_resolved",
    "taken": "identifier_taken",
    "open_cases": "open_cases",
    "merged": "person_merged",  # the record was merged into another (issue 19)
    "not_in_custody": "not_in_custody",  # a release or a custody check for a person not shown in custody
    # Facility visits and formal requests (decision 0029)
    "visit_cancelled": "visit_cancelled",
    "not_draft": "request_not_draft",
    "not_sent": "request_not_sent",
    "request_closed": "request_closed",
    # A child's case closed as repatriated before the DIF confirmed receiving the child (decision 0029).
    "child_reception_unconfirmed": "child_reception_unconfirmed",
    "not_a_child": "not_a_child",  # a child's record on the case of a person who was 18 or older
    "no_agency_case": "no_agency_case",  # an agency's request before the agency's case is recorded
}


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"

    def __init__(self):
        super().__init__(_("This Idempotency-Key was already used for a different request."))


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"

    def __init__(self):
        from django.conf import settings
        from django.template.defaultfilters import filesizeformat

        limit = filesizeformat(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        super().__init__(_("The request body is too large; the limit is %(limit)s.") % {"limit": limit})


class TooManyParts(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "too_many_fields"

    def __init__(self):
        super().__init__(_("The request has too many fields or files."))


# The problem's short title, in the language of the answer (as ``detail``).
TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not authenticated"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    406: gettext_lazy("Not acceptable"),
    409: gettext_lazy("Conflict"),
    412: gettext_lazy("Precondition failed"),
    413: gettext_lazy("Payload too large"),
    415: gettext_lazy("Unsupported media type"),
    422: gettext_lazy("Unprocessable content"),
    428: gettext_lazy("Precondition required"),
    429: gettext_lazy("Too many requests"),
}


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail -> ``{"field.sub": [messages]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = (
                NON_FIELD_ERRORS_KEY if key in (NON_FIELD_ERRORS, "non_field_errors") and not prefix else key
            )
            for field, messages in _flatten(
                value, f"{prefix}{name}" if not prefix else f"{prefix}.{name}"
            ).items():
                out.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or NON_FIELD_ERRORS_KEY] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                for field, messages in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                    out.setdefault(field, []).extend(messages)
    else:
        out[prefix or NON_FIELD_ERRORS_KEY] = [str(detail)]
    return out


NON_FIELD_ERRORS_KEY = "non_field_errors"


def problem_body(status_code: int, *, code: str, detail: str, errors: dict | None = None) -> dict:
    return {
        "type": code,
        "code": code,
        "title": str(TITLES.get(status_code, _("Error"))),
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
    }


def problem(
    status_code: int, *, code: str, detail: str, errors: dict | None = None, headers=None
) -> Response:
    return Response(
        problem_body(status_code, code=code, detail=detail, errors=errors),
        status=status_code,
        headers=headers,
    )


def not_found_response() -> JsonResponse:
    """The API's 404 outside its views: an address under ``/api/`` that names nothing."""
    body = problem_body(404, code="not_found", detail=str(exceptions.NotFound.default_detail))
    return JsonResponse(body, status=404)


# A RecursionError raised inside one of these is the body's nesting, not a fault of ours.
PARSER_MODULES = frozenset({"rest_framework.parsers", "api.parsers"})


def _raised_while_parsing(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__name__") in PARSER_MODULES:
            return True
        tb = tb.tb_next
    return False


def _from_django_validation(exc: DjangoValidationError) -> exceptions.APIException:
    code = getattr(exc, "code", None)
    if code == "stale":
        return StaleVersion()
    if code in CONFLICTS and not hasattr(exc, "error_dict"):
        return Conflict(" ".join(exc.messages), CONFLICTS[code])
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = _from_django_validation(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = TooManyParts()
    elif isinstance(exc, RecursionError) and _raised_while_parsing(exc):
        exc = JsonTooDeep()  # a view whose parser is DRF's own, not ``api.parsers``
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real server error: Django's handler logs it and answers 500
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        detail = _("The request has invalid fields; see errors.")
        if set(errors) == {NON_FIELD_ERRORS_KEY}:
            detail = " ".join(errors[NON_FIELD_ERRORS_KEY])
        code = "validation_error"
    else:
        detail = (
            exc.detail
            if isinstance(exc.detail, str)
            else " ".join(_flatten(exc.detail).get(NON_FIELD_ERRORS_KEY, []))
        )
        if isinstance(exc.detail, exceptions.ErrorDetail):
            code = exc.detail.code or code
        # A conflict's message is also where a form shows a service's refusal: the whole request's.
        errors = {NON_FIELD_ERRORS_KEY: [str(detail)]} if isinstance(exc, Conflict) else {}
    result = problem(response.status_code, code=str(code), detail=str(detail), errors=errors)
    for header in ("Retry-After", "WWW-Authenticate", "Allow"):
        if header in response:
            result[header] = response[header]
    return result
