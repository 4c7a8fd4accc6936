"""The demo logins with each demo staff user's TOTP secret, as ``make run`` and ``seed_demo`` print them."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from devtools.demo.logins import DEMO_LOGINS, DEMO_PASSWORD
from signin.totp import confirmed_device, provisioning_uri, secret_base32


def demo_login_lines() -> list[str]:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[n for n, _ in DEMO_LOGINS])}
    lines = [
        f"Demo logins (password for all: {DEMO_PASSWORD}; then the 6-digit code of the user's authenticator).",
        "  Add a user's TOTP secret (or its otpauth:// URI) to an authenticator app, or print the current",
        "  code with: .venv/bin/python manage.py demo_logins --code <user>",
    ]
    for username, role in DEMO_LOGINS:
        lines.append(f"  {username:<20} {role}")
        user = users.get(username)
        device = confirmed_device(user) if user is not None and user.is_staff else None
        if device is not None:
            lines.append(f"  {'':<20} TOTP secret {secret_base32(device)}")
            lines.append(f"  {'':<20} {provisioning_uri(device)}")
    return lines
