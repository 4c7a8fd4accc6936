"""The staff UI (Django admin) for the network, its people and their credentials: consulates, counties,
facilities, reception points, partners, memberships and users (``network``), partner API tokens and their
use (``tokens``), staff apps (OAuth clients) and their token use (``oauth``), sign-in records and lockouts (``sign_in``). Administrators only, except the reference
data every staff member reads; the roles are ``consulates.access``'s."""

from django.contrib import admin

from consulates.admin import consular_posts, network, oauth, sign_in, tokens

# One sign for "nothing here" on every staff page (Django's default is a hyphen beside our dashes).
admin.site.empty_value_display = "—"

__all__ = ["consular_posts", "network", "oauth", "sign_in", "tokens"]
