"""Identifiers and phone numbers are encrypted at rest: they round-trip through every ORM path, the
columns hold no plaintext, and a wrong key or altered data fails loudly."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.core.exceptions import FieldError
from django.db import connection

import encryption
from cases import services
from cases.models import EmergencyContact, Person, SmsOptOut
from cases.reminders.sendsql import _Columns
from encryption import DecryptionError
from tests import factories as f

pytestmark = pytest.mark.django_db

OTHER_KEY = "q1k4m0o8bP3wQm8kR2p7cVd9sXz1yT6uA5eH0jL2nF8="
ENCRYPTED_PERSON_COLUMNS = (
    "curp",
    "a_number",
    "passport_number",
    "matricula_consular",
    "phone",
    "us_address",
    "mexico_address",
)
US_ADDRESS = "2417 Example St, Apt 5\nDallas, TX 75212"
MEXICO_ADDRESS = "Calle Ficticia 31, Col. Ejemplo\nTlaxiaco, Oaxaca"


def raw_row(table: str, pk: int, columns) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return dict(zip(columns, cursor.fetchone(), strict=True))


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def person(officer):
    person = f.make_person(
        officer,
        a_number="A-201-555-019",
        passport_number="G12345678",
        matricula_consular="MC-7788990",
        phone="+1 214 555 0142",
        us_address=US_ADDRESS,
        mexico_address=MEXICO_ADDRESS,
    )
    services.emergency_contact_save(
        actor=officer, person=person, contact=EmergencyContact(name="Lupe", phone="+52 33 1234 5678")
    )
    return person


def test_values_round_trip_and_the_columns_hold_only_ciphertext(person):
    stored = raw_row("cases_person", person.pk, ENCRYPTED_PERSON_COLUMNS)
    loaded = Person.objects.get(pk=person.pk)
    assert loaded.a_number == "201555019"
    assert (loaded.passport_number, loaded.matricula_consular, loaded.phone) == (
        "G12345678",
        "MC-7788990",
        "+1 214 555 0142",
    )
    assert (loaded.us_address, loaded.mexico_address) == (US_ADDRESS, MEXICO_ADDRESS)
    for column, value in stored.items():
        plaintext = getattr(loaded, column)
        assert value.startswith(f"e1:{encryption.keyring().primary_id}:"), column
        assert plaintext not in value
        assert "201555019" not in value
        assert "0142" not in value
        assert "Example" not in value
        assert "Ficticia" not in value
    contact = person.emergency_contacts.get()
    assert contact.phone == "+52 33 1234 5678"
    assert raw_row("cases_emergencycontact", contact.pk, ["phone"])["phone"].startswith("e1:")


def test_the_same_value_encrypts_differently_each_time(officer):
    a = f.make_person(officer, phone="+1 214 555 0100")
    b = f.make_person(officer, phone="+1 214 555 0100")
    assert raw_row("cases_person", a.pk, ["phone"]) != raw_row("cases_person", b.pk, ["phone"])


def test_history_rows_hold_ciphertext_and_read_back_decrypted(officer, person):
    services.person_update(
        actor=officer, person=person, phone="+1 915 555 0177", us_address="88 Sample Ave\nEl Paso, TX 79901"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT curp, phone, us_address, mexico_address FROM cases_personhistory WHERE pgh_obj_id = %s",
            [person.pk],
        )
        rows = cursor.fetchall()
    assert len(rows) == 2
    assert all(value.startswith("e1:") for row in rows for value in row)
    assert not any("Sample" in value or "Example" in value for row in rows for value in row)
    history = list(person.history.order_by("pgh_id").values_list("phone", "us_address", "mexico_address"))
    assert history == [
        ("+1 214 555 0142", US_ADDRESS, MEXICO_ADDRESS),
        ("+1 915 555 0177", "88 Sample Ave\nEl Paso, TX 79901", MEXICO_ADDRESS),
    ]


def test_bulk_create_bulk_update_update_and_values_encrypt_and_decrypt(officer):
    dallas = f.consulate("dallas")
    people = Person.objects.bulk_create(
        [
            Person(
                given_names="Ana",
                paternal_surname="Ruiz",
                registered_by=dallas,
                curp=f.make_curp(),
                phone="1",
            )
            for _ in range(3)
        ]
    )
    for p in people:
        assert raw_row("cases_person", p.pk, ["phone"])["phone"].startswith("e1:")
        assert Person.objects.with_curp(p.curp).get().pk == p.pk  # bulk_create filled the blind index
        p.phone = f"+1 405 555 01{p.pk % 100:02d}"
    Person.objects.bulk_update(people, ["phone"])
    assert {p.phone for p in Person.objects.filter(pk__in=[p.pk for p in people])} == {
        p.phone for p in people
    }
    Person.objects.filter(pk=people[0].pk).update(passport_number="X999")
    assert raw_row("cases_person", people[0].pk, ["passport_number"])["passport_number"].startswith("e1:")
    assert Person.objects.values_list("passport_number", flat=True).get(pk=people[0].pk) == "X999"


def test_empty_values_stay_empty_and_can_be_filtered(officer):
    person = f.make_person(officer, phone="")
    assert raw_row("cases_person", person.pk, ["phone"]) == {"phone": ""}
    assert Person.objects.filter(pk=person.pk, phone="").exists()
    assert Person.objects.filter(pk=person.pk, a_number__isnull=True).exists()


@pytest.mark.parametrize(
    "lookup",
    [
        {"phone": "+1 214 555 0142"},
        {"phone__icontains": "214"},
        {"curp__startswith": "BOX"},
        {"us_address__icontains": "Example"},
        {"mexico_address": MEXICO_ADDRESS},
    ],
)
def test_comparing_ciphertext_is_refused(lookup):
    with pytest.raises(FieldError):
        list(Person.objects.filter(**lookup))


def test_a_wrong_key_fails_loudly_and_never_returns_ciphertext(settings, person):
    settings.FIELD_ENCRYPTION_KEYS = [OTHER_KEY]
    with pytest.raises(DecryptionError) as error:
        Person.objects.get(pk=person.pk)
    assert "not among FIELD_ENCRYPTION_KEYS" in str(error.value)
    assert person.curp not in str(error.value)


def test_altered_ciphertext_fails_authentication(person):
    stored = raw_row("cases_person", person.pk, ["phone"])["phone"]
    tampered = stored[:-3] + ("A" if stored[-3] != "A" else "B") + stored[-2:]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_person SET phone = %s WHERE id = %s", [tampered, person.pk])
    with pytest.raises(DecryptionError, match="failed authentication"):
        Person.objects.get(pk=person.pk)


def test_plaintext_in_an_encrypted_column_is_an_error_not_data(person):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_person SET phone = '+1 214 555 0142' WHERE id = %s", [person.pk])
    with pytest.raises(DecryptionError, match="not encrypted"):
        Person.objects.get(pk=person.pk)


def test_instances_built_from_raw_rows_decrypt_through_the_field_converters(person):
    """The reminder dispatcher builds instances from a joined SELECT with the fields' db converters."""
    columns = _Columns(Person, "pe")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns.sql} FROM cases_person pe WHERE pe.id = %s", [person.pk])  # noqa: S608
        loaded = columns.load(cursor.fetchone(), {})
    assert (loaded.curp, loaded.phone) == (person.curp, "+1 214 555 0142")


