"""A dump of the database (``pg_dump``, as a backup or a thief would take it) holds none of the seeded
CURPs, A-numbers, phone numbers or street addresses in plain text, in any table: history tables and the
API's idempotency records (after a workflow that retries with ``Idempotency-Key``) included.

Transactional: the data is committed, so ``pg_dump`` (another connection) sees it. The ``pg_dump`` is one
that can dump this server (``tests.security.pg_client``: the embedded wheel's own for the zero-config
PostgreSQL 18, whatever older client is on ``PATH``)."""

from __future__ import annotations

import io
import os
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection
from PIL import Image
from rest_framework.test import APIClient

from api.models import ApiToken, IdempotencyRecord
from cases import services
from cases.identifiers import format_a_number
from cases.models import Case, EmergencyContact, Person, RepatriationHandoff, SmsOptOut
from cases.models.crossoffice import DataCategory
from cases.reminders.messages import normalise_phone
from consulates.models import Consulate
from tests import factories as f
from tests.auth import login_verified
from tests.network import network_restore
from tests.security.pg_client import pick_pg_dump, server_major, uses_embedded_server

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


def pg_dump() -> str:
    db = connection.settings_dict
    binary = pick_pg_dump(server_major(connection), embedded=uses_embedded_server())
    command = [binary, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=True)  # noqa: S603
    return result.stdout


def seeded_plaintexts() -> dict[str, set[str]]:
    """Every identifier and phone number in the database, read (decrypted) through the ORM, with the
    other notations they might appear in."""
    found: dict[str, set[str]] = {
        "curp": set(),
        "a_number": set(),
        "phone": set(),
        "document": set(),
        "address": set(),
    }
    for curp, a_number, phone, passport, matricula, us_address, mexico_address in Person.objects.values_list(
        "curp", "a_number", "phone", "passport_number", "matricula_consular", "us_address", "mexico_address"
    ):
        for address in (us_address, mexico_address):
            # As COPY would write it (a line break as the two characters \n), and its street line alone
            # (the town line alone is no secret: hand-off destinations name towns in clear).
            if address:
                found["address"] |= {address.replace("\n", "\\n"), address.splitlines()[0]}
        if curp:
            found["curp"].add(curp)
        if a_number:
            found["a_number"] |= {a_number, format_a_number(a_number)}
        if phone:
            found["phone"] |= {phone, normalise_phone(phone)}
        found["document"] |= {value for value in (passport, matricula) if value}
    phones = [
        *EmergencyContact.objects.values_list("phone", flat=True),
        *RepatriationHandoff.objects.values_list("family_contact_phone", flat=True),
        *SmsOptOut.objects.values_list("phone", flat=True),
    ]
    found["phone"] |= {p for p in phones if p} | {normalise_phone(p) for p in phones if p}
    return found


def dumped_tables() -> set[str]:
    """Every table of the database, as ``schema.table``: the dump must hold each one's rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_%'
            """
        )
        return {name for (name,) in cursor.fetchall()}


def _png() -> io.BytesIO:
    upload = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(upload, format="PNG")
    upload.seek(0)
    upload.name = "identificacion.png"
    return upload


