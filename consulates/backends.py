"""Signing in with a password (Django's model backend), and loading each request's user with their
memberships in the same query, so that resolving their role (``consulates.access.access_for``) and their
consulate's time zone costs nothing more; between requests the loaded user is kept in the shared cache
(``signin.principal``), so a signed-in request usually costs no query for it at all."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from consulates.access import LOADED_WITH_USER
from signin import principal


class MembershipBackend(ModelBackend):
    def get_user(self, user_id):
        user = principal.cached(principal.user_key(user_id), user_id, lambda: self._load(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None

    def _load(self, user_id):
        users = get_user_model()._default_manager.select_related(*LOADED_WITH_USER)
        # The partner's webhook secret is never needed to serve a request: not loaded, so never cached.
        users = users.defer("partner_membership__partner__webhook_secret")
        return users.filter(pk=user_id).first()
