"""Passwords are hashed with Argon2; older PBKDF2 hashes still verify and are upgraded at sign-in."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password

from tests.signin.conftest import PASSWORD, sign_in_password

pytestmark = pytest.mark.django_db


def test_new_passwords_are_hashed_with_argon2(officer):
    assert officer.password.startswith("argon2$argon2id$")
    assert officer.check_password(PASSWORD)
    assert not officer.check_password("otra-clave")


def test_an_older_pbkdf2_hash_still_signs_in_and_is_rehashed_with_argon2(officer, browser):
    officer.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    officer.save(update_fields=["password"])
    assert officer.password.startswith("pbkdf2_sha256$")

    response = sign_in_password(browser, officer.username)
    assert response.status_code == 302

    officer.refresh_from_db()
    assert officer.password.startswith("argon2$")
    assert officer.check_password(PASSWORD)
