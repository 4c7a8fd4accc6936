"""/cases/{case}/child-welfare/, agency-requests/ and child-assessments/: recorded and read back, the stale
edit refused (412), an adult's case refused (409 not_a_child), the closure as repatriated before the DIF's
confirmation refused with its stable code (409 child_reception_unconfirmed), the assessment read with its
version's questions, and each list's queries fixed whatever its rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.conditional import etag_for
from cases import services
from cases.models import AgencyRequest, ChildWelfareCase
from consulates.models import Partner, ReceptionPoint
from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def officer():
    return f.officer("dallas")


@pytest.fixture
def child_case(officer):
    return f.make_case(officer, person=f.make_person(officer, date_of_birth=TODAY - dt.timedelta(days=4000)))


@pytest.fixture
def dfps():
    return Partner.objects.get(kind="child_welfare", state="TX")


def test_the_agency_case_and_a_request_through_the_api(officer, child_case, dfps):
    client = csrf_client(officer)
    base = url(f"cases/{child_case.pk}/")
    answer = client.post(
        base + "child-welfare/",
        {"agency": dfps.pk, "agency_case_number": "DFPS-77", "caseworker_name": "Laura Benavides"},
        format="json",
        headers={"Idempotency-Key": "cw-1"},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["agency_name"].startswith("Texas Department of Family and Protective Services")
    record = ChildWelfareCase.objects.get(case=child_case)
    stale = client.patch(
        base + f"child-welfare/{record.pk}/",
        {"notes": "x"},
        format="json",
        headers={"If-Match": f'"childwelfarecase-{record.pk}-0"'},
    )
    assert stale.status_code == 412
    fresh = client.patch(
        base + f"child-welfare/{record.pk}/",
        {"notes": "Audiencia el 3 de marzo"},
        format="json",
        headers={"If-Match": etag_for(record)},
    )
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 2
    due = (TODAY + dt.timedelta(days=5)).isoformat()
    answer = client.post(
        base + "agency-requests/",
        {"kind": "home_study", "due_date": due},
        format="json",
        headers={"Idempotency-Key": "ar-1"},
    )
    assert answer.status_code == 201
    assert answer.json()["task"] is not None
    request = AgencyRequest.objects.get(pk=answer.json()["id"])
    done = client.patch(
        base + f"agency-requests/{request.pk}/",
        {"status": "declined"},
        format="json",
        headers={"If-Match": etag_for(request)},
    )
    assert done.status_code == 400
    assert set(done.json()["errors"]) == {"resolution"}


def test_an_adults_case_is_refused_with_a_stable_code(officer, dfps):
    adult = f.make_case(officer)
    answer = csrf_client(officer).post(
        url(f"cases/{adult.pk}/child-welfare/"),
        {"agency": dfps.pk},
        format="json",
        headers={"Idempotency-Key": "a"},
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "not_a_child")


def test_the_assessment_is_read_with_its_questions(officer, child_case):
    client = csrf_client(officer)
    answer = client.post(
        url(f"cases/{child_case.pk}/child-assessments/"),
        {"situation": "unaccompanied", "age_basis": "statement", "fears_return": "yes"},
        format="json",
        headers={"Idempotency-Key": "as-1", "Accept-Language": "es"},
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["form_version"] == "2026-1"
    assert body["complete"] is False
    fears = next(q for q in body["questions"] if q["field"] == "fears_return")
    assert fears["question"].startswith("¿")
    assert fears["answer"] == "Sí"


def test_closing_a_child_as_repatriated_before_the_dif_confirms_answers_409(officer, child_case):
    point = ReceptionPoint.objects.filter(receivers__contains=["dif"], offered=True).first()
    services.case_update(actor=officer, case=child_case, expected_removal_date=TODAY, reception_point=point)
    services.handoff_prepare(actor=officer, case=child_case, warnings_reason="Con su abuela")
    child_case.refresh_from_db()
    answer = csrf_client(officer).post(
        url(f"cases/{child_case.pk}/request-closure/"),
        {"outcome": "repatriated"},
        format="json",
        headers={"If-Match": etag_for(child_case), "Accept-Language": "es"},
    )
    assert answer.status_code == 409, answer.content
    assert answer.json()["code"] == "child_reception_unconfirmed"
    assert "DIF" in answer.json()["detail"]


def _queries(client, path):
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(path)
    assert answer.status_code == 200
    return len(queries), len(answer.json()["results"])


def test_the_lists_run_the_same_queries_whatever_their_rows(officer, child_case, dfps):
    client = csrf_client(officer)
    paths = {
        name: url(f"cases/{child_case.pk}/{name}/")
        for name in ("child-welfare", "agency-requests", "child-assessments")
    }
    empty = {name: _queries(client, path) for name, path in paths.items()}
    services.child_welfare_record(actor=officer, case=child_case, agency=dfps)
    few = {}
    for n in range(2):
        services.agency_request_add(actor=officer, case=child_case, kind="other", description=f"Pedido {n}")
        services.child_assess(actor=officer, case=child_case, situation="separated", age_basis="document")
    few = {name: _queries(client, path) for name, path in paths.items()}
    for n in range(8):
        services.agency_request_add(actor=officer, case=child_case, kind="other", description=f"Más {n}")
        services.child_assess(actor=officer, case=child_case, situation="separated", age_basis="document")
    many = {name: _queries(client, path) for name, path in paths.items()}
    assert [many[n][1] for n in ("agency-requests", "child-assessments")] == [10, 10]
    assert (empty["child-welfare"][1], few["child-welfare"][1]) == (0, 1)
    assert {name: few[name][0] for name in paths} == {name: many[name][0] for name in paths}
    assert few["child-welfare"][0] == empty["child-welfare"][0]
