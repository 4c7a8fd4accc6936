"""cases/services/persons.py: person_register, person_update, emergency contacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import EmergencyContact, Person
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db

DOB = dt.date(1984, 3, 9)


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def person(dallas_officer):
    return f.make_person(dallas_officer, date_of_birth=DOB, sex="M")


# --- person_register ------------------------------------------------------------------------------


def test_officer_registers_a_person_for_their_consulate(dallas_officer):
    curp = f.make_curp(date_of_birth=DOB, sex="H")
    spaced = f"{curp[:4].lower()} {curp[4:10]} {curp[10:]}"
    person = services.person_register(
        actor=dallas_officer,
        given_names="  José   Luis ",
        paternal_surname="Pérez",
        date_of_birth=DOB,
        sex="H",
        curp=spaced,
        a_number="A-12-345-678",
        passport_number="g 1234 5678",
        contact_consent=True,
    )
    person.refresh_from_db()
    assert person.registered_by.slug == "dallas"
    assert person.curp == curp
    assert person.a_number == "012345678"
    assert person.given_names == "José Luis"
    assert person.passport_number == "G12345678"
    assert person.contact_consent_at is not None
    assert person.history.filter(pgh_label="insert").count() == 1


def test_empty_identifiers_are_stored_as_null_so_they_never_collide(dallas_officer):
    first = f.make_person(dallas_officer, curp="", a_number="")
    second = f.make_person(dallas_officer, curp="", a_number="")
    assert first.curp is None
    assert second.curp is None
    assert first.a_number is None
    assert second.a_number is None


def test_officer_cannot_register_for_another_consulate(dallas_officer):
    with pytest.raises(PermissionDenied):
        f.make_person(dallas_officer, consulate=f.consulate("houston"))
    assert not Person.objects.exists()


@pytest.mark.parametrize("make_user", [f.manager, f.partner_user], ids=["manager", "partner"])
def test_readers_and_partners_cannot_register(make_user):
    with pytest.raises(PermissionDenied):
        f.make_person(make_user(), consulate=f.consulate("dallas"))
    assert not Person.objects.exists()


def test_administrator_registers_for_any_consulate_but_must_choose_one():
    admin = f.administrator()
    person = f.make_person(admin, consulate=f.consulate("albuquerque"))
    assert person.registered_by.slug == "albuquerque"
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(admin, consulate=None)
    assert error_fields(excinfo.value) == {"registered_by"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"curp": "BOXW310820HNERXN08"}, "curp"),
        ({"curp": "BOXW310820HNERXN0"}, "curp"),
        ({"a_number": "A12345"}, "a_number"),
        ({"a_number": "A1234567890"}, "a_number"),
        ({"given_names": ""}, "given_names"),
        ({"sex": "Q"}, "sex"),
        ({"state_of_birth": "TX", "curp": ""}, "state_of_birth"),
        ({"email": "not-an-email"}, "email"),
        ({"paternal_surname": "", "maternal_surname": ""}, "__all__"),
        ({"us_address": "1200 Example St, Dallas, TX " + "7" * 300}, "us_address"),
        ({"mexico_address": "Calle Ficticia " + "9" * 300}, "mexico_address"),
    ],
)
def test_invalid_fields_are_refused_with_the_field_named(dallas_officer, overrides, field):
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, **overrides)
    assert field in error_fields(excinfo.value)
    assert not Person.objects.exists()


def test_unknown_field_is_a_programming_error(dallas_officer):
    with pytest.raises(TypeError):
        f.make_person(dallas_officer, nickname="Pepe")


def test_curp_must_agree_with_date_of_birth(dallas_officer):
    curp = f.make_curp(date_of_birth=DOB, sex="H")
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, curp=curp, sex="H", date_of_birth=DOB + dt.timedelta(days=1))
    assert error_fields(excinfo.value) == {"curp"}
    assert "1984-03-09" in excinfo.value.message_dict["curp"][0]


def test_curp_must_agree_with_sex(dallas_officer):
    curp = f.make_curp(date_of_birth=DOB, sex="H")
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, curp=curp, sex="M", date_of_birth=DOB)
    assert error_fields(excinfo.value) == {"curp"}


def test_curp_with_x_registers_a_non_binary_person(dallas_officer):
    curp = f.make_curp(date_of_birth=DOB, sex="X")
    person = f.make_person(dallas_officer, curp=curp, sex="X", date_of_birth=DOB)
    assert (person.curp, person.sex) == (curp, "X")


@pytest.mark.parametrize(("curp_sex", "sex"), [("X", "H"), ("X", "M"), ("H", "X"), ("M", "X")])
def test_curp_sex_letter_must_agree_with_the_sex_including_x(dallas_officer, curp_sex, sex):
    curp = f.make_curp(date_of_birth=DOB, sex=curp_sex)
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, curp=curp, sex=sex, date_of_birth=DOB)
    assert error_fields(excinfo.value) == {"curp"}
    assert "sex" in excinfo.value.message_dict["curp"][0]
    assert not Person.objects.with_curp(curp).exists()


def test_a_curp_with_x_and_no_sex_recorded_is_accepted(dallas_officer):
    curp = f.make_curp(date_of_birth=DOB, sex="X")
    assert f.make_person(dallas_officer, curp=curp, sex="", date_of_birth=DOB).curp == curp


def test_a_duplicate_curp_never_reaches_a_second_record_across_the_network(person):
    """Across consulates the CURP is withheld for review rather than refused by name (issue 15:
    tests/cases/services/test_identifier_review.py); either way no second person holds it."""
    houston_officer = f.officer("houston")
    typed_differently = f" {person.curp.lower()} "
    second = f.make_person(houston_officer, curp=typed_differently, date_of_birth=DOB, sex="M")
    assert second.identifiers_in_review == ("curp",)
    assert list(Person.objects.with_curp(person.curp)) == [person]


def test_duplicate_curp_of_my_consulate_is_refused(person, dallas_officer):
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, curp=f" {person.curp.lower()} ", date_of_birth=DOB, sex="M")
    assert error_fields(excinfo.value) == {"curp"}
    assert Person.objects.count() == 1


def test_duplicate_a_number_is_refused(dallas_officer):
    f.make_person(dallas_officer, a_number="A12345678")
    with pytest.raises(ValidationError) as excinfo:
        f.make_person(dallas_officer, a_number="012-345-678")
    assert error_fields(excinfo.value) == {"a_number"}


def test_addresses_are_stored_tidied_with_their_line_breaks(dallas_officer):
    person = f.make_person(
        dallas_officer,
        us_address="  4821  Example St,   Apt 12 \r\n\r\n  Dallas, TX   75212  ",
        mexico_address="Calle Ficticia 18,  Col. Ejemplo\nTlaxiaco, Oaxaca",
    )
    person.refresh_from_db()
    assert person.us_address == "4821 Example St, Apt 12\nDallas, TX 75212"
    assert person.mexico_address == "Calle Ficticia 18, Col. Ejemplo\nTlaxiaco, Oaxaca"
    assert f.make_person(dallas_officer).us_address == ""  # optional


# --- person_update --------------------------------------------------------------------------------


def test_update_changes_fields_and_records_history(dallas_officer, person):
    updated = services.person_update(actor=dallas_officer, person=person, phone="+1 214 555 0100")
    assert Person.objects.get(pk=person.pk).phone == "+1 214 555 0100"
    assert updated.history.filter(pgh_label="update").count() == 1


def test_an_address_change_is_recorded_in_history(dallas_officer, person):
    services.person_update(actor=dallas_officer, person=person, mexico_address="Privada Muestra 4, Iguala")
    services.person_update(actor=dallas_officer, person=person, mexico_address="Calle Ficticia 9, Tepic")
    history = list(person.history.order_by("pgh_id").values_list("mexico_address", flat=True))
    assert history == ["", "Privada Muestra 4, Iguala", "Calle Ficticia 9, Tepic"]


def test_consent_time_is_set_when_given_and_cleared_when_withdrawn(dallas_officer, person):
    assert person.contact_consent_at is None
    services.person_update(actor=dallas_officer, person=person, contact_consent=True)
    given_at = Person.objects.get(pk=person.pk).contact_consent_at
    assert given_at is not None
    services.person_update(actor=dallas_officer, person=person, phone="1")
    assert Person.objects.get(pk=person.pk).contact_consent_at == given_at
    services.person_update(actor=dallas_officer, person=person, contact_consent=False)
    assert Person.objects.get(pk=person.pk).contact_consent_at is None


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), lambda: f.supervisor("houston"), f.manager, f.partner_user],
    ids=["foreign-officer", "foreign-supervisor", "manager", "partner"],
)
def test_update_is_refused_to_users_who_cannot_change_the_person(person, make_user):
    with pytest.raises(PermissionDenied):
        services.person_update(actor=make_user(), person=person, phone="1")
    assert Person.objects.get(pk=person.pk).phone == ""


def test_update_to_a_duplicate_curp_is_refused(dallas_officer, person):
    other = f.make_person(dallas_officer, date_of_birth=DOB, sex="M")
    with pytest.raises(ValidationError) as excinfo:
        services.person_update(actor=dallas_officer, person=other, curp=person.curp)
    assert error_fields(excinfo.value) == {"curp"}


def test_update_of_date_of_birth_alone_must_still_agree_with_the_stored_curp(dallas_officer, person):
    with pytest.raises(ValidationError) as excinfo:
        services.person_update(actor=dallas_officer, person=person, date_of_birth=dt.date(1985, 3, 9))
    assert error_fields(excinfo.value) == {"curp"}
    assert Person.objects.get(pk=person.pk).date_of_birth == DOB


def test_update_of_sex_alone_must_still_agree_with_the_stored_curp(dallas_officer, person):
    with pytest.raises(ValidationError) as excinfo:
        services.person_update(actor=dallas_officer, person=person, sex="H")
    assert error_fields(excinfo.value) == {"curp"}


def test_update_of_curp_and_date_together_is_accepted(dallas_officer, person):
    new_dob = dt.date(1985, 3, 9)
    new_curp = f.make_curp(date_of_birth=new_dob, sex="M")
    services.person_update(actor=dallas_officer, person=person, curp=new_curp, date_of_birth=new_dob)
    stored = Person.objects.get(pk=person.pk)
    assert (stored.curp, stored.date_of_birth) == (new_curp, new_dob)


# --- emergency contacts ---------------------------------------------------------------------------


def test_emergency_contact_save_and_delete(dallas_officer, person):
    contact = services.emergency_contact_save(
        actor=dallas_officer,
        person=person,
        contact=EmergencyContact(name="Rosa López", relationship="madre", in_mexico=True),
    )
    assert list(person.emergency_contacts.values_list("name", flat=True)) == ["Rosa López"]
    services.emergency_contact_delete(actor=dallas_officer, contact=contact)
    assert not person.emergency_contacts.exists()


def test_emergency_contact_needs_a_name(dallas_officer, person):
    with pytest.raises(ValidationError) as excinfo:
        services.emergency_contact_save(actor=dallas_officer, person=person, contact=EmergencyContact())
    assert "name" in error_fields(excinfo.value)


@pytest.mark.parametrize(
    "make_user",
    [lambda: f.officer("houston"), f.manager, f.partner_user],
    ids=["foreign", "manager", "partner"],
)
def test_emergency_contacts_are_refused_to_others(dallas_officer, person, make_user):
    contact = services.emergency_contact_save(
        actor=dallas_officer, person=person, contact=EmergencyContact(name="Rosa")
    )
    user = make_user()
    with pytest.raises(PermissionDenied):
        services.emergency_contact_save(actor=user, person=person, contact=EmergencyContact(name="Intruso"))
    with pytest.raises(PermissionDenied):
        services.emergency_contact_delete(actor=user, contact=contact)
    assert list(person.emergency_contacts.values_list("name", flat=True)) == ["Rosa"]