def api_workflow_with_idempotency_keys() -> None:
    """As integrations work: staff register a person and open a case, record consent and refer it; the
    partner accepts, writes a note and uploads a document; a refused request repeats the CURP it was
    sent; retries are replayed. Every POST carries an ``Idempotency-Key``."""
    officer = f.officer("dallas")
    staff = APIClient()
    login_verified(staff, officer)
    partner = f.PartnerFactory(covers=["dallas"], services=["legal_representation"])
    _token, raw = ApiToken.objects.create(user=f.partner_user(partner), name="dump scan")
    ngo = APIClient()
    ngo.credentials(HTTP_AUTHORIZATION=f"Token {raw}")

    def post(client, path, data, key, fmt="json", status=201):
        response = client.post(f"/api/v1/{path}", data, format=fmt, headers={"Idempotency-Key": key})
        assert response.status_code == status, response.content[:300]
        return response.json()

    person = {
        "given_names": "Rosa Elvira",
        "paternal_surname": "Reintento",
        "curp": f.make_curp(),
        "a_number": "A-233-441-561",
        "phone": "+1 214 555 0177",
        "us_address": "7312 Placeholder Dr, Apt 9\nDallas, TX 75217",
        "mexico_address": "Privada Muestra 53, Barrio de Muestra\nJerez, Zacatecas",
    }
    person_id = post(staff, "persons/", person, "person-1")["id"]
    post(staff, "persons/", person, "person-1")  # a retry: replayed
    case = {"person": person_id, "category": "migratorio", "subtype": "detencion_migratoria"}
    case_id = post(staff, "cases/", case, "case-1")["id"]
    post(staff, f"cases/{case_id}/notes/", {"kind": "call", "text": "Llamada a la familia"}, "note-1")
    consent = {"partner": partner.pk, "scope": list(DataCategory.values), "method": "verbal"}
    post(staff, f"cases/{case_id}/consents/", consent, "consent-1")
    referral = {"partner": partner.pk, "service": "legal_representation"}
    referral_id = post(staff, f"cases/{case_id}/referrals/", referral, "referral-1")["id"]
    accepted = post(ngo, f"partner/referrals/{referral_id}/accept/", {}, "accept-1", status=200)
    assert accepted["case"]["identity"]["curp"] == person["curp"]  # the answer did carry the identifiers
    post(ngo, f"partner/referrals/{referral_id}/accept/", {}, "accept-1", status=200)
    post(ngo, f"partner/referrals/{referral_id}/notes/", {"text": "Cita el lunes"}, "ngo-note-1")
    document = {"file": _png(), "kind": "identity", "description": "Identificación"}
    post(ngo, f"partner/referrals/{referral_id}/documents/", document, "document-1", fmt="multipart")
    refused = {"kind": person["curp"], "text": "x"}
    post(staff, f"cases/{case_id}/notes/", refused, "refused-1", status=400)
    post(staff, f"cases/{case_id}/notes/", refused, "refused-1", status=400)
    assert IdempotencyRecord.objects.count() == 9


def test_a_database_dump_holds_no_identifier_phone_or_address_in_plain_text(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", cases=200, seed=17, force=True, stdout=io.StringIO())  # COPY + services
    officer = f.officer("dallas")
    person = f.make_person(
        officer,
        a_number="A-233-441-559",
        passport_number="G98765432",
        matricula_consular="MCAS-445566",
        us_address="7310 Placeholder Dr, Apt 4\nDallas, TX 75217",
    )
    services.person_update(  # an update in history
        actor=officer,
        person=person,
        phone="+1 214 555 0199",
        mexico_address="Privada Muestra 52, Barrio de Muestra\nJerez, Zacatecas",
    )
    services.emergency_contact_save(
        actor=officer, person=person, contact=EmergencyContact(name="Rosa", phone="+52 951 123 4567")
    )
    SmsOptOut.objects.create(phone=normalise_phone("+1 (915) 555-0123"))
    api_workflow_with_idempotency_keys()

    plaintexts = seeded_plaintexts()
    assert len(plaintexts["curp"]) > 100
    assert len(plaintexts["a_number"]) > 100
    assert len(plaintexts["phone"]) > 200
    assert len(plaintexts["document"]) == 2
    # The demo seed's share (COPY) and the two typed above (services).
    assert len(plaintexts["address"]) > 200
    assert {"7310 Placeholder Dr, Apt 4", "Privada Muestra 52, Barrio de Muestra"} <= plaintexts["address"]
    assert RepatriationHandoff.objects.exclude(family_contact_phone="").exists()
    assert Case.objects.count() >= 200

    dump = pg_dump()
    tables = dumped_tables()
    assert {"public.cases_person", "public.cases_personhistory", "public.api_idempotencyrecord"} <= tables
    assert sorted(table for table in tables if f"COPY {table} (" not in dump) == []  # every table scanned
    idempotency_rows = dump.split("COPY public.api_idempotencyrecord (", 1)[1].split("\n\\.\n", 1)[0]
    assert idempotency_rows.count("\n") == 9  # the header line ends, then one line per record
    assert dump.count("\te1:") > 1000  # the encrypted values are there, as ciphertext
    assert person.given_names in dump  # names are not encrypted: the scan does see what is in clear
    leaked = sorted(value for values in plaintexts.values() for value in values if value in dump)
    assert leaked == []
