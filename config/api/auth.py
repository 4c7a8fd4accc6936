"""Partner tokens (django-rest-knox, hashed, expiring) with last use recorded; staff sessions with CSRF."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from knox.auth import TokenAuthentication

from config.api.models import ApiToken

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``. Expired tokens are refused (and deleted by knox)."""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token
