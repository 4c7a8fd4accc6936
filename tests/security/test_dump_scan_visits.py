"""A dump of the database holds none of a visit's findings or needs, nor a formal request's details or
answer, in clear (decision 0026): those are about a person and are encrypted at rest, in the tables and
in their audit history. The facility's name and the checklist's note are in clear, which proves the scan
reads the rows."""

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

FINDINGS = "Refiere golpes en el brazo izquierdo durante el traslado"
NEEDS = "Requiere insulina diaria y no se la han dado"
DETAILS = "Solicitamos el expediente médico completo del señor detenido"
RESPONSE = "Se remite expediente médico con diagnóstico de diabetes tipo dos"


def test_the_visit_and_request_tables_hold_no_finding_in_clear():
    officer = f.officer("dallas")
    prairieland = DetentionFacility.objects.get(name="Prairieland Detention Center")
    a_number = f.make_a_number()
    person = f.make_person(officer, a_number=a_number)
    case = f.make_case(
        officer,
        person=person,
        facility=prairieland,
        detained_since=timezone.localdate() - dt.timedelta(days=3),
    )
    visit = services.visit_plan(actor=officer, facility=prairieland, planned_for=timezone.localdate())
    rows = [{"case_id": case.pk, "seen": True, "findings": FINDINGS, "need": "medical", "needs": NEEDS}]
    services.visit_interviews_record(actor=officer, visit=visit, rows=rows)
    services.visit_checklist_record(
        actor=officer,
        visit=visit,
        answers={"phones": {"answer": "problem", "note": "Teléfonos descompuestos"}},
    )
    request = services.request_create(
        actor=officer,
        authority_kind="facility",
        authority_name="Prairieland Detention Center",
        kind="medical_records",
        case=case,
        facility=prairieland,
        details=DETAILS,
        sent_on=timezone.localdate(),
    )
    services.request_answer(
        actor=officer, request=request, answered_on=timezone.localdate(), response=RESPONSE
    )

    dump = pg_dump()
    assert {
        "public.cases_facilityvisit",
        "public.cases_visitinterview",
        "public.cases_visitinterviewhistory",
        "public.cases_checklistitemanswer",
        "public.cases_formalrequest",
        "public.cases_formalrequesthistory",
    } <= dumped_tables()
    assert "Teléfonos descompuestos" in dump or "Tel\\u00e9fonos descompuestos" in dump
    secrets = {FINDINGS, NEEDS, DETAILS, RESPONSE, person.curp, a_number}
    assert sorted(value for value in secrets if value and value in dump) == []
