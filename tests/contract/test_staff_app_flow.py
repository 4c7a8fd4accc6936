"""A native staff app, written from the API guide and the schema alone: it signs its user in with OAuth 2.0
(authorization code with PKCE, over HTTP against the live server, the user's browser giving password and
authenticator code: tests/oauth/conftest.py's ``NativeApp``), then calls the API with the generated typed
client (see conftest) and the bearer access token: lists cases with filters, reads one, updates it
(``If-Match``) and adds a note within ``cases:write``, reads a report within ``reports:read``; a token
without those scopes is refused them with the documented 403 and its stable ``code``."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from tests import factories as f
from tests.oauth.conftest import loopback, native_app, officer, staff_app

__all__ = ["loopback", "native_app", "officer", "staff_app"]

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _counters():
    from django.core.cache import cache

    cache.clear()  # sign-in and rate-limit counters of earlier tests
    yield
    cache.clear()


def test_a_native_staff_app_works_cases_and_reads_a_report_through_the_generated_client(
    typed_client, native_app, officer
):
    from consular_client.api.case_actions import cases_notes_create
    from consular_client.api.cases import cases_list, cases_partial_update, cases_retrieve
    from consular_client.api.partner import partner_referrals_list
    from consular_client.api.reports import reports_list, reports_retrieve
    from consular_client.models import (
        CaseDetail,
        CasesListPriorityItem,
        CasesListStatusItem,
        CaseStatusEnum,
        Event,
        EventKindEnum,
        NoteKindEnum,
        NoteRequest,
        PaginatedCaseList,
        PatchedCaseUpdateRequest,
        PriorityEnum,
        Problem,
        Report,
        ReportIndex,
        ReportsRetrieveName,
    )

    urgent = f.make_case(officer, priority="urgent")
    routine = f.make_case(officer, priority="normal")
    foreign = f.make_case(f.officer("houston"), priority="urgent")

    tokens = native_app.sign_in_and_get_tokens(officer, scope="cases:read cases:write reports:read")
    assert set(tokens["scope"].split()) == {"cases:read", "cases:write", "reports:read"}
    client = typed_client(tokens["access_token"])

    # Lists with filters, under the user's own visibility (Dallas, not Houston).
    everything = cases_list.sync(client=client)
    assert isinstance(everything, PaginatedCaseList)
    assert {c.id for c in everything.results} == {urgent.pk, routine.pk}
    filtered = cases_list.sync(
        client=client,
        status=[CasesListStatusItem.OPEN],
        priority=[CasesListPriorityItem.URGENT, CasesListPriorityItem.HIGH],
        updated_since=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1),
    )
    assert [c.reference for c in filtered.results] == [urgent.reference]
    assert filtered.results[0].status is CaseStatusEnum.OPEN

    # Read one, with its ETag; another consulate's case does not exist for this user.
    read = cases_retrieve.sync_detailed(routine.pk, client=client)
    assert isinstance(read.parsed, CaseDetail)  # the detail carries the case's hand-overs too
    assert read.parsed.priority is PriorityEnum.NORMAL
    hidden = cases_retrieve.sync_detailed(foreign.pk, client=client)
    assert hidden.status_code == 404
    assert isinstance(hidden.parsed, Problem)
    assert hidden.parsed.code == "not_found"

    # cases:write: update it (If-Match required), and a stale ETag is refused.
    change = PatchedCaseUpdateRequest(priority=PriorityEnum.HIGH, summary="Audiencia adelantada")
    updated = cases_partial_update.sync_detailed(
        routine.pk, client=client, body=change, if_match=read.headers["ETag"]
    )
    assert updated.status_code == 200, updated.content
    assert updated.parsed.priority is PriorityEnum.HIGH
    assert updated.parsed.summary == "Audiencia adelantada"
    assert updated.parsed.version == read.parsed.version + 1
    stale = cases_partial_update.sync_detailed(
        routine.pk,
        client=client,
        body=PatchedCaseUpdateRequest(summary="Otra"),
        if_match=read.headers["ETag"],
    )
    assert stale.status_code == 412
    assert stale.parsed.code == "stale_version"
    note = cases_notes_create.sync_detailed(
        routine.pk,
        client=client,
        body=NoteRequest(text="Llamada a la familia", kind=NoteKindEnum.CALL),
        idempotency_key=str(uuid.uuid4()),
    )
    assert note.status_code == 201, note.content
    assert isinstance(note.parsed, Event)
    assert note.parsed.kind is EventKindEnum.CALL

    # reports:read: the index, then one report.
    index = reports_list.sync(client=client)
    assert all(isinstance(entry, ReportIndex) for entry in index)
    assert "open_cases" in {entry.name for entry in index}
    report = reports_retrieve.sync(ReportsRetrieveName.OPEN_CASES, client=client)
    assert isinstance(report, Report)
    assert report.name == "open_cases"
    assert report.columns

    # The partner routes take no staff-app token, whatever its scopes.
    partner_side = partner_referrals_list.sync_detailed(client=client)
    assert partner_side.status_code == 403
    assert partner_side.parsed.code in {"permission_denied", "insufficient_scope"}

    # A second sign-in of the app with read-only access: writes and reports are outside its scope.
    reader = typed_client(native_app.sign_in_and_get_tokens(officer, scope="cases:read")["access_token"])
    assert cases_retrieve.sync(routine.pk, client=reader).priority is PriorityEnum.HIGH
    refused = cases_partial_update.sync_detailed(
        routine.pk, client=reader, body=PatchedCaseUpdateRequest(summary="No"), if_match="*"
    )
    assert refused.status_code == 403
    assert isinstance(refused.parsed, Problem)
    assert refused.parsed.code == "insufficient_scope"
    no_reports = reports_list.sync_detailed(client=reader)
    assert no_reports.status_code == 403
    assert no_reports.parsed.code == "insufficient_scope"
    assert cases_retrieve.sync(routine.pk, client=client).summary == "Audiencia adelantada"
