"""The case page's child panel: shown on a child's case only; an officer records the agency's case, a
request (a task due on its date) and an assessment whose questions are the form's; refusals land on the
form in Spanish; a manager reads the panel without its forms; the closure rule is said on the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import AgencyRequest, ChildAssessment, ChildWelfareCase, Task
from consulates.models import Partner
from tests import factories as f
from tests.auth import login_verified

pytestmark = pytest.mark.django_db

CHILD_BORN = timezone.localdate() - dt.timedelta(days=365 * 9)


def _post(client, name, args, prefix, data):
    return client.post(reverse(f"workspace:{name}", args=args), {f"{prefix}-{k}": v for k, v in data.items()})


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def child_case(officer):
    return f.make_case(officer, person=f.make_person(officer, date_of_birth=CHILD_BORN))


def test_an_officer_records_the_agency_case_a_request_and_an_assessment(client, officer, child_case):
    login_verified(client, officer)
    page = client.get(reverse("workspace:case", args=[child_case.pk]))
    assert 'id="children"' in page.content.decode()
    assert "solo una supervisora o un supervisor" in page.content.decode().lower() or "supervis" in (
        page.content.decode()
    )
    dfps = Partner.objects.get(kind="child_welfare", state="TX")
    answer = _post(
        client,
        "case_child_welfare",
        [child_case.pk],
        "welfare",
        {"agency": dfps.pk, "agency_case_number": "DFPS-1", "caseworker_name": "Laura Benavides"},
    )
    assert answer.status_code == 302
    assert ChildWelfareCase.objects.get(case=child_case).caseworker_name == "Laura Benavides"
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    answer = _post(
        client,
        "case_agency_request_add",
        [child_case.pk],
        "agency-request",
        {"kind": "locate_family", "due_date": due},
    )
    assert answer.status_code == 302
    request = AgencyRequest.objects.get(case=child_case)
    assert Task.objects.get(pk=request.task_id).due_date.isoformat() == due
    answer = _post(
        client,
        "case_child_assess",
        [child_case.pk],
        "assessment",
        {
            "situation": "unaccompanied",
            "age_basis": "document",
            "victim_of_trafficking": "no",
            "at_risk_of_trafficking": "no",
            "fears_return": "yes",
            "can_decide_alone": "no",
            "guardian_name": "Rosa Martínez",
            "guardian_relationship": "abuela",
            "guardian_check": "dif",
            "dif_office_text": "DIF Coahuila",
        },
    )
    assert answer.status_code == 302
    assert ChildAssessment.objects.get(case=child_case).complete
    page = client.get(reverse("workspace:case", args=[child_case.pk])).content.decode()
    assert "¿Teme volver a México" in page or "fear returning" in page
    assert "Laura Benavides" in page


def test_a_refusal_lands_on_the_form_in_spanish(client, officer, child_case):
    login_verified(client, officer)
    answer = _post(
        client, "case_child_assess", [child_case.pk], "assessment", {"situation": "", "age_basis": ""}
    )
    assert answer.status_code == 400
    assert "Indique si la niña o el niño" in answer.content.decode()


def test_no_panel_on_an_adults_case_and_a_manager_reads_without_forms(client, officer, child_case):
    adult = f.make_case(officer, person=f.make_person(officer, date_of_birth=dt.date(1985, 3, 3)))
    login_verified(client, officer)
    assert 'id="children"' not in client.get(reverse("workspace:case", args=[adult.pk])).content.decode()
    client.logout()
    login_verified(client, f.manager())
    page = client.get(reverse("workspace:case", args=[child_case.pk])).content.decode()
    assert 'id="children"' in page
    assert 'id="assessment-form"' not in page


def test_another_consulates_officer_gets_404_and_nothing_is_saved(client, child_case):
    login_verified(client, f.officer("houston"))
    answer = _post(
        client,
        "case_child_assess",
        [child_case.pk],
        "assessment",
        {"situation": "separated", "age_basis": "document"},
    )
    assert answer.status_code == 404
    assert not ChildAssessment.objects.filter(case=child_case).exists()
