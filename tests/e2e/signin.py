"""Signing in as a person does: username and password, then the 6-digit code of the user's authenticator
(computed from the user's TOTP device, as the app on their phone would)."""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model

from tests.auth import totp_code, totp_device


def sign_in(page, live_server, user, password: str, *, start: str = "/admin/login/") -> None:
    """``user``: a user or a username. From ``start`` (the sign-in page, or any page that leads to it),
    ends where the sign-in leads: the staff UI's index from its own sign-in page, else ``start``."""
    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    totp_device(user)  # the user has set up an authenticator
    page.context.clear_cookies()
    page.goto(f"{live_server.url}{start}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r".*/account/second-factor/.*"), wait_until="domcontentloaded")
    page.fill("#id_code", totp_code(user))
    page.click("#second-factor-form input[type=submit]")
    if start == "/admin/login/":
        page.wait_for_url(re.compile(r".*/admin/$"), wait_until="domcontentloaded")
    else:
        page.wait_for_load_state("domcontentloaded")
