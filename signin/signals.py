"""Each password sign-in starts the session clocks and needs its own second-factor code."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import DEVICE_ID_SESSION_KEY

from signin.middleware import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY


@receiver(user_logged_in, dispatch_uid="security.session_started")
def session_started(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    now = time.time()
    session[SIGNED_IN_AT_KEY] = now
    session[LAST_ACTIVITY_KEY] = now
    # Signing in again as the same user keeps the session's data (Django cycles its key): a code given
    # earlier must not carry over to the new sign-in. (An OTP-aware form sets ``user.otp_device``.)
    if getattr(user, "otp_device", None) is None:
        session.pop(DEVICE_ID_SESSION_KEY, None)
