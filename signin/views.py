"""The second step of signing in (a TOTP code, or enrolling an authenticator first), and the pages shown
when sign-in is locked out or rate-limited."""

from __future__ import annotations

import math

import django_otp
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from signin import totp
from signin.forms import CodeForm


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"  # the staff home (workspace)


def _with_next(name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _signed_in(request, device) -> None:
    """The second factor is verified: a new session key (the session gained privileges), then the device
    is remembered in the session (``django_otp.login``)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _throttled_message(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    locked_until = (info or {}).get("locked_until")
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds())) if locked_until else 1
    return _("Too many wrong codes. Wait %(seconds)d seconds and try again.") % {"seconds": seconds}


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask a user with an authenticator for its current code."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    device = totp.confirmed_device(request.user)
    if device is None:
        return redirect(_with_next("security:enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _throttled_message(device)
        if refused:
            form.add_error("code", refused)
        else:
            verified = django_otp.verify_token(request.user, device.persistent_id, form.cleaned_data["code"])
            if verified is not None:
                _signed_in(request, verified)
                return redirect(next_url)
            form.add_error("code", _("That code is not valid. Check your device's clock and try again."))
    context = {"title": _("Second factor"), "form": form, "next": next_url}
    return render(request, "security/verify.html", context, status=400 if form.errors else 200)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enrol(request):
    """First sign-in (or after an administrator reset it): set up an authenticator app, then confirm it
    with one code. Until the code is confirmed the device does not count."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
    next_url = _next_url(request)
    if totp.has_confirmed_device(request.user):
        return redirect(_with_next("security:verify", next_url))
    device = totp.pending_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refused = _throttled_message(device)
        if refused:
            form.add_error("code", refused)
        else:
            verified = django_otp.verify_token(request.user, device.persistent_id, form.cleaned_data["code"])
            if verified is not None:
                totp.device_confirm(device=verified)
                _signed_in(request, verified)
                return redirect(next_url)
            form.add_error("code", _("That code is not valid. Check your device's clock and try again."))
    uri = totp.provisioning_uri(device)
    context = {
        "title": _("Set up your second factor"),
        "form": form,
        "next": next_url,
        "secret": totp.secret_base32(device),
        "provisioning_uri": uri,
        # Drawn here from our own data (no user input reaches the markup but the URI's own characters,
        # which the QR encoder turns into path data).
        "qr_svg": mark_safe(totp.qr_svg(uri)),  # noqa: S308
    }
    return render(request, "security/enrol.html", context, status=400 if form.errors else 200)


def too_many_requests(request, *, retry_after: int, message: str | None = None, title: str | None = None):
    """A 429 page in the user's language, with ``Retry-After``."""
    minutes = max(1, math.ceil(retry_after / 60))
    context = {
        "title": title or _("Too many attempts"),
        "message": message
        or _("Too many sign-in attempts from your address. Try again in %(minutes)d minutes.")
        % {"minutes": minutes},
        "retry_after": retry_after,
    }
    response = render(request, "security/too_many.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def lockout(request, original_response=None, credentials=None):
    """django-axes' lockout answer (``AXES_LOCKOUT_CALLABLE``): a page, not a bare text."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    message = _(
        "This account is locked on this computer after %(failures)d failed sign-in attempts. "
        "Try again in %(minutes)d minutes, or ask an administrator to unlock it."
    ) % {"failures": settings.AXES_FAILURE_LIMIT, "minutes": max(1, seconds // 60)}
    return too_many_requests(request, retry_after=seconds, message=message, title=_("Sign-in locked"))
