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
