"""Signing in with a password (Django's model backend), and loading each request's user with their
memberships in the same query, so that resolving their role (``consulates.access.access_for``) and their
consulate's time zone costs nothing more."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from consulates.access import LOADED_WITH_USER


class MembershipBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related(*LOADED_WITH_USER)
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
