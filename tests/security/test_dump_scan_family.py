"""A dump of the database holds none of the families' free text in clear: the relationship's notes and the
reason it was removed, the caregiver's name and contact and the checklist's notes are encrypted, in the
rows and in their audit history. The kind of relationship is in clear, which proves the scan reads them."""

from __future__ import annotations

import pytest

from cases import services
from tests import factories as f
from tests.security.test_dump_scan import _network, _reload_network_after_flush, dumped_tables, pg_dump

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["_network", "_reload_network_after_flush"]


def test_the_family_tables_hold_no_free_text_in_clear():
    officer = f.officer("dallas")
    father = f.make_person(officer)
    case = f.make_case(officer, person=father)
    child = f.make_person(officer, is_minor=True)
    relationship = services.relationship_add(
        actor=officer, person=father, relative=child, kind="child", notes="Vive con la tía Zenaida Quiroz"
    )
    services.relationship_end(
        actor=officer, relationship=relationship, reason="Zenaida Quiroz avisó del error"
    )
    services.checklist_item_add(
        actor=officer,
        case=case,
        kind="caregiver",
        caregiver_name="Zenaida Quiroz Ybarra",
        caregiver_contact="+1 214 555 0177",
        note="Zenaida firmará la carta",
    )
    secrets = {"Zenaida", "Quiroz", "+1 214 555 0177", "2145550177"}

    dump = pg_dump()
    assert {
        "public.cases_familyrelationship",
        "public.cases_familyrelationshiphistory",
        "public.cases_familychecklistitem",
        "public.cases_familychecklistitemhistory",
    } <= dumped_tables()
    assert "caregiver" in dump
    assert sorted(value for value in secrets if value in dump) == []
