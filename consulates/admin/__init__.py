"""The staff UI (Django admin) for the network, its people and their credentials: consulates, counties,
facilities, reception points, partners, memberships and users (``network``), partner API tokens and their
use (``tokens``), sign-in records and lockouts (``sign_in``). Administrators only, except the reference
data every staff member reads; the roles are ``consulates.access``'s."""

from consulates.admin import network, sign_in, tokens

__all__ = ["network", "sign_in", "tokens"]
