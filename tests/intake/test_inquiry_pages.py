"""The staff pages of inquiries: who sees them, the queue's filters and cost, the phone call's form (errors
beside the fields and in an announced summary, nothing typed lost), and the inquiry page's actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AccessLog
from intake.inquiries import services
from intake.models import Channel, Inquiry, InquiryStatus, LocateResult, LocateWhere, Urgency
from tests.auth import login_verified

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    login_verified(client, user)
    return client


LIST = reverse("inquiries:list")
NEW = reverse("inquiries:new")

# role -> status of: the queue, the new inquiry form, the Dallas inquiry's page
MATRIX = {
    "officer_a": (200, 200, 200),
    "supervisor_a": (200, 200, 200),
    "officer_b": (200, 200, 404),
    "manager": (200, 403, 200),
    "administrator": (200, 200, 200),
    "auditor": (403, 403, 403),
}


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_pages_by_role(client, world, role):
    signed_in(client, getattr(world, role))
    detail = reverse("inquiries:detail", args=[world.inquiry_a.pk])
    got = tuple(client.get(url).status_code for url in (LIST, NEW, detail))
    assert got == MATRIX[role]
    shown = client.get(LIST).content.decode()
    assert ("José Luis" in shown) is (role in ("officer_a", "supervisor_a", "manager", "administrator"))


@pytest.mark.parametrize("who", ["partner", "anonymous"])
def test_pages_outside_the_staff(client, world, who):
    if who == "partner":
        signed_in(client, world.partner)
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_the_page_shows_the_caller_and_logs_the_read(client, world):
    signed_in(client, world.officer_a)
    before = AccessLog.objects.count()
    html = client.get(reverse("inquiries:detail", args=[world.inquiry_a.pk])).content.decode()
    assert "Rosa Hernández Luna" in html
    assert "+1 214 555 0142" in html
    assert AccessLog.objects.count() == before + 1


def test_the_queue_filters(client, world):
    urgent = services.inquiry_record(
        actor=world.officer_a,
        consulate=world.dallas,
        channel=Channel.WHATSAPP,
        urgency=Urgency.URGENT,
        sought_paternal_surname="Urgente",
        received_at=timezone.now() - dt.timedelta(hours=10),
    )
    services.inquiry_assign(actor=world.officer_a, inquiry=urgent, assignee=world.officer_a)
    signed_in(client, world.officer_a)

    def shown(query):
        return set(client.get(LIST, query).context["inquiries"])

    assert shown({}) >= {urgent, world.inquiry_a}
    assert shown({"urgent": "1"}) == {urgent}
    assert shown({"overdue": "1"}) == {urgent}
    assert shown({"mine": "1"}) == {urgent}
    assert shown({"channel": Channel.PHONE}) == {world.inquiry_a}
    items = list(client.get(LIST).context["inquiries"])
    assert items == sorted(items, key=lambda i: (i.respond_by, i.pk))  # nearest deadline first


def test_the_queue_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for n in range(15):
        services.inquiry_record(
            actor=world.officer_a,
            consulate=world.dallas,
            channel=Channel.CIAM,
            sought_paternal_surname=f"P{n}",
        )
    signed_in(client, world.officer_a)
    client.get(LIST)
    with django_assert_max_num_queries(12):
        assert client.get(LIST).status_code == 200


def test_the_phone_form_keeps_what_was_typed(client, world):
    signed_in(client, world.officer_a)
    before = Inquiry.objects.count()
    response = client.post(
        NEW,
        {
            "channel": Channel.PHONE,
            "urgency": "normal",
            "caller_language": "es",
            "caller_name": "Rosa",
            "caller_phone": "214 555 0199",
            "sought_a_number": "12",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert 'aria-invalid="true"' in html
    assert 'value="Rosa"' in html
    assert 'value="214 555 0199"' in html
    assert "id_sought_a_number-error" in html
    assert Inquiry.objects.count() == before


def test_the_phone_form_records(client, world):
    signed_in(client, world.officer_a)
    response = client.post(
        NEW,
        {
            "channel": Channel.CIAM,
            "urgency": "urgent",
            "caller_language": "es",
            "caller_name": "Marta",
            "sought_given_names": "Juan",
            "sought_paternal_surname": "Soto",
        },
    )
    inquiry = Inquiry.objects.get(sought_paternal_surname="Soto")
    assert response.status_code == 302
    assert response["Location"] == reverse("inquiries:detail", args=[inquiry.pk])
    assert inquiry.consulate == world.dallas
    assert inquiry.urgency == Urgency.URGENT
    assert inquiry.created_by == world.officer_a


def test_locate_answer_and_errors_on_the_page(client, world):
    signed_in(client, world.officer_a)
    url = reverse("inquiries:detail", args=[world.inquiry_a.pk])
    response = client.post(
        reverse("inquiries:locate", args=[world.inquiry_a.pk]),
        {
            "locate-where": LocateWhere.FACILITY,
            "locate-result": LocateResult.FOUND,
            "locate-searched_for": "Hernández Luna",
        },
    )
    assert response.status_code == 400  # found, but where?
    assert 'value="Hernández Luna"' in response.content.decode()
    response = client.post(
        reverse("inquiries:answer", args=[world.inquiry_a.pk]),
        {"answer-answer": "", "answer-version": world.inquiry_a.version},
    )
    assert response.status_code == 400
    response = client.post(
        reverse("inquiries:answer", args=[world.inquiry_a.pk]),
        {"answer-answer": "Está detenido en Prairieland.", "answer-version": world.inquiry_a.version},
    )
    assert response.status_code == 302
    assert response["Location"] == url
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.status == InquiryStatus.ANSWERED


def test_forwarding_from_the_page(client, world):
    signed_in(client, world.officer_a)
    response = client.post(
        reverse("inquiries:forward", args=[world.inquiry_a.pk]),
        {
            "forward-to_consulate": world.el_paso.pk,
            "forward-note": "Está en El Paso.",
            "forward-version": world.inquiry_a.version,
        },
    )
    assert response.status_code == 302
    # The sender keeps a record: where it went and the note, not the caller.
    html = client.get(reverse("inquiries:detail", args=[world.inquiry_a.pk])).content.decode()
    assert "Está en El Paso." in html
    assert "Rosa Hernández Luna" not in html
    assert "Está en El Paso." in client.get(LIST).content.decode()
    client.logout()
    signed_in(client, world.officer_b)
    assert (
        "Rosa Hernández Luna"
        in client.get(reverse("inquiries:detail", args=[world.inquiry_a.pk])).content.decode()
    )


def test_another_consulate_cannot_post_actions(client, world):
    signed_in(client, world.officer_b)
    response = client.post(reverse("inquiries:answer", args=[world.inquiry_a.pk]), {"answer-answer": "x"})
    assert response.status_code == 404


def test_a_manager_reads_but_does_not_act(client, world):
    signed_in(client, world.manager)
    response = client.post(reverse("inquiries:answer", args=[world.inquiry_a.pk]), {"answer-answer": "x"})
    assert response.status_code == 403


def test_home_shows_the_counts(client, world):
    services.inquiry_record(
        actor=world.officer_a,
        consulate=world.dallas,
        channel=Channel.CIAM,
        sought_paternal_surname="Tarde",
        received_at=timezone.now() - dt.timedelta(days=3),
    )
    signed_in(client, world.officer_a)
    response = client.get(reverse("workspace:home"))
    counts = response.context["inquiries"]
    assert counts["open"] >= 2
    assert counts["overdue"] >= 1
    assert 'id="inquiries"' in response.content.decode()
