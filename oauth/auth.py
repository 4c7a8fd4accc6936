"""``Authorization: Bearer <access token>`` of a staff app: the token's user makes the call, with the
user's own roles, and only within the token's scopes (``oauth.scopes``). The one place scopes are
enforced: every API view authenticates through here, and declares its family (``scope_family``: cases by
default, ``"reports"``, or None for doors staff apps never use)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions

from oauth.scopes import required_scope
from signin import ratelimit
from signin.middleware import client_ip

DEFAULT_FAMILY = "cases"


class StaffAppTokenAuthentication(OAuth2Authentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header[:7].lower() != "bearer ":
            return None  # not a staff app's call: the toolkit is not asked at all
        # Failed tokens are counted per client address (with partner tokens' failures): past the rate,
        # 429 before any token is looked up, so access tokens cannot be guessed at speed.
        rate = ratelimit.parse_rate(settings.API_TOKEN_FAILURE_RATE_PER_IP)
        address = client_ip(request)
        wait = ratelimit.exceeded(ratelimit.TOKEN_FAILURE_SCOPE, address, rate)
        if wait is not None:
            raise exceptions.Throttled(wait)
        result = super().authenticate(request)
        if result is None:
            ratelimit.hit(ratelimit.TOKEN_FAILURE_SCOPE, address, rate)
            return None
        user, token = result
        if not user.is_active:  # revoked when disabled (oauth.signals); refused here in any case
            raise exceptions.AuthenticationFailed(_("The access token is invalid."))
        # Recorded even when refused below (api.usage): every use of a token is kept.
        request._request.staff_app_token = token
        view = (request.parser_context or {}).get("view")
        needed = required_scope(request.method, getattr(view, "scope_family", DEFAULT_FAMILY))
        if needed is None or not token.allow_scopes([needed]):
            raise exceptions.PermissionDenied(
                _("This app's access does not include this (it needs the scope %(scope)s).")
                % {"scope": needed or "—"},
                code="insufficient_scope",
            )
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
