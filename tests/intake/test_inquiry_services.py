"""The inquiries' services: who may write, the deadline from the consulate's setting, the version,
locating, answering, forwarding, withdrawing, and which inquiries each user sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consulates.models import DetentionFacility
from intake.inquiries import services
from intake.models import Channel, Inquiry, InquiryStatus, LocateResult, LocateWhere, Urgency

pytestmark = pytest.mark.django_db


def test_recorded_with_the_consulates_deadline(world):
    world.dallas.inquiry_hours_normal = 30
    world.dallas.inquiry_hours_urgent = 3
    world.dallas.save()
    received = timezone.now() - dt.timedelta(hours=1)
    normal = services.inquiry_record(
        actor=world.officer_a,
        consulate=world.dallas,
        channel=Channel.CIAM,
        received_at=received,
        sought_paternal_surname="Pérez",
    )
    urgent = services.inquiry_record(
        actor=world.officer_a,
        consulate=world.dallas,
        channel=Channel.CIAM,
        received_at=received,
        sought_paternal_surname="Pérez",
        urgency=Urgency.URGENT,
    )
    assert normal.respond_by == received + dt.timedelta(hours=30)
    assert urgent.respond_by == received + dt.timedelta(hours=3)
    assert normal.created_by == world.officer_a
    assert normal.status == InquiryStatus.OPEN


def test_default_deadlines():
    from consulates.models import Consulate

    assert Consulate._meta.get_field("inquiry_hours_normal").default == 48
    assert Consulate._meta.get_field("inquiry_hours_urgent").default == 8


def test_a_new_urgency_moves_the_deadline(world):
    inquiry = world.inquiry_a
    services.inquiry_update(
        actor=world.officer_a, inquiry=inquiry, expected_version=inquiry.version, urgency=Urgency.URGENT
    )
    inquiry.refresh_from_db()
    assert inquiry.respond_by == inquiry.received_at + dt.timedelta(hours=world.dallas.inquiry_hours_urgent)
    assert inquiry.version == 2


def test_a_stale_version_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.inquiry_update(
            actor=world.officer_a, inquiry=world.inquiry_a, expected_version=99, details="otra cosa"
        )
    assert error.value.code == "stale"
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.details != "otra cosa"


def test_the_person_sought_needs_a_name_or_an_a_number(world):
    with pytest.raises(ValidationError) as error:
        services.inquiry_record(actor=world.officer_a, consulate=world.dallas, channel=Channel.PHONE)
    assert "sought_paternal_surname" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.inquiry_record(actor=world.officer_a, consulate=world.dallas, channel="")
    assert "channel" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.inquiry_record(
            actor=world.officer_a, consulate=world.dallas, channel=Channel.PHONE, sought_a_number="12"
        )
    assert "sought_a_number" in error.value.message_dict
    only_a_number = services.inquiry_record(
        actor=world.officer_a, consulate=world.dallas, channel=Channel.PHONE, sought_a_number="A 201555124"
    )
    assert only_a_number.sought_a_number == "201555124"


@pytest.mark.parametrize("who", ["officer_b", "manager", "auditor", "partner"])
def test_who_may_not_record_for_dallas(world, who):
    with pytest.raises(PermissionDenied):
        services.inquiry_record(
            actor=getattr(world, who),
            consulate=world.dallas,
            channel=Channel.PHONE,
            sought_paternal_surname="Pérez",
        )


@pytest.mark.parametrize("who", ["officer_b", "manager", "auditor", "partner"])
def test_who_may_not_work_on_a_dallas_inquiry(world, who):
    with pytest.raises(PermissionDenied):
        services.inquiry_answer(
            actor=getattr(world, who), inquiry=world.inquiry_a, answer="Está en Prairieland."
        )


def test_assign_only_to_the_consulates_staff(world):
    services.inquiry_assign(actor=world.supervisor_a, inquiry=world.inquiry_a, assignee=world.officer_a2)
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.assigned_to == world.officer_a2
    with pytest.raises(ValidationError) as error:
        services.inquiry_assign(actor=world.supervisor_a, inquiry=world.inquiry_a, assignee=world.officer_b)
    assert "assigned_to" in error.value.message_dict


def test_the_first_located_result_sets_located_at(world):
    facility = DetentionFacility.objects.filter(active=True).first()
    services.locate_attempt_add(
        actor=world.officer_a,
        inquiry=world.inquiry_a,
        where=LocateWhere.ICE_LOCATOR,
        result=LocateResult.NOT_FOUND,
        searched_for="Hernández Luna, México",
    )
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.located_at is None
    with pytest.raises(ValidationError) as error:  # found: where?
        services.locate_attempt_add(
            actor=world.officer_a,
            inquiry=world.inquiry_a,
            where=LocateWhere.FACILITY,
            result=LocateResult.FOUND,
        )
    assert "facility" in error.value.message_dict
    found = services.locate_attempt_add(
        actor=world.officer_a,
        inquiry=world.inquiry_a,
        where=LocateWhere.FACILITY,
        result=LocateResult.FOUND,
        facility=facility,
    )
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.located_at == found.attempted_at
    assert found.officer == world.officer_a
    services.locate_attempt_add(
        actor=world.officer_a, inquiry=world.inquiry_a, where=LocateWhere.COURT, result=LocateResult.RELEASED
    )
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.located_at == found.attempted_at  # the first one counts
    assert world.inquiry_a.locate_attempts.count() == 3


def test_the_answer_is_required(world):
    with pytest.raises(ValidationError) as error:
        services.inquiry_answer(actor=world.officer_a, inquiry=world.inquiry_a, answer="   ")
    assert "answer" in error.value.message_dict
    services.inquiry_answer(actor=world.officer_a, inquiry=world.inquiry_a, answer="Está en Prairieland.")
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.status == InquiryStatus.ANSWERED
    assert world.inquiry_a.answered_by == world.officer_a
    assert world.inquiry_a.answered_at
    with pytest.raises(ValidationError) as error:  # closed: nothing more
        services.inquiry_answer(actor=world.officer_a, inquiry=world.inquiry_a, answer="Otra vez")
    assert error.value.code == "closed"


def test_withdraw_needs_a_reason(world):
    with pytest.raises(ValidationError):
        services.inquiry_withdraw(actor=world.officer_a, inquiry=world.inquiry_a, reason="")
    services.inquiry_withdraw(
        actor=world.officer_a, inquiry=world.inquiry_a, reason="La familia ya lo encontró."
    )
    world.inquiry_a.refresh_from_db()
    assert world.inquiry_a.status == InquiryStatus.WITHDRAWN


def test_forwarding(world):
    services.inquiry_assign(actor=world.officer_a, inquiry=world.inquiry_a, assignee=world.officer_a)
    with pytest.raises(ValidationError) as error:
        services.inquiry_forward(
            actor=world.officer_a, inquiry=world.inquiry_a, to_consulate=world.dallas, note=""
        )
    assert {"to_consulate", "note"} <= set(error.value.message_dict)
    before = Inquiry.objects.get(pk=world.inquiry_a.pk).respond_by
    services.inquiry_forward(
        actor=world.officer_a,
        inquiry=world.inquiry_a,
        to_consulate=world.el_paso,
        note="Lo trasladaron a El Paso.",
    )
    inquiry = Inquiry.objects.get(pk=world.inquiry_a.pk)
    assert (inquiry.consulate, inquiry.forwarded_from, inquiry.assigned_to) == (
        world.el_paso,
        world.dallas,
        None,
    )
    assert inquiry.respond_by == before
    assert inquiry.forward_note == "Lo trasladaron a El Paso."
    # The receiver sees it and works on it; the sender keeps seeing it, and works on it no more.
    assert Inquiry.objects.visible_to(world.officer_b).filter(pk=inquiry.pk).exists()
    assert Inquiry.objects.visible_to(world.officer_a).filter(pk=inquiry.pk).exists()
    with pytest.raises(PermissionDenied):
        services.inquiry_answer(actor=world.officer_a, inquiry=inquiry, answer="Ya no es nuestra.")
    services.locate_attempt_add(
        actor=world.officer_b, inquiry=inquiry, where=LocateWhere.ICE_LOCATOR, result=LocateResult.NOT_FOUND
    )


VISIBLE = {
    "officer_a": {"a"},
    "supervisor_a": {"a"},
    "officer_b": {"b"},
    "manager": {"a", "b"},
    "administrator": {"a", "b"},
    "auditor": set(),
    "partner": set(),
}


@pytest.mark.parametrize("who", sorted(VISIBLE))
def test_visible_to_its_consulate_only(world, who):
    ids = set(Inquiry.objects.visible_to(getattr(world, who)).values_list("pk", flat=True))
    expected = {getattr(world, f"inquiry_{x}").pk for x in VISIBLE[who]}
    assert ids & {world.inquiry_a.pk, world.inquiry_b.pk} == expected


def test_partners_send_and_see_only_theirs(world):
    with pytest.raises(ValidationError) as error:
        services.inquiry_send(
            actor=world.partner, consulate=world.dallas, sharing_basis=" ", sought_paternal_surname="Pérez"
        )
    assert "sharing_basis" in error.value.message_dict
    sent = services.inquiry_send(
        actor=world.partner,
        consulate=world.dallas,
        sharing_basis="Consentimiento firmado de la familia",
        sought_given_names="Pedro",
        sought_paternal_surname="Pérez",
    )
    assert sent.channel == Channel.NGO
    assert sent.partner_id is not None
    assert list(Inquiry.objects.visible_to(world.partner)) == [sent]
    assert not Inquiry.objects.visible_to(world.partner2).exists()
    assert Inquiry.objects.visible_to(world.officer_a).filter(pk=sent.pk).exists()
    with pytest.raises(PermissionDenied):
        services.inquiry_send(
            actor=world.officer_a, consulate=world.dallas, sharing_basis="x", sought_paternal_surname="Pérez"
        )


@pytest.mark.parametrize(
    ("given", "shown"),
    [("201555123", "A201-555-123"), ("A-201-555-123", "A201-555-123"), ("", ""), ("no sé", "no sé")],
)
def test_the_a_number_given_is_shown_in_the_usual_notation(given, shown):
    assert Inquiry(sought_a_number=given).sought_a_number_display == shown
