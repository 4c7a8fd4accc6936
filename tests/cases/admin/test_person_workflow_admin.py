"""Posting on the person pages writes through the person services: identifiers are checked and
normalised, emergency contacts are saved with their person, and a refused page keeps nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from cases import services
from cases.models import EmergencyContact, Person
from tests.auth import login_verified
from tests.cases.admin.helpers import inline_management, person_post
from tests.factories import consulate

pytestmark = pytest.mark.django_db


def in_spanish(message: str) -> str:
    """The staff UI speaks Spanish by default."""
    with translation.override("es"):
        return gettext(message)


def _contact(name="Lupe Bóxer", email="") -> dict:
    return {
        **inline_management("emergency_contacts", total=1),
        "emergency_contacts-0-name": name,
        "emergency_contacts-0-relationship": "madre",
        "emergency_contacts-0-email": email,
    }


# --- adding a person -----------------------------------------------------------------------------


@pytest.mark.parametrize("with_contact", [False, True], ids=["alone", "with-emergency-contact"])
def test_invalid_curp_is_a_field_error_and_writes_nothing(client, world, with_contact):
    login_verified(client, world.officer_a)
    before = (Person.objects.count(), EmergencyContact.objects.count())
    data = person_post(curp="BOXW310820HNERXN08", **(_contact() if with_contact else {}))
    response = client.post(reverse("admin:cases_person_add"), data)
    assert response.status_code == 200
    assert "curp" in response.context["adminform"].form.errors
    assert (Person.objects.count(), EmergencyContact.objects.count()) == before


def test_an_emergency_contact_the_person_agreed_may_be_told_of_hearings_is_saved_so(client, world):
    login_verified(client, world.officer_a)
    data = person_post(
        curp="BOXW310820XNERXN03",
        sex="X",
        **_contact(name="Lupe Bóxer"),
        **{
            "emergency_contacts-0-phone": "214 555 0177",
            "emergency_contacts-0-hearing_reminders_consent": "on",
        },
    )
    response = client.post(reverse("admin:cases_person_add"), data)
    assert response.status_code == 302
    contact = Person.objects.with_curp("BOXW310820XNERXN03").get().emergency_contacts.get()
    assert (contact.name, contact.hearing_reminders_consent) == ("Lupe Bóxer", True)


def test_person_add_accepts_a_curp_with_x_for_a_non_binary_person(client, world):
    login_verified(client, world.officer_a)
    response = client.post(reverse("admin:cases_person_add"), person_post(curp="BOXW310820XNERXN03", sex="X"))
    assert response.status_code == 302
    assert Person.objects.with_curp("BOXW310820XNERXN03").get().sex == "X"


def test_person_add_refuses_a_curp_whose_sex_letter_disagrees(client, world):
    login_verified(client, world.officer_a)
    response = client.post(reverse("admin:cases_person_add"), person_post(curp="BOXW310820XNERXN03", sex="H"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["curp"]
    assert "X (no binario)" in errors["curp"][0]
    assert not Person.objects.with_curp("BOXW310820XNERXN03").exists()


def test_person_add_normalises_the_a_number_and_saves_the_contact(client, world):
    login_verified(client, world.officer_a)
    response = client.post(
        reverse("admin:cases_person_add"), person_post(a_number="A-98-765-432", **_contact())
    )
    assert response.status_code == 302
    person = Person.objects.with_curp("BOXW310820HNERXN09").get()
    assert person.a_number == "098765432"
    assert person.languages == ["español", "mixteco"]
    assert person.registered_by == consulate("dallas")
    assert list(person.emergency_contacts.values_list("name", flat=True)) == ["Lupe Bóxer"]


def test_person_with_an_invalid_contact_is_not_kept(client, world):
    login_verified(client, world.officer_a)
    before = Person.objects.count()
    response = client.post(reverse("admin:cases_person_add"), person_post(**_contact(email="no-es-correo")))
    assert response.status_code == 200
    assert not response.context["adminform"].form.errors  # the person alone was fine
    assert Person.objects.count() == before


def test_a_curp_of_another_consulates_person_is_withheld_for_review(client, world):
    """The other consulate's person is not confirmed to exist (issue 15): the person is saved without
    the CURP and a review is opened (tests/cases/admin/test_security_review_admin.py)."""
    login_verified(client, world.officer_a)
    typed = " ".join([world.person_b.curp[:9].lower(), world.person_b.curp[9:]])  # the blind index normalises
    response = client.post(reverse("admin:cases_person_add"), person_post(curp=typed, sex=world.person_b.sex))
    assert response.status_code == 302
    saved = Person.objects.get(given_names="Wendy", paternal_surname="Bóxer")
    assert saved.curp is None
    assert saved.identifier_reviews_as_attempted.get().existing_person == world.person_b


def test_duplicate_a_number_of_my_consulate_is_a_field_error(client, world):
    login_verified(client, world.officer_a)
    services.person_update(actor=world.officer_a, person=world.person_a, a_number="A-222-333-444")
    response = client.post(reverse("admin:cases_person_add"), person_post(a_number="222333444"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["a_number"] == [
        in_spanish("A person with this A-number is already registered in the network.")
    ]


def test_person_add_records_the_street_addresses(client, world):
    login_verified(client, world.officer_a)
    typed = {
        "us_address": "1518  Specimen Blvd, Apt 2\r\nIrving, TX  75061",
        "mexico_address": "Av. Ejemplo 7, Col. Ficticia\r\n\r\nIguala, Guerrero",
    }
    response = client.post(reverse("admin:cases_person_add"), person_post(**typed))
    assert response.status_code == 302
    person = Person.objects.with_curp("BOXW310820HNERXN09").get()
    assert person.us_address == "1518 Specimen Blvd, Apt 2\nIrving, TX 75061"
    assert person.mexico_address == "Av. Ejemplo 7, Col. Ficticia\nIguala, Guerrero"
    page = client.get(reverse("admin:cases_person_change", args=[person.pk])).content.decode()
    assert "1518 Specimen Blvd, Apt 2\nIrving, TX 75061</textarea>" in page
    with translation.override("es"):
        assert str(Person._meta.get_field("us_address").verbose_name) == "domicilio en Estados Unidos"
        assert str(Person._meta.get_field("mexico_address").verbose_name) == "domicilio en México"
    assert "Domicilio en Estados Unidos" in page  # the staff UI speaks Spanish
    assert "Domicilio en México" in page


# --- changing a person ---------------------------------------------------------------------------

PERSON_FIELDS = [
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "date_of_birth",
    "sex",
    "state_of_birth",
    "curp",
    "passport_number",
    "matricula_consular",
    "preferred_language",
    "phone",
    "email",
    "us_address",
    "mexico_address",
]


def _change_post(person: Person, contacts=(), **overrides) -> dict:
    """The person page as posted when nothing is touched, with its emergency contacts."""
    data = {name: getattr(person, name) or "" for name in PERSON_FIELDS}
    data.update({"a_number": person.a_number_display, "languages": ", ".join(person.languages)})
    data.update(inline_management("emergency_contacts", total=len(contacts), initial=len(contacts)))
    data.update(inline_management("aliases"))  # the "Other names" section, untouched
    for i, contact in enumerate(contacts):
        data.update(
            {
                f"emergency_contacts-{i}-id": contact.pk,
                f"emergency_contacts-{i}-person": person.pk,
                f"emergency_contacts-{i}-name": contact.name,
                f"emergency_contacts-{i}-relationship": contact.relationship,
            }
        )
    data.update(overrides)
    return data


def _saved_contact(world, name: str) -> EmergencyContact:
    contact = EmergencyContact(name=name, relationship="tía")
    return services.emergency_contact_save(actor=world.officer_a, person=world.person_a, contact=contact)


def test_contacts_are_added_changed_and_removed_on_the_person_page(client, world):
    person = world.person_a
    kept, dropped = _saved_contact(world, "Carmen"), _saved_contact(world, "Lucía")
    data = _change_post(person, contacts=[kept, dropped])
    data.update(inline_management("emergency_contacts", total=3, initial=2))
    data.update({"emergency_contacts-0-phone": "+52 951 555 0101", "emergency_contacts-1-DELETE": "on"})
    data.update({"emergency_contacts-2-person": person.pk, "emergency_contacts-2-name": "Pedro"})
    login_verified(client, world.officer_a)
    response = client.post(reverse("admin:cases_person_change", args=[person.pk]), data)
    assert response.status_code == 302
    contacts = {c.name: c.phone for c in EmergencyContact.objects.filter(person=person)}
    assert contacts == {"Carmen": "+52 951 555 0101", "Pedro": ""}


def _wrong_check_digit(curp: str) -> str:
    return curp[:-1] + str((int(curp[-1]) + 1) % 10)


def test_identifiers_are_checked_and_normalised_on_change(client, world):
    person = world.person_a
    url = reverse("admin:cases_person_change", args=[person.pk])
    login_verified(client, world.officer_a)
    response = client.post(
        url, _change_post(person, curp=_wrong_check_digit(person.curp), a_number="A 123 456 789")
    )
    assert response.status_code == 200
    assert "curp" in response.context["adminform"].form.errors
    assert Person.objects.get(pk=person.pk).a_number is None  # nothing of the refused page was kept
    response = client.post(url, _change_post(person, a_number="A 123 456 789"))
    assert response.status_code == 302
    assert Person.objects.get(pk=person.pk).a_number == "123456789"


def test_an_address_too_long_is_a_field_error_and_nothing_is_kept(client, world):
    person = world.person_a
    services.person_update(actor=world.officer_a, person=person, us_address="40 Demo Rd, Dallas")
    person.refresh_from_db()
    login_verified(client, world.officer_a)
    data = _change_post(person, us_address="40 Demo Rd " + "x" * 300, phone="+1 214 555 0111")
    response = client.post(reverse("admin:cases_person_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["us_address"] == [
        "Asegúrese de que este valor tenga menos de 300 caracteres (tiene 311)."
    ]
    kept = Person.objects.get(pk=person.pk)
    assert (kept.us_address, kept.phone) == ("40 Demo Rd, Dallas", person.phone)


def test_a_manager_cannot_change_a_person(client, world):
    login_verified(client, world.manager)
    person = world.person_a
    data = _change_post(person, given_names="Otra")
    assert client.post(reverse("admin:cases_person_change", args=[person.pk]), data).status_code == 403
    assert Person.objects.get(pk=person.pk).given_names == person.given_names


def test_a_page_shown_again_still_lists_the_persons_cases(client, world):
    person = world.person_a
    data = _change_post(person, given_names="Rosa María")
    data.update(inline_management("emergency_contacts", total=1))
    data.update({"emergency_contacts-0-person": person.pk, "emergency_contacts-0-name": "Pedro"})
    data["emergency_contacts-0-email"] = "no-es-correo"
    login_verified(client, world.officer_a)
    response = client.post(reverse("admin:cases_person_change", args=[person.pk]), data)
    assert response.status_code == 200
    assert world.case_a.reference in response.content.decode()
    assert Person.objects.get(pk=person.pk).given_names == "Rosa"
