"""Each password sign-in starts the session clocks and needs its own second-factor code; a changed user
or device is read afresh (``signin.principal``)."""

from __future__ import annotations

import time

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from signin import principal
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


def _user_changed(sender, instance, **kwargs):
    principal.forget_user(instance.pk)


def _device_changed(sender, instance, **kwargs):
    principal.forget_user(instance.user_id)


def connect_principal_invalidation() -> None:
    """A saved or deleted user or second-factor device is read from the database again on the
    user's next request (``signin.principal``)."""
    user_model = get_user_model()
    post_save.connect(_user_changed, sender=user_model, dispatch_uid="principal.user_saved")
    post_delete.connect(_user_changed, sender=user_model, dispatch_uid="principal.user_deleted")
    for model in apps.get_models():
        if issubclass(model, Device):
            post_save.connect(
                _device_changed, sender=model, dispatch_uid=f"principal.{model._meta.label}.saved"
            )
            post_delete.connect(
                _device_changed, sender=model, dispatch_uid=f"principal.{model._meta.label}.deleted"
            )
