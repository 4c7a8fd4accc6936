"""The record of staff apps' token uses. The apps, grants and tokens themselves are
django-oauth-toolkit's models (app label ``oauth2_provider``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppTokenUse(models.Model):
    """One row per API call made with a staff app's access token, like ``api.ApiTokenUse`` for partner
    tokens: which app (by id, so the row outlives the app), which signed-in device (the refresh-token
    family), which user (id), when, the method, the path without its query string (ids only: no personal
    data), the answer's status and the client address. Written by ``oauth.usage``; purged with the
    partner token uses after ``API_TOKEN_USE_RETENTION_DAYS``."""

    application_id = models.BigIntegerField(_("app"), db_index=True)
    token_family = models.UUIDField(_("device"), null=True, blank=True, db_index=True)
    user_id = models.BigIntegerField(_("user"), db_index=True)
    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=200)
    status = models.PositiveSmallIntegerField(_("status"))
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("staff app token use")
        verbose_name_plural = _("staff app token uses")

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
