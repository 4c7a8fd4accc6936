"""A user's staff-app tokens are revoked when the user is disabled, their password changes (a change or
a reset: any new password hash), or their second factor is reset (their confirmed authenticator is
removed)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django_otp.plugins.otp_totp.models import TOTPDevice

from oauth.services import tokens_revoke_for_user

User = get_user_model()


@receiver(pre_save, sender=User, dispatch_uid="staff_oauth.user_before_save")
def _remember_credentials(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._oauth_before = None
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last sign-in time
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    instance._oauth_before = before


@receiver(post_save, sender=User, dispatch_uid="staff_oauth.user_saved")
def _revoke_on_change(sender, instance, created, raw=False, **kwargs):
    before = getattr(instance, "_oauth_before", None)
    instance._oauth_before = None
    if raw or created or before is None:
        return
    if before["is_active"] and not instance.is_active:
        reason = "user disabled"
    elif before["password"] != instance.password:
        reason = "password changed"
    else:
        return
    tokens_revoke_for_user(user_id=instance.pk, reason=reason)


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="staff_oauth.second_factor_removed")
def _revoke_on_second_factor_reset(sender, instance, **kwargs):
    if not instance.confirmed:
        return  # an unconfirmed enrolment being replaced, not the user's second factor
    tokens_revoke_for_user(user_id=instance.user_id, reason="second factor reset")
