"""``case_open`` takes a person the consulate registered or already works, never one it only reads
because another consulate offered it a case by a pending transfer (issue 15, item 9)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from cases import services
from cases.models import Case, Person
from tests import factories as f
from tests.dbchecks import error_fields
from tests.factories.crossoffice import make_transfer

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same user without the per-object access cache."""
    return type(user).objects.get(pk=user.pk)


def sees_person(user, person) -> bool:
    return Person.objects.visible_to(fresh(user)).filter(pk=person.pk).exists()


@pytest.fixture
def el_paso_officer():
    return f.officer("el_paso")


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def offered(el_paso_officer):
    """An El Paso case offered to Dallas by a pending transfer."""
    case = f.make_case(el_paso_officer)
    return make_transfer(el_paso_officer, case, "dallas")


def test_an_offered_person_gets_no_case_at_the_receiving_consulate(el_paso_officer, dallas_officer, offered):
    person = offered.case.person
    assert sees_person(dallas_officer, person)  # read while Dallas decides on the transfer
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.case_open(
            actor=dallas_officer, person=person, consulate=f.consulate("dallas"), category="civil"
        )
    assert error_fields(refused.value) == {"person"}
    assert refused.value.message_dict["person"] == [
        "Choose a person registered by your consulate or with a case of your consulate."
    ]
    assert not Case.objects.filter(person=person, consulate=f.consulate("dallas")).exists()

    services.transfer_cancel(actor=el_paso_officer, transfer=offered)
    assert not sees_person(dallas_officer, person)


def test_a_supervisor_of_the_receiving_consulate_is_refused_too(offered):
    with pytest.raises(ValidationError):
        services.case_open(
            actor=f.supervisor("dallas"),
            person=offered.case.person,
            consulate=f.consulate("dallas"),
            category="civil",
        )


def test_a_person_the_consulate_registered_or_works_gets_a_case(dallas_officer, el_paso_officer):
    own = f.make_person(dallas_officer)
    assert services.case_open(actor=dallas_officer, person=own, consulate=own.registered_by, category="civil")
    # El Paso's person whose case Dallas took over: Dallas works the person now.
    case = f.make_case(el_paso_officer)
    transfer = make_transfer(el_paso_officer, case, "dallas")
    services.transfer_accept(actor=f.supervisor("dallas"), transfer=transfer)
    again = services.case_open(
        actor=dallas_officer, person=case.person, consulate=f.consulate("dallas"), category="penal"
    )
    assert again.consulate == f.consulate("dallas")


def test_an_administrator_opens_a_case_for_any_person_at_any_consulate(offered):
    case = services.case_open(
        actor=f.administrator(), person=offered.case.person, consulate=f.consulate("dallas"), category="civil"
    )
    assert case.consulate == f.consulate("dallas")
