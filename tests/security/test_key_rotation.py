"""Key rotation: with two keys old data stays readable; ``rotate_field_keys`` moves every value (history
included) under the newest key, so the old key can go; it is idempotent and resumable; a new blind-index
key needs ``--rebuild-blind-index``."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import encryption
from cases import services
from cases.field_rotation import Counts, rewrite
from cases.management.commands.rotate_field_keys import encrypted_targets
from cases.models import EmergencyContact, Person
from encryption import DecryptionError, build_keyring
from tests import factories as f

pytestmark = pytest.mark.django_db

OLD_KEY = "b2xkLWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDE="
NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtMDI="
NEW_INDEX_KEY = "bmV3LWJsaW5kLWluZGV4LWtleS1mb3ItdGhlLXRlc3Q="
TABLES = (
    ("cases_person", ("curp", "a_number", "phone", "us_address", "mexico_address")),
    ("cases_personhistory", ("curp", "a_number", "phone", "us_address", "mexico_address")),
    ("cases_emergencycontact", ("phone",)),
    ("cases_emergencycontacthistory", ("phone",)),
)


def key_ids_in_use() -> set[str]:
    """The key ids of every non-empty value of the tables above."""
    found = set()
    with connection.cursor() as cursor:
        for table, columns in TABLES:
            for column in columns:
                cursor.execute(
                    f"SELECT DISTINCT split_part({column}, ':', 2) FROM {table} "  # noqa: S608
                    f"WHERE {column} IS NOT NULL AND {column} <> ''"
                )
                found |= {row[0] for row in cursor.fetchall()}
    return found


def kid(key: str) -> str:
    return encryption.key_id(encryption.decode_key(key, name="test"))


@pytest.fixture
def people(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    officer = f.officer("dallas")
    made = []
    for i in range(5):
        person = f.make_person(
            officer,
            a_number=f"2100000{i:02d}",
            phone=f"+1 214 555 01{i:02d}",
            us_address=f"{i}10 Example St\nDallas, TX 75201",
        )
        services.person_update(  # history rows
            actor=officer, person=person, phone=f"+1 915 555 01{i:02d}", mexico_address=f"Calle Ficticia {i}"
        )
        services.emergency_contact_save(
            actor=officer,
            person=person,
            contact=EmergencyContact(name="Lupe", phone=f"+52 33 1234 56{i:02d}"),
        )
        made.append(Person.objects.get(pk=person.pk))
    assert key_ids_in_use() == {kid(OLD_KEY)}
    return made


def snapshot() -> list[tuple]:
    return sorted(
        (
            p.pk,
            p.curp,
            p.a_number,
            p.phone,
            p.us_address,
            p.mexico_address,
            tuple(p.history.values_list("phone", "us_address", "mexico_address").order_by("pgh_id")),
        )
        for p in Person.objects.all()
    )


def test_rotation_moves_everything_under_the_new_key_and_the_old_key_can_go(settings, people):
    before = snapshot()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert snapshot() == before  # both keys decrypt
    f.make_person(f.officer("dallas"), phone="+1 505 555 0100")  # new writes use the newest key
    assert key_ids_in_use() == {kid(OLD_KEY), kid(NEW_KEY)}
    with pytest.raises(CommandError, match="still need"):
        call_command("rotate_field_keys", check=True, stdout=io.StringIO())
    history_rows = sum(p.history.count() for p in people)

    out = io.StringIO()
    call_command("rotate_field_keys", batch_size=3, stdout=out)
    assert "re-encrypted" in out.getvalue()
    assert key_ids_in_use() == {kid(NEW_KEY)}
    assert sum(p.history.count() for p in people) == history_rows  # rotation adds no audit rows
    call_command("rotate_field_keys", check=True, stdout=io.StringIO())

    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key removed
    after = snapshot()
    assert [row for row in after if row[0] in {p.pk for p in people}] == before
    assert all(Person.objects.with_curp(p.curp).get().pk == p.pk for p in people)

    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    with pytest.raises(DecryptionError):
        snapshot()


def test_a_second_run_changes_nothing(settings, people):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    call_command("rotate_field_keys", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rotate_field_keys", stdout=out)
    assert "0 rewritten" in out.getvalue()


def test_an_interrupted_rotation_resumes_where_it_stopped(settings, people):
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    person_table = next(t for t in encrypted_targets() if t.table == "cases_person")

    class Stop(Exception):
        pass

    def stop_after_first_batch(table, seen):
        raise Stop

    with pytest.raises(Stop):
        rewrite(
            person_table,
            allow_plaintext=False,
            rebuild_indexes=False,
            batch_size=2,
            progress=stop_after_first_batch,
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_person WHERE curp LIKE %s", [f"e1:{kid(NEW_KEY)}:%"])
        assert cursor.fetchone()[0] == 2  # the first batch committed, the rest still under the old key
    counts = rewrite(person_table, allow_plaintext=False, rebuild_indexes=False, counts=Counts())
    assert counts.rows_changed == len(people) - 2
    # curp, a_number, phone and the two addresses
    assert counts.values_reencrypted == (len(people) - 2) * 5


def test_a_new_blind_index_key_needs_the_rebuild(settings, people):
    person = people[0]
    settings.FIELD_BLIND_INDEX_KEY = NEW_INDEX_KEY
    assert not Person.objects.with_curp(person.curp).exists()
    out = io.StringIO()
    call_command("rotate_field_keys", rebuild_blind_index=True, stdout=out)
    assert "blind index(es) written" in out.getvalue()
    assert Person.objects.with_curp(person.curp).get() == person
    assert Person.objects.with_a_number(f"A{person.a_number}").get() == person
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT curp_bidx FROM cases_personhistory WHERE pgh_obj_id = %s", [person.pk]
        )
        assert [row[0] for row in cursor.fetchall()] == [Person.objects.get(pk=person.pk).curp_bidx]


def test_keys_are_checked():
    with pytest.raises(encryption.KeyConfigurationError, match="32 bytes"):
        build_keyring(("c2hvcnQ=",), NEW_INDEX_KEY)
    with pytest.raises(encryption.KeyConfigurationError, match="twice"):
        build_keyring((NEW_KEY, NEW_KEY), NEW_INDEX_KEY)
    with pytest.raises(encryption.KeyConfigurationError, match="differ"):
        build_keyring((NEW_KEY,), NEW_KEY)
