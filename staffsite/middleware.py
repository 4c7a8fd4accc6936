"""Request-wide language for the staff UI, no caching, and the body size limit of both doors.

(The timezone of the user's consulate is ``consulates.middleware``; the API's 404 ``api.middleware``.)
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from api.auth import ApiTokenAuthentication
from api.errors import problem_body


class StaffLanguageMiddleware:
    """Spanish unless the user chose otherwise.

    The staff UI ignores the browser's ``Accept-Language`` (Spanish is the staff default); the choice
    made with the language selector is kept in the language cookie. API paths honour
    ``Accept-Language`` so a partner's integration gets messages in its own language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supported = {code for code, _ in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        translation.deactivate()
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that passes through Django.

    Nearly every page and API response of this service carries personal data, so nothing Django answers
    may be kept by a browser, a proxy or a shared computer's cache. Static assets never get here
    (WhiteNoise, above this middleware, answers them with their own long-lived caching). A view that
    set its own ``Cache-Control`` keeps it; the admin's ``never_cache`` already includes ``no-store``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body larger than its door accepts, before anything reads it.

    A body may hold at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (1 MiB: forms and JSON), except on the views
    that take documents (``DOCUMENT_UPLOAD_VIEWS``) for a signed-in user: there it may also carry its
    documents (``DOCUMENT_MAX_BYTES`` each; one per API request, ``DATA_UPLOAD_MAX_NUMBER_FILES`` in the
    staff case form). Django caps form and JSON bodies itself, but not file parts, which it would spool
    to disk before the document service can say a file is too large; and an anonymous caller must not
    get a 100 MB body read anywhere.

    The declared ``Content-Length`` is checked before the body is touched. A chunked body (no length;
    only servers that end the stream, like gunicorn, pass one on) is read here, at most one byte past
    the limit, and handed on with its length. The answer is a 413: in the API's error shape under
    ``/api/``, a plain page elsewhere. Placed after the authentication middleware (which reads no body)
    so that it knows who is asking; the sign-in rate comes before it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_chunked(request):
            limit = body_limit(request)
            spool = _read_chunked(request, limit)
            if spool is None:
                return request_too_large(request, limit)
            with spool:
                return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body then
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = body_limit(request)
            if length > limit:
                return request_too_large(request, limit)
        return self.get_response(request)


# The views that take documents, and how many one request may carry.
DOCUMENT_UPLOAD_VIEWS = {
    "admin:cases_case_change": lambda: settings.DATA_UPLOAD_MAX_NUMBER_FILES,  # the case page's inline
    "v1:partner-referral-documents": lambda: 1,
}


def body_limit(request) -> int:
    """The largest body this request may send: its documents too only on an upload view, signed in."""
    from django.urls import Resolver404, resolve

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.method != "POST":
        return limit
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        return limit
    files = DOCUMENT_UPLOAD_VIEWS.get(view_name)
    if files is None or not _signed_in(request):
        return limit
    return settings.DOCUMENT_MAX_BYTES * files() + limit


def _signed_in(request) -> bool:
    """A staff session past its second factor, or a valid API token (checked as the API will)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        is_verified = getattr(user, "is_verified", None)
        return bool(callable(is_verified) and is_verified())
    if not request.path.startswith("/api/"):
        return False
    from rest_framework.exceptions import APIException

    try:
        return ApiTokenAuthentication().authenticate(request) is not None
    except APIException:
        return False


def _is_chunked(request) -> bool:
    return (
        "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
        and not request.META.get("CONTENT_LENGTH")
        and bool(request.META.get("wsgi.input_terminated"))
        and hasattr(request, "environ")
    )


def _read_chunked(request, limit: int):
    """Read a chunked body into a spooled file, at most ``limit`` bytes; ``None`` when it is larger.
    The request then reads the body from the file, with its length set."""
    import tempfile

    from django.core.handlers.wsgi import LimitedStream

    source = request.environ["wsgi.input"]
    spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
    size = 0
    while chunk := source.read(min(64 * 1024, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            spool.close()
            return None
        spool.write(chunk)
    spool.seek(0)
    request.META["CONTENT_LENGTH"] = str(size)
    request._stream = LimitedStream(spool, size)
    return spool


def request_too_large(request, limit: int):
    from django.http import HttpResponse, JsonResponse
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext

    detail = gettext("The request is too large; the limit is %(limit)s.") % {"limit": filesizeformat(limit)}
    if request.path.startswith("/api/"):
        return JsonResponse(problem_body(413, code="request_too_large", detail=detail), status=413)
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
