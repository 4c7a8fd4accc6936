"""cases/api/family.py: a person's relationships (both sides, ETag/If-Match, removal with a reason), the
case's checklist, a partner's read only with a ``family`` consent, and the lists' query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.conditional import etag_for
from cases import services
from cases.models import FamilyRelationship
from tests import factories as f
from tests.api.conftest import csrf_client, token_client, url
from tests.factories.crossoffice import make_consent, make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    officer = f.officer("dallas")
    father = f.make_person(officer, given_names="Juan", paternal_surname="Pérez", sex="H")
    father_case = f.make_case(officer, person=father)
    child = f.make_person(officer, given_names="Luis", paternal_surname="Pérez", is_minor=True)
    child_case = f.make_case(officer, person=child)
    return officer, father, father_case, child, child_case


def test_record_read_from_both_sides_correct_and_remove(world):
    officer, father, father_case, child, child_case = world
    client = csrf_client(officer)
    created = client.post(
        url(f"persons/{father.pk}/relationships/"),
        {"relative": child.pk, "kind": "child", "relative_whereabouts": "state_care_us"},
        format="json",
        headers={"Idempotency-Key": "rel-1"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["relative"]["id"], body["relative_kind"], body["label"]) == (child.pk, "child", "hijo/a de")
    assert [c["reference"] for c in body["relative_cases"]] == [child_case.reference]
    from_child = client.get(url(f"cases/{child_case.pk}/relationships/")).json()
    assert [(r["relative"]["id"], r["relative_kind"], r["person_whereabouts"]) for r in from_child] == [
        (father.pk, "parent", "state_care_us")
    ]
    path = url(f"persons/{child.pk}/relationships/{body['id']}/")
    assert client.patch(path, {"relative_whereabouts": "mexico"}, format="json").status_code == 428
    relationship = FamilyRelationship.objects.get(pk=body["id"])
    etag = etag_for(relationship)
    changed = client.patch(
        path, {"relative_whereabouts": "mexico"}, format="json", headers={"If-Match": etag}
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["relative_whereabouts"] == "mexico"
    stale = client.delete(path, {"reason": "Error"}, format="json", headers={"If-Match": etag})
    assert stale.status_code == 412
    refused = client.delete(path, {"reason": ""}, format="json", headers={"If-Match": changed["ETag"]})
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    removed = client.delete(
        path, {"reason": "Registrado por error"}, format="json", headers={"If-Match": changed["ETag"]}
    )
    assert removed.status_code == 204
    assert client.get(url(f"persons/{father.pk}/relationships/")).json() == []


def test_another_consulate_sees_neither_the_list_nor_the_relationship(world):
    officer, father, _father_case, child, _child_case = world
    services.relationship_add(actor=officer, person=father, relative=child, kind="child")
    houston = csrf_client(f.officer("houston"))
    assert houston.get(url(f"persons/{father.pk}/relationships/")).status_code == 404
    mine = f.make_person(f.officer("houston"))
    refused = houston.post(
        url(f"persons/{mine.pk}/relationships/"), {"relative": child.pk, "kind": "sibling"}, format="json"
    )
    assert refused.status_code == 400
    assert "relative" in refused.json()["errors"]


def test_a_partner_reads_relationships_only_when_the_consent_covers_the_family(world):
    officer, father, father_case, child, _child_case = world
    services.relationship_add(actor=officer, person=father, relative=child, kind="child")
    partner_user = f.partner_user()
    partner = partner_user.partner_membership.partner
    make_consent(officer, father_case, partner, scope=["identity", "custody"])
    referral = make_referral(officer, father_case, partner)
    client, _token = token_client(partner_user)
    path = url(f"partner/referrals/{referral.pk}/relationships/")
    assert client.get(path).status_code == 404
    timeline = client.get(url(f"partner/referrals/{referral.pk}/timeline/"), {"limit": 100}).json()["results"]
    assert "relationship_added" not in {entry["kind"] for entry in timeline}
    services.consent_withdraw(actor=officer, consent=referral.consent, note="Amplía")
    referral = make_referral(officer, father_case, partner)  # a new full consent, family included
    answer = client.get(url(f"partner/referrals/{referral.pk}/relationships/"))
    assert answer.status_code == 200
    assert [(r["relative_name"], r["relative_kind"]) for r in answer.json()] == [
        ("Luis Pérez López", "child")
    ]


def _count(client, path: str) -> tuple[int, int]:
    client.get(path)
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(context.captured_queries), len(response.json())


def test_the_lists_run_the_same_queries_for_2_and_for_12_rows():
    officer = f.officer("dallas")
    person = f.make_person(officer, paternal_surname="Ortega")
    case = f.make_case(officer, person=person)
    partner_user = f.partner_user()
    referral = make_referral(officer, case, partner_user.partner_membership.partner)
    staff, (partner, _token) = csrf_client(officer), token_client(partner_user)
    paths = {
        "person": (staff, url(f"persons/{person.pk}/relationships/")),
        "case": (staff, url(f"cases/{case.pk}/relationships/")),
        "checklist": (staff, url(f"cases/{case.pk}/family-checklist/")),
        "partner": (partner, url(f"partner/referrals/{referral.pk}/relationships/")),
    }

    def grow(count: int) -> None:
        for i in range(count):
            relative = f.make_person(officer, given_names=f"Pariente {i}")
            f.make_case(officer, person=relative)
            services.relationship_add(actor=officer, person=person, relative=relative, kind="sibling")
            services.checklist_item_add(actor=officer, case=case, kind="documents", document="passport")

    grow(2)
    few = {name: _count(*where) for name, where in paths.items()}
    grow(10)
    many = {name: _count(*where) for name, where in paths.items()}
    assert {name: rows for name, (_q, rows) in few.items()} == dict.fromkeys(paths, 2)
    assert {name: rows for name, (_q, rows) in many.items()} == dict.fromkeys(paths, 12)
    assert {name: q for name, (q, _rows) in few.items()} == {name: q for name, (q, _rows) in many.items()}
