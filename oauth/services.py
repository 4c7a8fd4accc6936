"""Revoking staff apps' tokens. Access tokens are deleted (they stop working at once); refresh tokens are
marked revoked, so a later reuse of one is recognised and revokes its whole family (django-oauth-toolkit's
``REFRESH_TOKEN_REUSE_PROTECTION``)."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

logger = logging.getLogger(__name__)


@transaction.atomic
def tokens_revoke_for_user(*, user_id: int, reason: str) -> int:
    """Every token and unused authorization code of the user, of every app: after the user is disabled,
    changes or resets their password, or has their second factor reset. Returns the number of families
    (signed-in devices) revoked."""
    refresh_tokens = get_refresh_token_model().objects.filter(user_id=user_id, revoked__isnull=True)
    families = set(refresh_tokens.values_list("token_family", flat=True))
    for family in families - {None}:
        get_refresh_token_model().revoke_family(family)
    for token in get_refresh_token_model().objects.filter(user_id=user_id, revoked__isnull=True):
        token.revoke()
    get_access_token_model().objects.filter(user_id=user_id).delete()
    get_grant_model().objects.filter(user_id=user_id).delete()
    if families:
        logger.info("staff app tokens revoked: user id %s (%s)", user_id, reason)
    return len(families)


@transaction.atomic
def device_revoke(*, user_id: int, token_family: uuid.UUID) -> bool:
    """One signed-in device of the user (a refresh-token family): its tokens stop working. Another user's
    family is not found (False)."""
    refresh_tokens = get_refresh_token_model().objects.filter(user_id=user_id, token_family=token_family)
    if not refresh_tokens.filter(revoked__isnull=True).exists():
        return False
    get_refresh_token_model().revoke_family(token_family)
    return True
