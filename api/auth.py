"""Partner tokens (django-rest-knox, hashed, expiring) with last use recorded; staff sessions with CSRF and a
verified second factor.

Failed token attempts are counted per client address: past ``API_TOKEN_FAILURE_RATE_PER_IP`` the address
gets 429 (with ``Retry-After``) before any token it sends is even looked at, so tokens cannot be guessed
at speed. (Calls with a valid token have their own budget: ``api.throttling``.)
"""

from __future__ import annotations

import binascii
import datetime as dt
from hmac import compare_digest

from django.conf import settings
from django.middleware import csrf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.settings import CONSTANTS
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck, SessionAuthentication

from api import statements
from api.models import ApiToken
from signin import ratelimit
from signin.middleware import client_ip

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_FAILURE_SCOPE = ratelimit.TOKEN_FAILURE_SCOPE


def _tokens_with_their_users(key: str):
    """The tokens under ``key`` (a token's first characters), each with its user and the user's memberships
    (so resolving the caller's role costs nothing more). Compiled once (``api.statements``)."""
    related = [f"user__{path}" for path in settings.USER_LOADED_WITH]
    return ApiToken.objects.filter(token_key=key).select_related(*related)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``. Expired tokens are refused (and deleted by knox)."""

    def authenticate(self, request):
        if not self._sends_token(request):
            return None  # a session's or a staff app's call: no token of ours to count or look up
        rate = ratelimit.parse_rate(settings.API_TOKEN_FAILURE_RATE_PER_IP)
        address = client_ip(request)
        wait = ratelimit.exceeded(_FAILURE_SCOPE, address, rate)
        if wait is not None:
            raise exceptions.Throttled(wait)
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            ratelimit.hit(_FAILURE_SCOPE, address, rate)
            raise

    def _sends_token(self, request) -> bool:
        from rest_framework.authentication import get_authorization_header

        header = get_authorization_header(request).split()
        return bool(header) and header[0].lower() == self.authenticate_header(request).encode().lower()

    def authenticate_credentials(self, token):
        """knox's check in one query: the token with its user and the user's memberships (so resolving the
        caller's role costs nothing more). An expired token is deleted and refused, as knox does; knox
        would also list all of the user's tokens on every call to delete the expired ones, which the
        nightly ``api.purge_expired_tokens`` does instead."""
        message = _("Invalid token.")
        text = token.decode("utf-8")
        key = text[: CONSTANTS.TOKEN_KEY_LENGTH]
        found = statements.statement(
            "api.token", None, _tokens_with_their_users, placeholder=statements.TEXT_PLACEHOLDER
        )
        candidates = found.run(key) if found is not None else _tokens_with_their_users(key)
        for auth_token in candidates:
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                continue
            try:
                digest = hash_token(text)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class VerifiedSessionAuthentication(SessionAuthentication):
    """The staff session, with CSRF (DRF's), only once the second factor was verified in it: a session that
    has only passed the password step is refused with 403 and never sees data."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if not (callable(is_verified) and is_verified()):
            # 403, not 401: the session is known; what it lacks is the second factor.
            raise exceptions.PermissionDenied(
                _("Sign in to the staff UI with your second factor (authenticator code) first."),
                code="second_factor_required",
            )
        return result

    def enforce_csrf(self, request):
        """DRF's check (Django's CSRF middleware, run for the session's unsafe requests), its refusal worded
        in the caller's language: DRF answers ``"CSRF Failed: " + Django's reason``, both English."""
        check = CSRFCheck(lambda request: None)
        check.process_request(request)  # sets request.META["CSRF_COOKIE"], which process_view reads
        reason = check.process_view(request, None, (), {})
        if reason:
            raise exceptions.PermissionDenied(csrf_refusal(reason))


def _pattern_prefix(reason: str) -> str:
    return reason.split("%s", 1)[0]


def csrf_refusal(reason: str) -> str:
    """Django's CSRF reason (``django.middleware.csrf.REASON_*``, plain English) -> our message."""
    if reason == csrf.REASON_NO_CSRF_COOKIE:
        why = _("the CSRF cookie was not sent.")
    elif reason == csrf.REASON_CSRF_TOKEN_MISSING:
        why = _("the %(header)s header is missing.") % {"header": "X-CSRFToken"}
    elif reason.endswith((f" {csrf.REASON_INCORRECT_LENGTH}.", f" {csrf.REASON_INVALID_CHARACTERS}.")):
        why = _("the CSRF token is malformed.")
    elif reason.startswith("CSRF token from ") and reason.endswith(" incorrect."):
        why = _("the CSRF token does not match the CSRF cookie.")
    elif reason == csrf.REASON_NO_REFERER:
        why = _("a secure (HTTPS) request must send the Referer header.")
    elif reason in (csrf.REASON_MALFORMED_REFERER, csrf.REASON_INSECURE_REFERER):
        why = _("the Referer header is malformed or not secure (HTTPS).")
    elif reason.startswith(_pattern_prefix(csrf.REASON_BAD_REFERER)):
        why = _("the Referer header names a site that is not trusted.")
    elif reason.startswith(_pattern_prefix(csrf.REASON_BAD_ORIGIN)):
        why = _("the Origin header names a site that is not trusted.")
    else:
        why = _("the request was refused.")
    return str(_("CSRF check failed: %(reason)s") % {"reason": why})
