"""Every API read of personal data writes exactly one access-log row: retrieves of persons, cases,
transfers, referrals, consents and tasks, case timelines, the partner's referrals and their timelines, and
one row per list request (naming the filters, never a search term or an identifier looked up). A denied
read writes nothing. Report JSON (aggregates, no personal data) and reference data are not logged."""

from __future__ import annotations

import pytest

from cases import services
from cases.models import AccessLog
from cases.models.access import AccessAction
from tests import factories as f
from tests.api.conftest import url
from tests.factories.crossoffice import make_transfer

pytestmark = pytest.mark.django_db

ADDRESS = "198.51.100.23"


def _get(client, path, params=None):
    return client.get(url(path), params, REMOTE_ADDR=ADDRESS)


def _only_row() -> AccessLog:
    rows = list(AccessLog.objects.all())
    assert len(rows) == 1, [(r.action, r.what) for r in rows]
    return rows[0]


@pytest.fixture
def officer_client(api_client, api_officer):
    return api_client(api_officer)


def test_person_retrieve(officer_client, api_officer, api_case):
    response = _get(officer_client, f"persons/{api_case.person_id}/")
    assert response.status_code == 200
    row = _only_row()
    assert (row.user_id, row.partner_id, row.action, row.person_id, row.case_id, row.what) == (
        api_officer.pk,
        None,
        AccessAction.API_RETRIEVE,
        api_case.person_id,
        None,
        "api: person",
    )
    assert row.ip_address == ADDRESS


def test_case_retrieve_and_timeline(officer_client, api_officer, api_case):
    assert _get(officer_client, f"cases/{api_case.pk}/").status_code == 200
    row = _only_row()
    assert (row.action, row.case_id, row.person_id, row.what) == (
        AccessAction.API_RETRIEVE,
        api_case.pk,
        api_case.person_id,
        "api: case",
    )
    assert _get(officer_client, f"cases/{api_case.pk}/timeline/").status_code == 200
    timeline = AccessLog.objects.exclude(pk=row.pk).get()
    assert (timeline.action, timeline.case_id, timeline.what) == (
        AccessAction.API_RETRIEVE,
        api_case.pk,
        "api: case timeline",
    )


@pytest.mark.parametrize(
    "path",
    [
        "persons/{person}/",
        "cases/{case}/",
        "cases/{case}/timeline/",
        "transfers/{transfer}/",
        "tasks/{task}/",
    ],
)
def test_a_denied_read_writes_nothing(api_client, api_case, path):
    owner = f.officer("dallas")
    transfer = make_transfer(owner, f.make_case(owner), "el_paso")
    task = services.task_add(actor=owner, case=api_case, title="Llamar")
    foreign = api_client(f.officer("houston"))
    target = path.format(person=api_case.person_id, case=api_case.pk, transfer=transfer.pk, task=task.pk)
    assert _get(foreign, target).status_code == 404
    auditor = api_client(f.auditor())
    assert _get(auditor, target).status_code == 403
    assert AccessLog.objects.count() == 0


def test_crossoffice_retrieves_name_the_case(officer_client, api_officer, api_case, api_referral):
    task = services.task_add(actor=api_officer, case=api_case, title="Llamar")
    transfer = make_transfer(api_officer, api_case, "el_paso")
    for path, what in (
        (f"transfers/{transfer.pk}/", "api: transfer"),
        (f"referrals/{api_referral.pk}/", "api: referral"),
        (f"consents/{api_referral.consent_id}/", "api: consent"),
        (f"tasks/{task.pk}/", "api: task"),
    ):
        before = AccessLog.objects.count()
        assert _get(officer_client, path).status_code == 200, path
        assert AccessLog.objects.count() == before + 1
        row = AccessLog.objects.order_by("-pk").first()
        assert (row.action, row.case_id, row.what, row.user_id) == (
            AccessAction.API_RETRIEVE,
            api_case.pk,
            what,
            api_officer.pk,
        )


def test_lists_write_one_row_without_search_terms(officer_client, api_case):
    person = api_case.person
    response = officer_client.post(
        url("persons/search/"),
        {"search": person.paternal_surname, "curp": person.curp},
        format="json",
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 200
    row = _only_row()
    assert row.action == AccessAction.LIST
    assert row.what == "api: person list ?curp&search"
    assert person.curp not in row.what
    assert (row.person_id, row.case_id) == (None, None)
    assert str(row.ip_address) == ADDRESS
    _get(officer_client, "cases/", {"status": "open", "limit": 10})
    assert AccessLog.objects.filter(what="api: case list ?limit=10&status=open").count() == 1


def test_a_search_writes_the_row_the_list_writes_for_the_same_filters(officer_client, api_case):
    """The same filters as a list's query string or a search's body: the same row, values of
    personal filters left out."""
    assert _get(officer_client, "cases/", {"status": ["open"], "limit": 10}).status_code == 200
    body = {"status": ["open"], "limit": 10, "a_number": "A-123-456-789", "search": "Gómez"}
    response = officer_client.post(url("cases/search/"), body, format="json", REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    rows = list(AccessLog.objects.order_by("pk").values_list("action", "what", "user_id", "ip_address"))
    assert [r[1] for r in rows] == [
        "api: case list ?limit=10&status=open",
        "api: case list ?a_number&limit=10&search&status=open",
    ]
    assert {r[0] for r in rows} == {AccessAction.LIST}
    assert len({(r[2], str(r[3])) for r in rows}) == 1


def test_partner_reads_record_the_partner(api_partner_client, api_partner, api_partner_user, api_referral):
    services.referral_accept(actor=api_partner_user, referral=api_referral)
    assert _get(api_partner_client, f"partner/referrals/{api_referral.pk}/").status_code == 200
    row = _only_row()
    assert (row.user_id, row.partner_id, row.action, row.case_id, row.person_id, row.what) == (
        api_partner_user.pk,
        api_partner.pk,
        AccessAction.API_RETRIEVE,
        api_referral.case_id,
        api_referral.case.person_id,
        "api: partner referral",
    )
    assert _get(api_partner_client, f"partner/referrals/{api_referral.pk}/timeline/").status_code == 200
    assert _get(api_partner_client, "partner/referrals/").status_code == 200
    whats = list(AccessLog.objects.order_by("pk").values_list("what", "partner_id"))
    assert whats == [
        ("api: partner referral", api_partner.pk),
        ("api: partner referral timeline", api_partner.pk),
        ("api: partner referral list", api_partner.pk),
    ]


def test_another_partner_reads_nothing_and_leaves_no_row(api_token_client, api_referral):
    other, _token = api_token_client(f.partner_user())
    assert _get(other, f"partner/referrals/{api_referral.pk}/").status_code == 404
    assert _get(other, f"partner/referrals/{api_referral.pk}/timeline/").status_code == 404
    assert AccessLog.objects.count() == 0


def test_reports_and_reference_data_are_not_sensitive_reads(api_client):
    client = api_client(f.manager())
    assert _get(client, "reports/open_cases/").status_code == 200
    assert _get(client, "consulates/").status_code == 200
    assert AccessLog.objects.count() == 0


def test_writes_are_not_reads(officer_client, api_case):
    response = officer_client.post(url(f"cases/{api_case.pk}/notes/"), {"text": "Llamada"}, format="json")
    assert response.status_code == 201
    assert AccessLog.objects.count() == 0
