"""Signing in for tests: the one way a test gets a staff session that has passed the second factor.

``login_verified(client, user)`` logs ``user`` in (``force_login``) and then verifies the session with a
confirmed TOTP device through ``django_otp.login``, exactly what the code page does after a right code.
Nothing is patched: the middleware and the API's session authentication check the session as they
would any other. Browser tests type a real code instead: ``totp_code(user)``.
"""

from __future__ import annotations

import django_otp
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from signin.totp import confirmed_device, current_code


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator (created if they have none)."""
    return confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name="authenticator", confirmed=True
    )


def login_verified(client, user) -> TOTPDevice:
    """Log ``user`` in on ``client`` (a Django or DRF test client) with a verified second factor."""
    device = totp_device(user)
    client.force_login(user)
    request = HttpRequest()
    request.session = client.session
    request.user = user
    django_otp.login(request, device)
    request.session.save()
    return device


def totp_code(user) -> str:
    """A code the user's authenticator app would show now (and the server will still accept)."""
    device = totp_device(user)
    device.refresh_from_db()
    return current_code(device)
