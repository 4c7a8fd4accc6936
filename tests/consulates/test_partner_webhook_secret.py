"""A partner's webhook signing secret (consulates/admin/network.py, consulates/models.py): administrators set it,
nobody reads it back (not on the page, not in a message or the session), it is encrypted at rest (history
included, rotated with the other fields) and the webhook sender still signs with it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

import encryption
from cases.field_rotation import rewrite
from cases.management.commands.rotate_field_keys import encrypted_targets
from cases.reminders import channels, messages
from cases.reminders.channels import Outgoing
from consulates.models import Partner
from tests import factories as f
from tests.auth import login_verified
from tests.consulates.test_partner_deactivation import _post_data

pytestmark = pytest.mark.django_db

OLD_SECRET = "old-signing-secret-0123456789abcdef"
NEW_SECRET = "new-signing-secret-fedcba9876543210"
NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDI="


@pytest.fixture
def partner():
    return f.PartnerFactory(
        covers=["dallas"], webhook_url="https://ong.example.invalid/hook", webhook_secret=OLD_SECRET
    )


def _browser(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


def _change_url(partner) -> str:
    return reverse("admin:consulates_partner_change", args=[partner.pk])


def _stored(table: str, column: str = "webhook_secret") -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} <> ''")  # noqa: S608 - test names
        return [row[0] for row in cursor.fetchall()]


def _everything_the_browser_keeps(browser, response) -> str:
    cookies = " ".join(morsel.value for morsel in response.cookies.values())
    return cookies + " " + str(dict(browser.session.items()))


@pytest.mark.parametrize("make", [lambda: f.officer("dallas"), f.manager, lambda: f.supervisor("dallas")])
def test_staff_read_the_partner_page_without_the_secret(partner, make):
    page = _browser(make()).get(_change_url(partner))
    assert page.status_code == 200
    html = page.content.decode()
    assert partner.name in html
    assert OLD_SECRET not in html
    assert "webhook_secret" not in html
    assert "new_webhook_secret" not in html


def test_administrators_set_the_secret_but_never_read_it(partner):
    browser = _browser(f.administrator())
    page = browser.get(_change_url(partner))
    html = page.content.decode()
    assert OLD_SECRET not in html
    assert 'name="new_webhook_secret"' in html
    assert re.search(r'<input type="password" name="new_webhook_secret"[^>]*>', html)
    assert 'value="' + OLD_SECRET not in html

    response = browser.post(_change_url(partner), _post_data(partner, new_webhook_secret=NEW_SECRET))
    assert response.status_code == 302
    assert Partner.objects.get(pk=partner.pk).webhook_secret == NEW_SECRET
    assert NEW_SECRET not in _everything_the_browser_keeps(browser, response)
    assert NEW_SECRET not in browser.get(_change_url(partner)).content.decode()


def test_a_blank_secret_keeps_the_current_one(partner):
    browser = _browser(f.administrator())
    response = browser.post(_change_url(partner), _post_data(partner, contact_name="Otra persona"))
    assert response.status_code == 302
    stored = Partner.objects.get(pk=partner.pk)
    assert (stored.contact_name, stored.webhook_secret) == ("Otra persona", OLD_SECRET)


def test_a_generated_secret_is_shown_once_in_the_answer(partner):
    browser = _browser(f.administrator())
    response = browser.post(_change_url(partner), _post_data(partner, generate_webhook_secret="on"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    (shown,) = re.findall(r'<code class="shown-once-secret">([^<]+)</code>', response.content.decode())
    assert len(shown) >= 32
    assert Partner.objects.get(pk=partner.pk).webhook_secret == shown != OLD_SECRET
    assert shown not in _everything_the_browser_keeps(browser, response)
    assert shown not in browser.get(_change_url(partner)).content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"new_webhook_secret": NEW_SECRET, "generate_webhook_secret": "on"}, "generate_webhook_secret"),
        ({"new_webhook_secret": "short"}, "new_webhook_secret"),
    ],
)
def test_bad_secret_input_is_refused_on_its_field(partner, changes, field):
    response = _browser(f.administrator()).post(_change_url(partner), _post_data(partner, **changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Partner.objects.get(pk=partner.pk).webhook_secret == OLD_SECRET


def test_other_staff_cannot_set_it(partner):
    response = _browser(f.officer("dallas")).post(
        _change_url(partner), _post_data(partner, new_webhook_secret=NEW_SECRET)
    )
    assert response.status_code == 403
    assert Partner.objects.get(pk=partner.pk).webhook_secret == OLD_SECRET


def test_the_secret_is_encrypted_at_rest_history_included(partner):
    Partner.objects.filter(pk=partner.pk).update(webhook_secret=NEW_SECRET)  # another history row
    stored = _stored("consulates_partner") + _stored("consulates_partnerevent")
    assert len(stored) >= 3
    assert all(value.startswith(f"{encryption.PREFIX}:") for value in stored)
    assert not [value for value in stored if OLD_SECRET in value or NEW_SECRET in value]
    assert Partner.objects.get(pk=partner.pk).webhook_secret == NEW_SECRET


def test_key_rotation_covers_the_secret(settings, partner):
    tables = {target.table: target for target in encrypted_targets()}
    assert tables["consulates_partner"].encrypted == ("webhook_secret",)
    assert tables["consulates_partnerevent"].encrypted == ("webhook_secret",)
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, *settings.FIELD_ENCRYPTION_KEYS]
    new_id = encryption.keyring().primary_id
    for table in ("consulates_partner", "consulates_partnerevent"):
        rewrite(tables[table], allow_plaintext=False, rebuild_indexes=False)
        assert {value.split(":")[1] for value in _stored(table)} == {new_id}
    assert Partner.objects.get(pk=partner.pk).webhook_secret == OLD_SECRET


def test_the_webhook_is_signed_with_the_decrypted_secret(partner, monkeypatch):
    from cases.models import Reminder

    sent = []
    monkeypatch.setattr(channels, "_post_json", lambda url, body, headers: sent.append((body, headers)))
    reminder = Reminder(pk=1, kind="referral_partner_72h", channel="webhook", partner=partner)
    outgoing = messages._to_partner(reminder, "Asunto", "Texto", {"referral": 1})
    assert isinstance(outgoing, Outgoing)
    assert outgoing.secret == OLD_SECRET
    channels.WebhookChannel().send(outgoing)
    ((body, headers),) = sent
    signature = dict(part.split("=", 1) for part in headers["X-Consular-Signature"].split(","))
    assert signature["v1"] == channels.webhook_signature(OLD_SECRET, int(signature["t"]), body)


def test_a_new_partner_can_get_a_generated_secret(partner):
    data = _post_data(partner, name="Organización Nueva", generate_webhook_secret="on")
    response = _browser(f.administrator()).post(reverse("admin:consulates_partner_add"), data)
    assert response.status_code == 200
    (shown,) = re.findall(r'<code class="shown-once-secret">([^<]+)</code>', response.content.decode())
    assert Partner.objects.get(name="Organización Nueva").webhook_secret == shown
