"""django-axes' section of the staff UI speaks the staff's languages (it ships no Spanish)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def _home(language: str) -> str:
    client = Client()
    login_verified(client, f.administrator())
    client.cookies["django_language"] = language  # the language selector's choice
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_sign_in_records_section_is_in_spanish_for_staff():
    page = _home("es")
    for label in ("Inicios de sesión del personal", "Inicios de sesión fallidos", "Contadores de inicios"):
        assert label in page
    for english in ("Access attempts", "Access failures", "Access logs", ">Axes<"):
        assert english not in page


def test_and_in_english_when_chosen():
    page = _home("en")
    assert "Staff sign-ins" in page
    assert "Failed sign-ins" in page
