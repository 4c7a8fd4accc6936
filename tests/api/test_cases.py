"""cases/api/cases.py: the case list (filters, search, ordering, paging), open, retrieve, patch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from api.pagination import MAX_PAGE_SIZE
from cases import services
from cases.models import Case, CaseEvent
from cases.models.case import Status
from cases.models.work import EventKind
from consulates.models import DetentionFacility
from tests import factories as f
from tests.api.conftest import url

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def facility(name: str) -> DetentionFacility:
    return DetentionFacility.objects.get(name=name)


def etag(client, case) -> str:
    return client.get(url(f"cases/{case.pk}/"))["ETag"]


# --- list and filters -----------------------------------------------------------------------------


def test_list_shows_only_my_consulates_cases(api_officer, api_officer_client):
    mine = f.make_case(api_officer)
    f.make_case(f.officer("houston"))
    assert ids(api_officer_client.get(url("cases/"))) == [mine.pk]


def test_manager_sees_the_network_and_filters_by_consulate(api_officer, api_manager_client):
    dallas = f.make_case(api_officer)
    houston = f.make_case(f.officer("houston"))
    assert set(ids(api_manager_client.get(url("cases/")))) >= {dallas.pk, houston.pk}
    assert ids(api_manager_client.get(url("cases/"), {"consulate": houston.consulate_id})) == [houston.pk]


def test_filter_by_status(api_officer, api_officer_client):
    new = f.make_case(api_officer)
    closed = f.make_case(api_officer)
    services.case_close_request(actor=api_officer, case=closed, outcome="resolved")
    assert ids(api_officer_client.get(url("cases/"), {"status": "closed"})) == [closed.pk]
    assert ids(api_officer_client.get(url("cases/"), {"status": "open"})) == [new.pk]
    both = ids(api_officer_client.get(url("cases/"), {"status": ["open", "closed"]}))
    assert sorted(both) == sorted([new.pk, closed.pk])


def test_filter_by_category_and_priority(api_officer, api_officer_client):
    penal = f.make_case(api_officer, category="penal", priority="high")
    f.make_case(api_officer, priority="high")
    f.make_case(api_officer, category="penal", priority="low")
    response = api_officer_client.get(url("cases/"), {"category": "penal", "priority": "high"})
    assert ids(response) == [penal.pk]


def test_filter_by_assignee(api_officer, api_officer_client):
    colleague = f.officer("dallas")
    mine = f.make_case(api_officer)
    services.case_assign(actor=api_officer, case=mine, assignee=api_officer)
    theirs = f.make_case(api_officer)
    services.case_assign(actor=api_officer, case=theirs, assignee=colleague)
    nobody = f.make_case(api_officer)
    assert ids(api_officer_client.get(url("cases/"), {"assigned_to": "me"})) == [mine.pk]
    assert ids(api_officer_client.get(url("cases/"), {"assigned_to": colleague.pk})) == [theirs.pk]
    assert ids(api_officer_client.get(url("cases/"), {"assigned_to": "none"})) == [nobody.pk]


def test_filter_by_an_invalid_assignee_is_400(api_officer_client):
    response = api_officer_client.get(url("cases/"), {"assigned_to": "someone"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"assigned_to"}


def test_filter_by_custody_and_facility(api_officer, api_officer_client):
    prairieland = facility("Prairieland Detention Center")
    detained = f.make_case(api_officer, facility=prairieland, detained_since=dt.date(2025, 1, 2))
    released = f.make_case(api_officer, facility=prairieland, detained_since=dt.date(2025, 1, 2))
    services.case_update(actor=api_officer, case=released, released_on=dt.date(2025, 2, 1))
    free = f.make_case(api_officer)
    assert ids(api_officer_client.get(url("cases/"), {"in_custody": "true"})) == [detained.pk]
    assert sorted(ids(api_officer_client.get(url("cases/"), {"in_custody": "false"}))) == sorted(
        [released.pk, free.pk]
    )
    by_facility = ids(api_officer_client.get(url("cases/"), {"facility": prairieland.pk}))
    assert sorted(by_facility) == sorted([detained.pk, released.pk])


def test_filter_by_hearing_date_range(api_officer, api_officer_client):
    soon, later, none = (f.make_case(api_officer) for _ in range(3))
    now = timezone.now()
    for case, days in ((soon, 3), (later, 30)):
        services.hearing_schedule(
            actor=api_officer,
            case=case,
            kind="master_calendar",
            starts_at=now + dt.timedelta(days=days),
            location="Dallas Immigration Court",
        )
    week = {"hearing_from": now.isoformat(), "hearing_to": (now + dt.timedelta(days=7)).isoformat()}
    assert ids(api_officer_client.get(url("cases/"), week)) == [soon.pk]
    after = {"hearing_from": (now + dt.timedelta(days=10)).isoformat()}
    assert ids(api_officer_client.get(url("cases/"), after)) == [later.pk]
    assert none.pk not in ids(api_officer_client.get(url("cases/"), {"hearing_to": now.isoformat()}))


def test_filter_by_updated_since(api_officer, api_officer_client):
    old, recent = f.make_case(api_officer), f.make_case(api_officer)
    Case.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - dt.timedelta(days=5))
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert ids(api_officer_client.get(url("cases/"), {"updated_since": since})) == [recent.pk]


def test_search_by_name_reference_and_identifiers(api_officer, api_officer_client):
    person = f.make_person(api_officer, paternal_surname="Gutiérrez", a_number="A-111-222-333")
    case = f.make_case(api_officer, person=person)
    other = f.make_case(api_officer)
    assert ids(api_officer_client.post(url("cases/search/"), {"search": "gutierrez"}, format="json")) == [
        case.pk
    ]
    assert ids(api_officer_client.post(url("cases/search/"), {"search": case.reference}, format="json")) == [
        case.pk
    ]
    assert ids(api_officer_client.post(url("cases/search/"), {"curp": person.curp}, format="json")) == [
        case.pk
    ]
    assert ids(api_officer_client.post(url("cases/search/"), {"a_number": "111222333"}, format="json")) == [
        case.pk
    ]
    assert ids(api_officer_client.post(url("cases/search/"), {"curp": other.person.curp}, format="json")) == [
        other.pk
    ]


def test_ordering(api_officer, api_officer_client):
    cases = [f.make_case(api_officer) for _ in range(3)]
    by_reference = sorted(cases, key=lambda c: c.reference)
    assert ids(api_officer_client.get(url("cases/"), {"ordering": "reference"})) == [
        c.pk for c in by_reference
    ]
    assert ids(api_officer_client.get(url("cases/"), {"ordering": "-reference"})) == [
        c.pk for c in reversed(by_reference)
    ]
    services.case_note_add(actor=api_officer, case=cases[0], text="latest")
    assert ids(api_officer_client.get(url("cases/"), {"ordering": "-last_activity_at"}))[0] == cases[0].pk
    # default: newest opened first
    assert ids(api_officer_client.get(url("cases/"))) == [c.pk for c in reversed(cases)]


def test_unknown_ordering_is_400(api_officer_client):
    response = api_officer_client.get(url("cases/"), {"ordering": "person__curp"})
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_page_size_has_a_hard_maximum(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    consulate = f.consulate("dallas")
    for _ in range(MAX_PAGE_SIZE + 1):
        services.case_open(actor=api_officer, person=person, consulate=consulate, category="civil")
    over = api_officer_client.get(url("cases/"), {"limit": 1000})
    assert over.status_code == 400  # refused, naming the rule, rather than silently capped
    assert set(over.json()["errors"]) == {"limit"}
    body = api_officer_client.get(url("cases/"), {"limit": MAX_PAGE_SIZE}).json()
    assert body["count"] == MAX_PAGE_SIZE + 1
    assert len(body["results"]) == MAX_PAGE_SIZE == 100
    assert body["next"]
    rest = api_officer_client.get(body["next"]).json()
    assert len(rest["results"]) == 1


def test_default_page_size(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    for _ in range(26):
        services.case_open(
            actor=api_officer, person=person, consulate=f.consulate("dallas"), category="civil"
        )
    assert len(api_officer_client.get(url("cases/")).json()["results"]) == 25


# --- retrieve -------------------------------------------------------------------------------------


def test_retrieve_has_etag_and_case_data(api_officer_client, api_case):
    response = api_officer_client.get(url(f"cases/{api_case.pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == api_case.reference
    assert body["person"]["curp"] == api_case.person.curp
    assert body["consulate_code"] == api_case.consulate.code
    assert body["version"] == api_case.version
    assert response["ETag"] == f'"case-{api_case.pk}-{api_case.version}"'


def test_foreign_case_is_404_everywhere(api_client, api_case):
    houston = api_client(f.officer("houston"))
    assert houston.get(url(f"cases/{api_case.pk}/")).status_code == 404
    assert houston.get(url(f"cases/{api_case.pk}/timeline/")).status_code == 404
    response = houston.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "x"}, format="json", HTTP_IF_MATCH=f'"case-{api_case.pk}-0"'
    )
    assert response.status_code == 404
    assert houston.post(url(f"cases/{api_case.pk}/notes/"), {"text": "x"}, format="json").status_code == 404
    assert not CaseEvent.objects.filter(case=api_case, text="x").exists()


def test_partner_cannot_use_staff_case_routes(api_partner_client, api_referral):
    assert api_partner_client.get(url("cases/")).status_code == 403
    assert api_partner_client.get(url(f"cases/{api_referral.case_id}/")).status_code == 403


# --- create ---------------------------------------------------------------------------------------


def test_create_opens_a_case_for_my_consulate(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"),
        {
            "person": person.pk,
            "category": "migratorio",
            "subtype": "detencion_migratoria",
            "priority": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    case = Case.objects.get(pk=response.json()["id"])
    assert case.consulate == f.consulate("dallas")
    assert case.priority == "high"
    assert case.status == Status.OPEN
    assert response.json()["reference"] == case.reference
    assert response["ETag"] == f'"case-{case.pk}-{case.version}"'
    assert case.events.filter(kind=EventKind.OPENED).exists()


def test_create_in_custody_elsewhere_proposes_a_transfer(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"),
        {
            "person": person.pk,
            "category": "migratorio",
            "facility": facility("Montgomery ICE Processing Center").pk,
            "detained_since": "2025-01-02",
        },
        format="json",
    )
    assert response.status_code == 201
    case = Case.objects.get(pk=response.json()["id"])
    assert case.transfers.filter(automatic=True, status="pending").exists()


def test_create_refuses_a_foreign_person(api_officer_client):
    foreign = f.make_person(f.officer("houston"))
    response = api_officer_client.post(
        url("cases/"), {"person": foreign.pk, "category": "civil"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"person"}
    assert not Case.objects.filter(person=foreign).exists()


def test_create_with_a_foreign_person_reads_like_a_missing_one(api_officer_client):
    foreign = f.make_person(f.officer("houston"))
    hidden = api_officer_client.post(
        url("cases/"), {"person": foreign.pk, "category": "civil"}, format="json"
    )
    missing = api_officer_client.post(url("cases/"), {"person": 10**9, "category": "civil"}, format="json")
    assert hidden.status_code == missing.status_code == 400
    assert hidden.json()["errors"]["person"] == [
        message.replace(str(10**9), str(foreign.pk)) for message in missing.json()["errors"]["person"]
    ]


def test_create_field_errors(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"),
        {
            "person": person.pk,
            "category": "civil",
            "subtype": "detencion_migratoria",
            "arrested_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"subtype", "arrested_at"}
    assert not Case.objects.filter(person=person).exists()


def test_create_unknown_category_is_400(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"), {"person": person.pk, "category": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"category"}


def test_network_wide_creator_must_choose_a_consulate(api_client, api_officer):
    person = f.make_person(api_officer)
    admin = api_client(f.administrator())
    response = admin.post(url("cases/"), {"person": person.pk, "category": "civil"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"consulate"}
    response = admin.post(
        url("cases/"),
        {"person": person.pk, "category": "civil", "consulate": f.consulate("dallas").pk},
        format="json",
    )
    assert response.status_code == 201


def test_officer_cannot_open_a_case_for_another_consulate(api_officer, api_officer_client):
    person = f.make_person(api_officer)
    response = api_officer_client.post(
        url("cases/"),
        {"person": person.pk, "category": "civil", "consulate": f.consulate("houston").pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Case.objects.filter(person=person).exists()


def test_manager_is_read_only(api_officer, api_manager_client, api_case):
    person = f.make_person(api_officer)
    response = api_manager_client.post(
        url("cases/"),
        {"person": person.pk, "category": "civil", "consulate": f.consulate("dallas").pk},
        format="json",
    )
    assert response.status_code == 403
    tag = etag(api_manager_client, api_case)
    response = api_manager_client.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "x"}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 403
    assert api_manager_client.post(url(f"cases/{api_case.pk}/notes/"), {"text": "x"}).status_code == 403
    api_case.refresh_from_db()
    assert api_case.summary == ""


# --- partial update -------------------------------------------------------------------------------


def test_patch_needs_if_match(api_officer_client, api_case):
    response = api_officer_client.patch(url(f"cases/{api_case.pk}/"), {"summary": "new"}, format="json")
    assert response.status_code == 428
    api_case.refresh_from_db()
    assert api_case.summary == ""


def test_patch_with_stale_etag_is_412_and_overwrites_nothing(api_officer, api_officer_client, api_case):
    stale = etag(api_officer_client, api_case)
    services.case_update(actor=api_officer, case=api_case, summary="someone else")
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"summary": "mine", "priority": "urgent"},
        format="json",
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    api_case.refresh_from_db()
    assert (api_case.summary, api_case.priority) == ("someone else", "normal")


def test_patch_with_current_etag(api_officer_client, api_case):
    tag = etag(api_officer_client, api_case)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"summary": "Detained in Alvarado", "priority": "urgent"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200, response.json()
    api_case.refresh_from_db()
    assert (api_case.summary, api_case.priority) == ("Detained in Alvarado", "urgent")
    assert response.json()["version"] == api_case.version
    assert response["ETag"] == f'"case-{api_case.pk}-{api_case.version}"' != tag
    assert api_case.events.filter(kind=EventKind.UPDATED).exists()


def test_patch_accepts_a_weak_or_wildcard_etag(api_officer_client, api_case):
    tag = etag(api_officer_client, api_case)
    weak = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "a"}, format="json", HTTP_IF_MATCH=f"W/{tag}"
    )
    assert weak.status_code == 200
    star = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "b"}, format="json", HTTP_IF_MATCH="*"
    )
    assert star.status_code == 200


def test_patch_with_a_garbage_etag_is_412(api_officer_client, api_case):
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "a"}, format="json", HTTP_IF_MATCH=f'"case-{api_case.pk}-x"'
    )
    assert response.status_code == 412


def test_patch_field_errors(api_officer_client, api_case):
    tag = etag(api_officer_client, api_case)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"released_on": "2025-01-01", "priority": "whenever"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"priority"}
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"released_on": "2025-01-01"}, format="json", HTTP_IF_MATCH=tag
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"released_on"}
    assert etag(api_officer_client, api_case) == tag


def test_patch_a_closed_case_is_refused(api_officer, api_officer_client, api_case):
    services.case_close_request(actor=api_officer, case=api_case, outcome="resolved")
    tag = etag(api_officer_client, api_case)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"), {"summary": "x"}, format="json", HTTP_IF_MATCH=tag
    )
    assert (response.status_code, response.json()["code"]) == (409, "case_closed")
    assert "non_field_errors" in response.json()["errors"]


def test_patch_cannot_change_status_or_consulate(api_officer_client, api_case):
    tag = etag(api_officer_client, api_case)
    response = api_officer_client.patch(
        url(f"cases/{api_case.pk}/"),
        {"status": "closed", "consulate": f.consulate("houston").pk, "summary": "ok"},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200
    api_case.refresh_from_db()
    assert api_case.status != Status.CLOSED
    assert api_case.consulate == f.consulate("dallas")


# --- issue 15: closing needs the supervisor however the case was changed; whose persons get cases ---


def test_lowering_priority_and_clearing_flags_does_not_skip_the_supervisor(api_officer, api_officer_client):
    person = f.make_person(api_officer, is_minor=True, fears_return=True)
    case = f.make_case(api_officer, person=person, priority="urgent")
    response = api_officer_client.patch(
        url(f"cases/{case.pk}/"),
        {"priority": "normal"},
        format="json",
        HTTP_IF_MATCH=etag(api_officer_client, case),
    )
    assert response.status_code == 200, response.json()
    tag = api_officer_client.get(url(f"persons/{person.pk}/"))["ETag"]
    response = api_officer_client.patch(
        url(f"persons/{person.pk}/"),
        {"is_minor": False, "fears_return": False},
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert response.status_code == 200, response.json()
    assert not any(response.json()["vulnerability"].values())
    response = api_officer_client.post(
        url(f"cases/{case.pk}/request-closure/"), {"outcome": "released"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "pending_closure"
    assert Case.objects.get(pk=case.pk).status == Status.PENDING_CLOSURE


def test_create_refuses_a_person_only_offered_by_a_pending_transfer(api_officer_client):
    from tests.factories.crossoffice import make_transfer

    el_paso = f.officer("el_paso")
    offered = f.make_case(el_paso)
    transfer = make_transfer(el_paso, offered, "dallas")
    assert api_officer_client.get(url(f"persons/{offered.person_id}/")).status_code == 200
    response = api_officer_client.post(
        url("cases/"),
        {"person": offered.person_id, "category": "civil"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "person": ["Choose a person registered by your consulate or with a case of your consulate."]
    }
    assert not Case.objects.filter(person_id=offered.person_id, consulate=f.consulate("dallas")).exists()
    services.transfer_cancel(actor=el_paso, transfer=transfer)
    assert api_officer_client.get(url(f"persons/{offered.person_id}/")).status_code == 404
