"""A changed membership, consulate or partner organisation is read afresh on the next request of the
users it concerns (``signin.principal``: each signed-in user's cached entry embeds them)."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from consulates.models import Consulate, Partner, PartnerMembership, StaffMembership
from signin import principal


def _membership_changed(sender, instance, **kwargs):
    principal.forget_user(instance.user_id)


def _network_changed(sender, instance, **kwargs):
    principal.forget_everyone()


def connect() -> None:
    for model in (StaffMembership, PartnerMembership):
        post_save.connect(_membership_changed, sender=model, dispatch_uid=f"principal.{model.__name__}.saved")
        post_delete.connect(
            _membership_changed, sender=model, dispatch_uid=f"principal.{model.__name__}.deleted"
        )
    for model in (Consulate, Partner):
        post_save.connect(_network_changed, sender=model, dispatch_uid=f"principal.{model.__name__}.saved")
        post_delete.connect(
            _network_changed, sender=model, dispatch_uid=f"principal.{model.__name__}.deleted"
        )
