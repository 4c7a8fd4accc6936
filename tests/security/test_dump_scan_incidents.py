"""A dump of the database holds no critical incident's description or closing note in clear (they are
encrypted, in the incident's history too), nor a person's identifier in the incidents, the notifications,
the outbox rows that told the supervisors, or their histories. The place's name is in clear, which
proves the scan reads the rows (the place, in clear: a public place, not the person's data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from tests import factories as f
from tests.security.test_dump_scan import _network, _reload_network_after_flush, dumped_tables, pg_dump

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_network", "_reload_network_after_flush"]

DESCRIPTION = "Golpeado por otro detenido en el patio; traslado urgente en ambulancia"
NOTE = "La familia recibió el informe forense; el abogado presentó la queja ante la OIG"


def test_the_incidents_and_their_notifications_hold_no_secret_in_clear():
    officer, chief = f.officer("dallas"), f.supervisor("dallas")
    f.manager()
    a_number = f.make_a_number()
    person = f.make_person(officer, a_number=a_number, phone="+1 214 555 0177")
    case = f.make_case(officer, person=person)
    incident = services.incident_record(
        actor=officer,
        case=case,
        kind="serious_injury",
        occurred_at=timezone.now() - dt.timedelta(hours=6),
        place="John Peter Smith Hospital, Fort Worth",
        source="family",
        description=DESCRIPTION,
    )
    services.incident_close(actor=chief, incident=incident, note=NOTE)
    digits = "".join(c for c in a_number if c.isdigit())
    secrets = {DESCRIPTION, NOTE, person.curp, a_number, digits, "+1 214 555 0177"}

    dump = pg_dump()
    assert {
        "public.cases_criticalincident",
        "public.cases_criticalincidenthistory",
        "public.cases_notification",
        "public.cases_notificationhistory",
    } <= dumped_tables()
    assert "John Peter Smith Hospital, Fort Worth" in dump  # the incident's row was read
    assert sorted(value for value in secrets if value and value in dump) == []
