"""A dump of the database (``pg_dump``, as a backup or a thief would take it) holds none of the seeded
CURPs, A-numbers, phone numbers or street addresses in plain text, history tables included.

Transactional: the data is committed, so ``pg_dump`` (another connection) sees it."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from cases import services
from cases.identifiers import format_a_number
from cases.models import Case, EmergencyContact, Person, RepatriationHandoff, SmsOptOut
from cases.reminders.messages import normalise_phone
from consulates.models import Consulate
from consulates.services import network_load
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_load()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_load()


def pg_dump() -> str:
    db = connection.settings_dict
    command = [shutil.which("pg_dump") or "pg_dump", "--no-owner", "--dbname", db["NAME"]]
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


def test_a_database_dump_holds_no_identifier_phone_or_address_in_plain_text():
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
    for table in (
        "cases_person",
        "cases_personhistory",
        "cases_emergencycontacthistory",
        "cases_handoffhistory",
    ):
        assert f"COPY public.{table} " in dump
    assert dump.count("\te1:") > 1000  # the encrypted values are there, as ciphertext
    assert person.given_names in dump  # names are not encrypted: the scan does see what is in clear
    leaked = sorted(value for values in plaintexts.values() for value in values if value in dump)
    assert leaked == []
