"""Housekeeping of the sign-in records django-axes keeps (staff usernames, addresses, browsers)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone


@shared_task(name="security.purge_sign_in_records", ignore_result=True)
def purge_sign_in_records() -> int:
    """Sign-ins and failed sign-ins are kept ``SIGN_IN_RECORD_RETENTION_DAYS`` (default a year, as the
    partner token-use records), long enough to investigate an account's misuse and no longer. The
    lockout counters (``AccessAttempt``) are django-axes' own and expire with the cool-off."""
    from axes.models import AccessFailureLog, AccessLog

    cutoff = timezone.now() - dt.timedelta(days=settings.SIGN_IN_RECORD_RETENTION_DAYS)
    deleted = 0
    for model in (AccessLog, AccessFailureLog):
        count, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        deleted += count
    return deleted