def test_sms_opt_out_is_found_by_its_number_in_any_notation():
    SmsOptOut.objects.create(phone="+12145550142")
    assert SmsOptOut.objects.for_phone("+1 (214) 555-0142").exists()
    assert not SmsOptOut.objects.for_phone("+1 214 555 0143").exists()
    assert raw_row("cases_smsoptout", SmsOptOut.objects.get().pk, ["phone"])["phone"].startswith("e1:")


def test_every_write_path_keeps_the_blind_indexes_in_step(officer):
    person = f.make_person(officer)
    new_curp = f.make_curp(date_of_birth=person.date_of_birth, sex=person.sex)
    Person.objects.filter(pk=person.pk).update(curp=new_curp)  # update()
    assert Person.objects.with_curp(new_curp).get().pk == person.pk
    person.refresh_from_db()
    person.a_number = "203040506"
    Person.objects.bulk_update([person], ["a_number"])  # bulk_update()
    assert Person.objects.with_a_number("A-203-040-506").get().pk == person.pk
    person.curp = f.make_curp()
    person.save(update_fields=["curp"])  # save() of the source field only
    assert Person.objects.with_curp(person.curp).get().pk == person.pk
    Person.objects.filter(pk=person.pk).update(curp=None, a_number=None)  # erasure clears the indexes
    assert Person.objects.filter(pk=person.pk, curp_bidx__isnull=True, a_number_bidx__isnull=True).exists()


def test_the_blind_index_is_hmac_sha256_of_purpose_and_value():
    ring = encryption.keyring()
    expected = hmac.new(ring.index_key, b"curp\x00LOPA900101MJCPNN09", hashlib.sha256).hexdigest()
    assert ring.blind_index("curp", "LOPA900101MJCPNN09") == expected
    assert ring.blind_index("a_number", "LOPA900101MJCPNN09") != expected
