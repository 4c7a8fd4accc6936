"""A dump of the database holds no inquiry caller's name or call-back number, nor the A-number a caller
gave, in plain text: in the inquiries, their history (changed, forwarded, answered), and after a partner's
inquiry sent through the API with ``Idempotency-Key``. Names of the person sought are not encrypted (as a
person's names are not): the scan sees them, which proves it reads the inquiries' rows."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from api.models import ApiToken
from cases.identifiers import format_a_number
from consulates.models import Consulate
from intake.inquiries import services
from intake.models import Channel
from tests import factories as f
from tests.security.test_dump_scan import _network, _reload_network_after_flush, dumped_tables, pg_dump

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_network", "_reload_network_after_flush"]

CALLERS = [
    ("Rosalinda Quiñones Betancourt", "+1 214 555 0177", "A-204-771-390"),
    ("Evaristo Maldonado Urquidi", "(915) 555-0188", "A88127734"),
    ("Fundación Sin Fronteras: Jacinta Olvera Ybarra", "+52 951 555 0199", "312998711"),
]


def _variants(phone: str, a_number: str) -> set[str]:
    digits = "".join(c for c in phone if c.isdigit())
    nine = "".join(c for c in a_number if c.isdigit()).zfill(9)
    return {phone, digits, digits[-10:], a_number, nine, format_a_number(nine), f"A{nine}"}


def test_the_dump_holds_no_caller_or_a_number_in_clear():
    dallas, el_paso = Consulate.objects.get(slug="dallas"), Consulate.objects.get(slug="el_paso")
    officer = f.officer("dallas")
    secrets: set[str] = set()
    for name, phone, a_number in CALLERS[:2]:
        inquiry = services.inquiry_record(
            actor=officer,
            consulate=dallas,
            channel=Channel.PHONE,
            caller_name=name,
            caller_phone=phone,
            sought_given_names="Florencio",
            sought_paternal_surname="Zamarripa",
            sought_a_number=a_number,
        )
        services.inquiry_update(actor=officer, inquiry=inquiry, caller_relationship="hermana")  # history
        secrets |= {name} | _variants(phone, a_number)
    services.inquiry_forward(
        actor=officer, inquiry=inquiry, to_consulate=el_paso, note="Trasladado a El Paso"
    )
    services.inquiry_answer(actor=f.officer("el_paso"), inquiry=inquiry, answer="Localizado en Otero.")

    name, phone, a_number = CALLERS[2]
    partner = f.partner_user()
    token, raw = ApiToken.objects.create(user=partner, name="integración")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    body = {
        "consulate": dallas.pk,
        "sharing_basis": "Consentimiento escrito",
        "caller_name": name,
        "caller_phone": phone,
        "sought_given_names": "Florencio",
        "sought_paternal_surname": "Zamarripa",
        "sought_a_number": a_number,
    }
    for _attempt in range(2):  # a retry with the same key: one inquiry, one idempotency record
        response = client.post(
            "/api/v1/partner/inquiries/", body, format="json", headers={"Idempotency-Key": "k1"}
        )
        assert response.status_code == 201, response.content
    secrets |= {name} | _variants(phone, a_number)

    dump = pg_dump()
    tables = dumped_tables()
    assert {"public.intake_inquiry", "public.intake_inquiryhistory", "public.api_idempotencyrecord"} <= tables
    assert "Zamarripa" in dump  # the rows are there
    assert dump.count("\te1:") >= 6  # the callers' names and numbers, as ciphertext
    leaked = sorted(value for value in secrets if value in dump)
    assert leaked == []
