"""The client's address: one rule for the whole service.

Sign-in lockouts (django-axes), the sign-in and API-token rate limits, the access log and the record of
partner-token calls all key on the client's address, and all of them read ``REMOTE_ADDR``. Served
directly, that is the client. Behind reverse proxies it is the nearest proxy, so every consulate behind
one proxy would share one address (and one lockout); ``TRUSTED_PROXY_COUNT`` says how many proxies
stand in front of the service, and ``TrustedProxyMiddleware`` (first in ``MIDDLEWARE``) then puts the
client's address into ``REMOTE_ADDR`` before anything reads it.

Each proxy appends the address it received the request from to ``X-Forwarded-For``. With ``n``
trusted proxies the client is therefore the ``n``-th entry from the right; what stands to its left was
written by the client and is never believed. A request whose header has fewer entries than that did
not pass through every proxy, and one whose entry is not an IP address is malformed: both keep the
nearest peer's address. With ``TRUSTED_PROXY_COUNT=0`` (the default) the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def forwarded_client(forwarded_for: str | None, trusted_proxies: int) -> str | None:
    """The client's address in an ``X-Forwarded-For`` value written by ``trusted_proxies`` proxies;
    ``None`` when the value cannot be trusted to name one."""
    if trusted_proxies < 1 or not forwarded_for:
        return None
    entries = [entry.strip() for entry in forwarded_for.split(",")]
    if len(entries) < trusted_proxies:
        return None
    try:
        return str(ipaddress.ip_address(entries[-trusted_proxies]))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address as this service trusts it (after ``TrustedProxyMiddleware``)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


class TrustedProxyMiddleware:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, ``REMOTE_ADDR`` becomes the client's address
    (the proxy's own is kept as ``PROXY_REMOTE_ADDR``). Does nothing when no proxy is configured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client = forwarded_client(request.META.get("HTTP_X_FORWARDED_FOR"), settings.TRUSTED_PROXY_COUNT)
        if client is not None:
            request.META["PROXY_REMOTE_ADDR"] = request.META.get("REMOTE_ADDR", "")
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
