"""API tokens for partner integrations, and the record of idempotent requests."""

from __future__ import annotations

from collections.abc import Iterable

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


class IdempotencyRecordQuerySet(models.QuerySet):
    def about(self, *, person_ids: Iterable[int], case_ids: Iterable[int]) -> IdempotencyRecordQuerySet:
        """The records of requests about these persons or cases: erasure and anonymisation delete them,
        so nothing is left pointing at the persons (a retry after that runs afresh on what is left)."""
        return self.filter(models.Q(person_id__in=list(person_ids)) | models.Q(case_id__in=list(case_ids)))


class IdempotencyRecord(models.Model):
    """The first answer to a POST carrying an ``Idempotency-Key``, kept without personal data. Unique per
    caller and key, so concurrent retries serialise on the insert and every retry gets that answer:
    a success as the resource it rendered (``resource_type``/``resource_id`` with its ``serializer``),
    rendered again on replay through what the caller may see then; a refusal as its problem document,
    with any message that could repeat the request or name a person withheld (``api.idempotency``).
    ``case_id``/``person_id`` say whom the request was about, so erasure can delete the record."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    # ``Location`` (ids only); for a refusal, the ``Content-Language`` its messages are in.
    response_headers = models.JSONField(default=dict)
    resource_type = models.CharField(max_length=100, blank=True, default="")  # "app_label.model"
    resource_id = models.BigIntegerField(null=True)
    serializer = models.CharField(max_length=200, blank=True, default="")  # dotted name of the class
    etag = models.BooleanField(default=False)  # the first answer carried the resource's ETag
    problem = models.JSONField(null=True)  # a refusal: {"type", "detail", "errors"}, messages checked
    case_id = models.BigIntegerField(null=True)
    person_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdempotencyRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]
        indexes = [
            models.Index(fields=["created_at"], name="idempotency_created_idx"),
            models.Index(fields=["case_id"], name="idempotency_case_idx"),
            models.Index(fields=["person_id"], name="idempotency_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ApiTokenUse(models.Model):
    """One row per API call made with a partner token: which token (by its key, the prefix shown in the token
    list, so the row outlives the token's revocation), when, the method, the path without its query string (ids only: paths carry no personal
    data), the answer's status and the client address. Written by ``api.usage``; purged after
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
