"""Housekeeping of the API plumbing."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from api.models import IdempotencyRecord

IDEMPOTENCY_RETENTION = dt.timedelta(days=1)


@shared_task(name="api.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    """A retry comes within minutes; a day later the stored answers are only clutter."""
    deleted, _ = IdempotencyRecord.objects.filter(
        created_at__lt=timezone.now() - IDEMPOTENCY_RETENTION
    ).delete()
    return deleted


@shared_task(name="api.purge_expired_tokens", ignore_result=True)
def purge_expired_tokens() -> int:
    """Expired tokens are refused when used (and deleted then); the others go here, nightly."""
    from api.models import ApiToken

    deleted, _ = ApiToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted


@shared_task(name="api.purge_token_uses", ignore_result=True)
def purge_token_uses() -> int:
    """Records of partner token calls, and of staff apps' token calls, are kept
    ``API_TOKEN_USE_RETENTION_DAYS`` (default a year)."""
    from django.conf import settings

    from api.models import ApiTokenUse
    from oauth.models import AppTokenUse

    cutoff = timezone.now() - dt.timedelta(days=settings.API_TOKEN_USE_RETENTION_DAYS)
    deleted, _ = ApiTokenUse.objects.filter(at__lt=cutoff).delete()
    app_deleted, _ = AppTokenUse.objects.filter(at__lt=cutoff).delete()
    return deleted + app_deleted
