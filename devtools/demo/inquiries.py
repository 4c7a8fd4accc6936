"""A handful of open inquiries at the demo consulates (Dallas and El Paso), recorded through the
services as staff would: calls from families, a WhatsApp message, a partner's request; some past their
deadline, one already located. Names and numbers are invented."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from consulates.models import Consulate, DetentionFacility, Partner, PartnerMembership
from consulates.policy import holders
from intake.inquiries import services
from intake.models import Channel, Inquiry, LocateResult, LocateWhere, Urgency

# (consulate, hours ago, channel, urgency, caller, relationship, given names, paternal, maternal, arrest)
DEMO_INQUIRIES = [
    (
        "dallas",
        2,
        Channel.PHONE,
        Urgency.NORMAL,
        "Rosa Hernández",
        "hermana",
        "José Luis",
        "Hernández",
        "Luna",
        "Dallas, al salir del trabajo",
    ),
    (
        "dallas",
        30,
        Channel.CIAM,
        Urgency.URGENT,
        "Marta Ruiz",
        "madre",
        "Kevin",
        "Ruiz",
        "Salas",
        "Irving, retén de tránsito",
    ),
    (
        "dallas",
        60,
        Channel.WHATSAPP,
        Urgency.NORMAL,
        "Juan Pérez",
        "esposo",
        "Guadalupe",
        "Pérez",
        "Ortiz",
        "Fort Worth",
    ),
    ("dallas", 5, Channel.WALK_IN, Urgency.NORMAL, "Carmen Solís", "tía", "Brayan", "Solís", "", "Garland"),
    (
        "el_paso",
        20,
        Channel.CONSULAPP,
        Urgency.URGENT,
        "Luis Aguirre",
        "hermano",
        "Pedro",
        "Aguirre",
        "Núñez",
        "El Paso, puente Santa Fe",
    ),
    (
        "el_paso",
        70,
        Channel.PHONE,
        Urgency.NORMAL,
        "Teresa Villa",
        "madre",
        "Jesús",
        "Villa",
        "Campos",
        "Las Cruces",
    ),
]


@transaction.atomic
def inquiries_seed() -> int:
    """Adds the demo inquiries once (nothing when inquiries exist); returns how many were added."""
    if Inquiry.objects.exists():
        return 0
    now = timezone.now()
    added = 0
    for slug, hours, channel, urgency, caller, relation, given, paternal, maternal, place in DEMO_INQUIRIES:
        consulate = Consulate.objects.get(slug=slug)
        staff = list(holders("case.assignee", consulate.pk).order_by("pk"))
        if not staff:
            continue
        officer = staff[0]
        inquiry = services.inquiry_record(
            actor=officer,
            consulate=consulate,
            channel=channel,
            urgency=urgency,
            received_at=now - dt.timedelta(hours=hours),
            caller_name=caller,
            caller_relationship=relation,
            caller_phone=f"+1 915 555 01{added:02d}",
            sought_given_names=given,
            sought_paternal_surname=paternal,
            sought_maternal_surname=maternal,
            arrest_place=place,
            arrested_on=(now - dt.timedelta(hours=hours + 12)).date(),
            assigned_to=officer if hours > 10 else None,
        )
        added += 1
        if hours >= 30:
            services.locate_attempt_add(
                actor=officer,
                inquiry=inquiry,
                where=LocateWhere.ICE_LOCATOR,
                result=LocateResult.NOT_FOUND,
                searched_for=f"{paternal} {given}, México",
                attempted_at=now - dt.timedelta(hours=hours - 1),
            )
        if hours == 60:
            facility = DetentionFacility.objects.filter(active=True, county__consulate=consulate).first()
            if facility is not None:
                services.locate_attempt_add(
                    actor=officer,
                    inquiry=inquiry,
                    where=LocateWhere.FACILITY,
                    result=LocateResult.FOUND,
                    facility=facility,
                    attempted_at=now - dt.timedelta(hours=20),
                )
    membership = PartnerMembership.objects.select_related("user").filter(partner__active=True).first()
    if membership is not None and Partner.objects.filter(pk=membership.partner_id).exists():
        services.inquiry_send(
            actor=membership.user,
            consulate=Consulate.objects.get(slug="dallas"),
            sharing_basis="Consentimiento escrito de la familia, firmado en la oficina de la organización",
            sought_given_names="Yesenia",
            sought_paternal_surname="Mora",
            arrest_place="Dallas County",
        )
        added += 1
    return added
