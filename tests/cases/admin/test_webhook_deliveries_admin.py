"""The webhook delivery log in the staff UI (cases/admin/webhooks.py): administrators list every partner's
webhook deliveries (events and webhook reminders, nothing else), per partner and per event, with status,
attempts, last error and time sent, and send a failed one again; nobody else sees the log or retries."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Reminder
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import PartnerFactory, make_case
from tests.factories.crossoffice import make_referral

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]

LIST = reverse("admin:cases_webhookdelivery_changelist")


def partner_with_events(world, name: str, count: int = 1):
    partner = PartnerFactory(
        covers=["dallas"], name=name, webhook_url=f"https://{name.lower()}.example.org/h"
    )
    for _ in range(count):
        make_referral(world.officer_a, make_case(world.officer_a), partner)
    return partner


def listed(client, url: str = LIST) -> list:
    response = client.get(url)
    assert response.status_code == 200
    assert INVALID_MARKER not in response.content.decode()
    return list(response.context["cl"].result_list)


def test_an_administrator_lists_the_deliveries_of_one_partner(client, world):
    aliada, otra = partner_with_events(world, "Aliada"), partner_with_events(world, "Otra")
    by_email = PartnerFactory(covers=["dallas"], contact_email="legal@correo.example")
    make_referral(world.officer_a, make_case(world.officer_a), by_email)  # its reminder is an email
    row = Reminder.objects.get(partner=aliada, kind="event_referral_created")
    Reminder.objects.filter(pk=row.pk).update(
        status="failed", attempts=6, last_error="HTTP 503 from the provider", lease_until=None
    )
    login_verified(client, world.administrator)

    everything = listed(client)
    assert {r.partner_id for r in everything} == {aliada.pk, otra.pk}  # no email reminder
    assert {r.channel for r in everything} == {"webhook"}
    ours = listed(client, f"{LIST}?partner__id__exact={aliada.pk}")
    assert {r.partner_id for r in ours} == {aliada.pk}
    assert {r.kind for r in ours} == {"event_referral_created", "referral_partner_72h"}
    events = listed(client, f"{LIST}?event=event_referral_created")
    assert {r.kind for r in events} == {"event_referral_created"}

    html = client.get(f"{LIST}?partner__id__exact={aliada.pk}").content.decode()
    for shown in (
        "referral.created",
        "canalización creada",
        "HTTP 503 from the provider",
        row.case.reference,
    ):
        assert shown in html
    page = client.get(reverse("admin:cases_webhookdelivery_change", args=[row.pk]))
    assert page.status_code == 200
    assert "HTTP 503 from the provider" in page.content.decode()
    assert f"reminder-{row.pk}" in page.content.decode()  # the webhook-id the partner's system saw


def test_the_log_speaks_spanish_by_default_and_english_on_request(client, world):
    partner_with_events(world, "Aliada")
    login_verified(client, world.administrator)
    html = client.get(LIST).content.decode()
    assert "entrega de webhook" in html.lower()
    assert "Enviar de nuevo los webhooks seleccionados" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(LIST).content.decode()
    assert "webhook delivery" in html.lower()
    assert "Send the selected webhooks again" in html


@pytest.mark.parametrize("role", ["officer_a", "supervisor_a", "manager", "auditor"])
def test_nobody_else_sees_the_log(client, world, role):
    partner_with_events(world, "Aliada")
    login_verified(client, getattr(world, role))
    assert client.get(LIST).status_code == 403


def retry(client, *rows):
    return client.post(
        LIST, {"action": "retry", "_selected_action": [r.pk for r in rows], "index": 0}, follow=True
    )


def test_an_administrator_sends_a_failed_delivery_again_but_not_a_sent_one(client, world):
    partner = partner_with_events(world, "Aliada", count=2)
    failed, sent = Reminder.objects.filter(partner=partner, kind="event_referral_created").order_by("pk")
    Reminder.objects.filter(pk=failed.pk).update(status="failed", attempts=6, last_error="HTTP 400")
    Reminder.objects.filter(pk=sent.pk).update(status="sent", attempts=1, sent_at=timezone.now())
    login_verified(client, world.administrator)
    response = retry(client, failed, sent)
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error, failed.lease_until) == ("pending", 0, "", None)
    assert sent.status == "sent"
    notes = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert any(level == "warning" and text.startswith(f"#{sent.pk}:") for level, text in notes), notes
    assert any(level == "success" for level, _text in notes), notes


def test_only_an_administrator_may_retry_and_only_a_webhook(world):
    partner = partner_with_events(world, "Aliada")
    row = Reminder.objects.get(partner=partner, kind="event_referral_created")
    Reminder.objects.filter(pk=row.pk).update(status="failed", last_error="HTTP 400")
    for actor in (world.officer_a, world.manager):
        with pytest.raises(PermissionDenied):
            services.webhook_delivery_retry(actor=actor, reminder=row)
    email = Reminder.objects.filter(channel="email").first()
    Reminder.objects.filter(pk=email.pk).update(status="failed")
    with pytest.raises(ValidationError):
        services.webhook_delivery_retry(actor=world.administrator, reminder=email)
    assert services.webhook_delivery_retry(actor=world.administrator, reminder=row).status == "pending"


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_rows(client, world):
    login_verified(client, world.administrator)
    partner_with_events(world, "Aliada", count=2)
    few = _queries(client, LIST)
    partner_with_events(world, "Otra", count=12)
    assert _queries(client, LIST) == few


def test_the_partner_page_links_administrators_to_its_deliveries(client, world):
    partner = partner_with_events(world, "Aliada")
    page = reverse("admin:consulates_partner_change", args=[partner.pk])
    link = f"{LIST}?partner__id__exact={partner.pk}"
    login_verified(client, world.administrator)
    html = client.get(page).content.decode()
    assert INVALID_MARKER not in html
    assert link in html.replace("&amp;", "&")
    assert {r.partner_id for r in listed(client, link)} == {partner.pk}
    login_verified(client, world.officer_a)
    assert link not in client.get(page).content.decode().replace("&amp;", "&")
