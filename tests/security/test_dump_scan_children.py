"""A dump of the database holds no child's identifier in clear in the children's tables (the agency's case,
its requests, the assessments) and their audit history: the caseworker's and the advocate's phones are
encrypted, and no row repeats the child's CURP, A-number or phone. The agency's name is in clear, which
proves the scan reads the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cases import services
from consulates.models import Partner
from tests import factories as f
from tests.security.test_dump_scan import _network, _reload_network_after_flush, dumped_tables, pg_dump

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_network", "_reload_network_after_flush"]


def test_the_childrens_tables_hold_no_identifier_or_phone_in_clear():
    officer = f.officer("dallas")
    a_number = f.make_a_number()
    person = f.make_person(
        officer,
        a_number=a_number,
        phone="+1 214 555 0177",
        date_of_birth=timezone.localdate() - dt.timedelta(days=3900),
    )
    case = f.make_case(officer, person=person)
    agency = Partner.objects.get(kind="child_welfare", state="TX")
    services.child_welfare_record(
        actor=officer,
        case=case,
        agency=agency,
        caseworker_name="Laura Benavides",
        caseworker_phone="+1 972 555 0133",
        advocate_kind="casa",
        advocate_phone="+1 469 555 0144",
    )
    services.agency_request_add(actor=officer, case=case, kind="locate_family", due_date=timezone.localdate())
    services.child_assess(actor=officer, case=case, situation="unaccompanied", age_basis="document")
    digits = "".join(c for c in a_number if c.isdigit())
    secrets = {
        person.curp,
        a_number,
        digits,
        "+1 214 555 0177",
        "2145550177",
        "+1 972 555 0133",
        "9725550133",
        "+1 469 555 0144",
        "4695550144",
    }

    dump = pg_dump()
    assert {
        "public.cases_childwelfarecase",
        "public.cases_childwelfarehistory",
        "public.cases_agencyrequest",
        "public.cases_agencyrequesthistory",
        "public.cases_childassessment",
        "public.cases_childassessmenthistory",
    } <= dumped_tables()
    assert "Texas Department of Family and Protective Services" in dump
    assert sorted(value for value in secrets if value and value in dump) == []
