"""The hand-over in the staff API: the case detail reads it, ``POST cases/{id}/handover/`` records it (the
case closes as transferred out, the export is access-logged), ``handover-receipt/`` its receipt; the
reference ``consular-posts/`` lists the 53 posts. Refusals name the field at fault."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import AccessLog, Handover
from cases.models.access import AccessAction
from cases.models.case import Outcome, Status
from consulates.models import ConsularPost
from tests import factories as f
from tests.api.conftest import csrf_client, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervisor():
    return f.supervisor("dallas")


@pytest.fixture
def case(supervisor):
    return f.make_case(f.officer("dallas"))


def post(client, path, data):
    return client.post(url(path), data, format="json")


def test_record_read_and_acknowledge(supervisor, case):
    client = csrf_client(supervisor)
    atlanta = ConsularPost.objects.get(city="Atlanta")
    response = post(
        client, f"cases/{case.pk}/handover/", {"post": atlanta.pk, "reason": "released", "method": "letter"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["post"], body["post_name"], body["reason"], body["method"]) == (
        atlanta.pk,
        atlanta.name,
        "released",
        "letter",
    )
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Status.CLOSED, Outcome.TRANSFERRED_OUT)
    assert AccessLog.objects.filter(action=AccessAction.HANDOVER_EXPORT, case_id=case.pk).count() == 1
    detail = client.get(url(f"cases/{case.pk}/")).json()
    assert detail["outcome"] == "transferred_out"
    assert [h["id"] for h in detail["handovers"]] == [body["id"]]
    assert detail["handovers"][0]["acknowledged_at"] is None
    receipt = post(
        client,
        f"cases/{case.pk}/handover-receipt/",
        {"handover": body["id"], "acknowledged_by_name": "Lic. Ana Ruiz"},
    )
    assert receipt.status_code == 200, receipt.json()
    assert receipt.json()["acknowledged_by_name"] == "Lic. Ana Ruiz"


def test_an_in_network_post_is_refused_on_its_field(supervisor, case):
    client = csrf_client(supervisor)
    houston = ConsularPost.objects.get(city="Houston")
    response = post(
        client, f"cases/{case.pk}/handover/", {"post": houston.pk, "reason": "moved", "method": "email"}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"post"}
    assert not Handover.objects.exists()


def test_an_officer_is_refused(case):
    client = csrf_client(f.officer("dallas"))
    atlanta = ConsularPost.objects.get(city="Atlanta")
    response = post(
        client, f"cases/{case.pk}/handover/", {"post": atlanta.pk, "reason": "moved", "method": "email"}
    )
    assert response.status_code == 403
    assert not Handover.objects.exists()


def test_the_case_detail_reads_its_hand_overs_in_a_fixed_number_of_queries(supervisor):
    client = csrf_client(supervisor)
    posts = list(ConsularPost.objects.outside_network().order_by("pk")[:3])

    def detail_queries(case) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(f"cases/{case.pk}/")).status_code == 200
        return len(queries)

    one = f.make_case(supervisor)
    post(client, f"cases/{one.pk}/handover/", {"post": posts[0].pk, "reason": "moved", "method": "email"})
    several = f.make_case(supervisor)
    for i, target in enumerate(posts):
        post(
            client, f"cases/{several.pk}/handover/", {"post": target.pk, "reason": "moved", "method": "email"}
        )
        if i < len(posts) - 1:
            several.refresh_from_db()
            client.post(url(f"cases/{several.pk}/reopen/"), {"reason": "Volvió"}, format="json")
    assert len(client.get(url(f"cases/{several.pk}/")).json()["handovers"]) == 3
    assert detail_queries(one) == detail_queries(several)


def test_the_reference_lists_the_posts_and_filters_those_outside_the_network(supervisor):
    client = csrf_client(supervisor)
    response = client.get(url("consular-posts/"), {"in_network": "false", "limit": 100})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 40
    assert {row["kind"] for row in rows} >= {"", "consulate general"}
