"""Request-wide language and timezone for the staff UI."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.utils import timezone, translation


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


class ConsulateTimezoneMiddleware:
    """Show times in the timezone of the user's consulate (Central or Mountain)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tzname = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from consulates.selectors import user_timezone_name

            tzname = user_timezone_name(user)
        if tzname:
            timezone.activate(zoneinfo.ZoneInfo(tzname))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


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
    """Refuse a request whose declared body is larger than anything the service accepts.

    The largest legitimate body is document uploads (``DOCUMENT_MAX_BYTES`` each) with their form fields
    (``DATA_UPLOAD_MAX_MEMORY_SIZE``): one document per API request, up to ``DATA_UPLOAD_MAX_NUMBER_FILES``
    in one staff form. Django caps form and JSON bodies itself but not file parts, which it would spool to
    disk before the document service can say a file is too large. The answer is a 413: in the API's error
    shape under ``/api/``, a plain page elsewhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > request_limit(request):
            return request_too_large(request)
        return self.get_response(request)


def request_limit(request) -> int:
    files = 1 if request.path.startswith("/api/") else settings.DATA_UPLOAD_MAX_NUMBER_FILES
    return settings.DOCUMENT_MAX_BYTES * files + settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def request_too_large(request):
    from django.http import HttpResponse, JsonResponse
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext

    limit = filesizeformat(request_limit(request))
    detail = gettext("The request is too large; the limit is %(limit)s.") % {"limit": limit}
    if request.path.startswith("/api/"):
        from config.api.errors import TITLES

        body = {
            "type": "request_too_large",
            "title": TITLES[413],
            "status": 413,
            "detail": detail,
            "errors": {},
        }
        return JsonResponse(body, status=413)
    return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
