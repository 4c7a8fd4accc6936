"""The inquiries' test world: Dallas and El Paso staff, a partner, a few inquiries; built once per module
and rolled back at its end (each test runs in a savepoint of it)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from intake.inquiries import services
from intake.models import Channel
from tests.factories import (
    administrator,
    auditor,
    consulate,
    make_case,
    make_person,
    manager,
    officer,
    partner_user,
    supervisor,
)
from tests.worlds import rolled_back

CALL = {
    "channel": Channel.PHONE,
    "caller_name": "Rosa Hernández Luna",
    "caller_relationship": "hermana",
    "caller_phone": "+1 214 555 0142",
    "sought_given_names": "José Luis",
    "sought_paternal_surname": "Hernández",
    "sought_maternal_surname": "Luna",
    "sought_date_of_birth": dt.date(1990, 4, 12),
    "sought_birthplace": "Morelia, Michoacán",
    "sought_a_number": "A-201-555-123",
    "arrest_place": "Houston",
    "details": "Lo detuvieron ayer saliendo del trabajo.",
}


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.dallas, w.el_paso = consulate("dallas"), consulate("el_paso")
    w.officer_a = officer("dallas", email="oa@example.org", first_name="Ana")
    w.officer_a2 = officer("dallas", email="oa2@example.org")
    w.supervisor_a = supervisor("dallas", email="sa@example.org")
    w.officer_b = officer("el_paso", email="ob@example.org")
    w.supervisor_b = supervisor("el_paso", email="sb@example.org")
    w.manager = manager()
    w.administrator = administrator()
    w.auditor = auditor()
    w.partner = partner_user()
    w.partner2 = partner_user()
    w.inquiry_a = services.inquiry_record(actor=w.officer_a, consulate=w.dallas, **CALL)
    w.inquiry_b = services.inquiry_record(
        actor=w.officer_b,
        consulate=w.el_paso,
        channel=Channel.WHATSAPP,
        sought_given_names="María",
        sought_paternal_surname="Rodríguez",
    )
    w.person_a = make_person(
        w.officer_a,
        given_names="José Luis",
        paternal_surname="Hernández",
        maternal_surname="Luna",
        date_of_birth=dt.date(1990, 4, 12),
    )
    w.case_a = make_case(w.officer_a, w.person_a)
    w.person_b = make_person(
        w.officer_b,
        given_names="José Luis",
        paternal_surname="Hernández",
        maternal_surname="Luna",
        date_of_birth=dt.date(1990, 4, 12),
    )
    w.now = timezone.now()
    return w


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_world()


@pytest.fixture
def world(module_world, db):
    for name in ("inquiry_a", "inquiry_b", "dallas", "el_paso"):
        getattr(module_world, name).refresh_from_db()
    return module_world
