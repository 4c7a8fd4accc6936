"""A dump of the database holds no person's identifier in clear in the custody and locate histories
(and their audit history): those rows name a facility, dates and the officer, never the person's CURP,
A-number or phone. The facility's name is in clear, which proves the scan reads the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from consulates.models import DetentionFacility
from tests import factories as f
from tests.security.test_dump_scan import _network, _reload_network_after_flush, dumped_tables, pg_dump

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_network", "_reload_network_after_flush"]


def test_the_custody_histories_hold_no_identifier_in_clear():
    officer = f.officer("dallas")
    a_number = f.make_a_number()
    person = f.make_person(officer, a_number=a_number, phone="+1 214 555 0123")
    prairieland = DetentionFacility.objects.get(name="Prairieland Detention Center")
    el_paso = DetentionFacility.objects.get(name="El Paso Service Processing Center")
    case = f.make_case(
        officer,
        person=person,
        facility=prairieland,
        detained_since=timezone.localdate() - dt.timedelta(days=9),
    )
    services.custody_move(
        actor=officer, case=case, facility=el_paso, since=timezone.localdate(), source="ice_locator"
    )
    services.locate_attempt_record(
        actor=officer,
        case=case,
        where="ice_locator",
        result="found",
        facility=el_paso,
        searched_for="Número A",
    )
    digits = "".join(c for c in a_number if c.isdigit())
    secrets = {person.curp, a_number, digits, "+1 214 555 0123", "2145550123"}

    dump = pg_dump()
    assert {
        "public.cases_custodyepisode",
        "public.cases_custodyepisodehistory",
        "public.cases_caselocateattempt",
    } <= (dumped_tables())
    assert "El Paso Service Processing Center" in dump
    assert sorted(value for value in secrets if value and value in dump) == []
