"""API tokens for partner integrations, and the record of idempotent requests."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


@pghistory.track(pghistory.InsertEvent(), pghistory.DeleteEvent(), model_name="ApiTokenHistory")
class ApiToken(AbstractAuthToken):
    """A partner user's API token (django-rest-knox): only a SHA-512 digest is stored; the token itself
    is shown once, when issued. Expires (``expiry``); revoking deletes the row (the history keeps who,
    when). ``last_used_at`` is refreshed at most once a minute."""

    name = models.CharField(
        _("name"), max_length=80, help_text=_("What the token is for, e.g. 'case system sync'.")
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an ``Idempotency-Key``. Unique per caller and key, so
    concurrent retries serialise on the insert and every retry gets the stored answer."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ApiTokenUse(models.Model):
    """One row per API call made with a partner token: which token (by its key, the prefix shown in the token
    list, so the row outlives the token's revocation), when, the method, the path without its query string (ids only: paths carry no personal
    data), the answer's status and the client address. Written by ``config.api.usage``; purged after
    ``API_TOKEN_USE_RETENTION_DAYS``. Which records a call read is in the access log (``cases.access``)."""

    token_key = models.CharField(_("token"), max_length=25, db_index=True)
    user_id = models.BigIntegerField(_("user"), db_index=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=200)
    status = models.PositiveSmallIntegerField(_("status"))
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API token use")
        verbose_name_plural = _("API token uses")

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
