"""Session policy, the mandatory second factor, and the rate on sign-in POSTs."""

from __future__ import annotations

import time
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware

from audit.client_address import client_address
from signin import principal, ratelimit, totp

LAST_ACTIVITY_KEY = "_security_last_activity"
SIGNED_IN_AT_KEY = "_security_signed_in_at"
# The last-activity stamp is rewritten at most this often (each rewrite saves the session).
ACTIVITY_RESOLUTION_SECONDS = 60


def client_ip(request) -> str:
    """The client's address (``audit.client_address``), as a rate-limit key."""
    return client_address(request) or "unknown"


class SessionPolicyMiddleware:
    """Ends a signed-in session that has been idle longer than ``SESSION_IDLE_TIMEOUT_MINUTES`` (sliding:
    every request counts as activity) or is older than ``SESSION_MAX_AGE_MINUTES`` since sign-in, and the
    session of a user who was disabled (``is_active=False``) or deleted since signing in. Applies to every
    door that uses the session: the staff UI, reports and the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            self._apply(request, session)
        return self.get_response(request)

    def _apply(self, request, session) -> None:
        if not request.user.is_authenticated:
            # Django resolved no user from a session that names one: the account was disabled or deleted.
            session.flush()
            return
        now = time.time()
        idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        last = session.get(LAST_ACTIVITY_KEY)
        started = session.get(SIGNED_IN_AT_KEY)
        if started is None:
            session[SIGNED_IN_AT_KEY] = started = now
        if last is not None and now - last > idle:
            self._end(
                request,
                _("Your session ended after %(minutes)d minutes without activity.")
                % {"minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES},
            )
            return
        if now - started > settings.SESSION_MAX_AGE_MINUTES * 60:
            self._end(request, _("Your session reached its maximum length. Sign in again."))
            return
        if last is None or now - last >= ACTIVITY_RESOLUTION_SECONDS:
            session[LAST_ACTIVITY_KEY] = now

    @staticmethod
    def _end(request, message: str) -> None:
        logout(request)
        if not request.path.startswith("/api/"):
            messages.warning(request, message)


class SecondFactorMiddleware:
    """A signed-in user whose session has not been verified with a TOTP code reaches nothing but the
    sign-in pages: other pages redirect to the code page (or to enrolment for a user without an
    authenticator). ``/api/`` is left to ``api.auth.VerifiedSessionAuthentication``, which refuses
    such a session with 403 (and lets partner tokens through)."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def exempt_paths(self) -> tuple[str, ...]:
        return (
            reverse("admin:login"),
            reverse("admin:logout"),
            reverse("security:verify"),
            reverse("security:enrol"),
            reverse("set_language"),
            reverse("healthz"),
            "/" + settings.STATIC_URL.lstrip("/"),
            "/api/v1/",
        )

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(self.exempt_paths)
        ):
            target = "security:verify" if totp.has_confirmed_device(user) else "security:enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class LoginRateLimitMiddleware:
    """At most ``LOGIN_RATE_PER_IP`` sign-in POSTs (passwords and second-factor codes together) from one
    address; beyond it a 429 page with ``Retry-After``. This stops password spraying across many
    usernames, which the per-username lockout alone does not."""

    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def paths(self) -> tuple[str, ...]:
        return (reverse("admin:login"), reverse("security:verify"), reverse("security:enrol"))

    def __call__(self, request):
        if request.method == "POST" and request.path in self.paths:
            rate = ratelimit.parse_rate(settings.LOGIN_RATE_PER_IP)
            retry_after = ratelimit.hit("login", client_ip(request), rate)
            if retry_after is not None:
                from signin.views import too_many_requests

                return too_many_requests(request, retry_after=retry_after)
        return self.get_response(request)


class VerifiedDeviceMiddleware(OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), with the session's
    device read through the shared cache (``signin.principal``) instead of a query per request."""

    def _verify_user_sync(self, request, user):
        # The session's user and its device entries in one round trip (``principal.prefetched``).
        user_id = request.session.get(SESSION_KEY)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        keys = [principal.user_key(user_id)] if user_id is not None else []
        if persistent_id:
            keys.append(principal.device_key(persistent_id))
        with principal.prefetched(user_id, keys, request):
            self._init_user_fields(user)  # resolves the user
            if user.is_authenticated:
                device = None
                if persistent_id:
                    device = principal.cached(
                        principal.device_key(persistent_id),
                        user.pk,
                        lambda: self._device_from_persistent_id(persistent_id),
                    )
                user.otp_device = self._finalize_device(request, user, device)
        return user
