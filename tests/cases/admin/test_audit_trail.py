"""The administrators' audit trail shows encrypted values of history rows decrypted, never ciphertext."""

from __future__ import annotations

import pytest
from django.urls import reverse

import encryption
from cases import services
from cases.admin.audit_trail import decrypted
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def test_the_audit_trail_shows_changes_of_encrypted_fields_decrypted(client):
    officer = f.officer("dallas")
    person = f.make_person(officer, phone="+1 214 555 0101")
    services.person_update(actor=officer, person=person, phone="+1 915 555 0177")
    login_verified(client, f.administrator())
    events = reverse("admin:pghistory_middlewareevents_changelist")
    response = client.get(f"{events}?obj=cases.person:{person.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "+1 915 555 0177" in html
    assert "+1 214 555 0101" in html
    assert "e1:" not in html


def test_a_value_under_a_key_no_longer_configured_is_shown_as_such(settings):
    stored = encryption.encrypt("+1 214 555 0101")
    settings.FIELD_ENCRYPTION_KEYS = ["q1k4m0o8bP3wQm8kR2p7cVd9sXz1yT6uA5eH0jL2nF8="]
    shown = decrypted({"phone": [stored, ""]})
    assert shown["phone"][1] == ""
    assert "e1:" not in shown["phone"][0]
    assert "+1 214" not in shown["phone"][0]
