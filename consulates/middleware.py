"""Each request in the timezone of the user's consulate."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone

from consulates.selectors import user_timezone_name


class ConsulateTimezoneMiddleware:
    """Show times in the timezone of the user's consulate (Central or Mountain)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tzname = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            tzname = user_timezone_name(user)
        if tzname:
            timezone.activate(zoneinfo.ZoneInfo(tzname))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
