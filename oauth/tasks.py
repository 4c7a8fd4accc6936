"""Housekeeping of staff apps' tokens."""

from __future__ import annotations

from celery import shared_task
from oauth2_provider.models import clear_expired


@shared_task(name="staff_oauth.clear_expired_tokens", ignore_result=True)
def clear_expired_tokens() -> None:
    """Expired access tokens, refresh tokens past their lifetime (revoked ones included: reuse of a token
    that old is refused as unknown) and expired authorization codes are deleted (django-oauth-toolkit's
    ``cleartokens``)."""
    clear_expired()
