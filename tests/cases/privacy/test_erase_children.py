"""Erasing a child's data: the assessment (append-only for everyone else) loses its free text, the agency's
case its numbers and phones, in the rows and their history; what was asked and found stays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.utils import timezone

from cases import services
from cases.models import ChildAssessment, ChildWelfareCase
from cases.services import privacy
from consulates.models import Partner
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_erasure_clears_the_childs_assessment_and_agency_case(admin_user):
    officer = f.officer("dallas")
    person = f.make_person(officer, date_of_birth=timezone.localdate() - dt.timedelta(days=4000))
    case = f.make_case(officer, person=person)
    dfps = Partner.objects.get(kind="child_welfare", state="TX")
    services.child_welfare_record(
        actor=officer,
        case=case,
        agency=dfps,
        court_cause_number="DF-26-4411",
        caseworker_phone="+1 214 555 0101",
    )
    services.child_assess(
        actor=officer,
        case=case,
        situation="separated",
        age_basis="document",
        guardian_name="Rosa Elena Ortiz",
    )
    services.case_close_request(actor=f.supervisor("dallas"), case=case, outcome="released")
    privacy.person_erase(actor=f.administrator(), person=case.person, reason="Solicitud de la familia")
    assessment = ChildAssessment.objects.get(case=case)
    assert (assessment.guardian_name, assessment.situation) == ("", "separated")
    welfare = ChildWelfareCase.objects.get(case=case)
    assert (welfare.court_cause_number, welfare.caseworker_phone, welfare.agency_id) == ("", "", dfps.pk)
    history = apps.get_model("cases", "ChildAssessmentHistory").objects.filter(pgh_obj_id=assessment.pk)
    assert set(history.values_list("guardian_name", flat=True)) == {""}
    history = apps.get_model("cases", "ChildWelfareHistory").objects.filter(pgh_obj_id=welfare.pk)
    assert set(history.values_list("court_cause_number", flat=True)) == {""}
