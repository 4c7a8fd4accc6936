"""cases/api/cases.py and crossoffice.py: every case action calls its service, answers with the right
status, and leaves its entry on the case timeline; refusals name the field at fault."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, Consent, Hearing, Referral, Task, Transfer
from cases.models.case import Status
from cases.models.work import EventKind
from tests import factories as f
from tests.api.conftest import url
from tests.dbchecks import last_event_pk
from tests.factories.crossoffice import make_consent, make_referral, make_transfer
from tests.factories.documents import valid_png_bytes

pytestmark = pytest.mark.django_db


def post(client, path, data=None, **headers):
    return client.post(url(path), data or {}, format="json", **headers)


def new_kinds(case, after) -> list[str]:
    return list(
        CaseEvent.objects.filter(case=case, pk__gt=after).order_by("pk").values_list("kind", flat=True)
    )


def on_timeline(client, case, kind) -> bool:
    response = client.get(url(f"cases/{case.pk}/timeline/"), {"kind": kind})
    assert response.status_code == 200
    return bool(response.json()["results"])


def field_errors(response, status=400) -> set[str]:
    assert response.status_code == status, response.content
    return set(response.json()["errors"])


def conflict(response) -> str:
    """A refusal the record's state decides: 409, its message as the whole request's, and its code."""
    assert field_errors(response, 409) == {"non_field_errors"}
    return response.json()["code"]


# --- assign ---------------------------------------------------------------------------------------


def test_assign(api_officer, api_officer_client, api_case):
    colleague = f.officer("dallas")
    before = last_event_pk(api_case)
    response = post(api_officer_client, f"cases/{api_case.pk}/assign/", {"assignee": colleague.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["assigned_to"]["id"] == colleague.pk
    api_case.refresh_from_db()
    assert api_case.assigned_to == colleague
    assert response["ETag"] == f'"case-{api_case.pk}-{api_case.version}"'
    assert EventKind.ASSIGNED in new_kinds(api_case, before)
    assert on_timeline(api_officer_client, api_case, "assigned")
    unassigned = post(api_officer_client, f"cases/{api_case.pk}/assign/", {"assignee": None})
    assert unassigned.status_code == 200
    assert unassigned.json()["assigned_to"] is None


@pytest.mark.parametrize("who", ["foreign", "missing", "partner"])
def test_assign_refuses_someone_outside_the_consulate(api_officer_client, api_case, who):
    assignee = {
        "foreign": lambda: f.officer("houston").pk,
        "missing": lambda: 10**9,
        "partner": lambda: f.partner_user().pk,
    }[who]()
    response = post(api_officer_client, f"cases/{api_case.pk}/assign/", {"assignee": assignee})
    assert field_errors(response) == {"assignee"}
    api_case.refresh_from_db()
    assert api_case.assigned_to is None


def test_assign_with_a_stale_if_match_is_412(api_officer, api_officer_client, api_case):
    stale = f'"case-{api_case.pk}-{api_case.version}"'
    services.case_note_add(actor=api_officer, case=api_case, text="moved on")
    response = post(
        api_officer_client, f"cases/{api_case.pk}/assign/", {"assignee": api_officer.pk}, HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412
    api_case.refresh_from_db()
    assert api_case.assigned_to is None


def test_assign_with_a_current_if_match(api_officer, api_officer_client, api_case):
    current = api_officer_client.get(url(f"cases/{api_case.pk}/"))["ETag"]
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/assign/",
        {"assignee": api_officer.pk},
        HTTP_IF_MATCH=current,
    )
    assert response.status_code == 200
    assert response["ETag"] != current


# --- notes, hearings, tasks -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["note", "call", "visit"])
def test_add_note(api_officer, api_officer_client, api_case, kind):
    response = post(
        api_officer_client, f"cases/{api_case.pk}/notes/", {"kind": kind, "text": "  Habló con la familia "}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["kind"] == kind
    assert body["text"] == "Habló con la familia"
    assert body["actor"]["id"] == api_officer.pk
    assert "ETag" not in response
    event = CaseEvent.objects.get(pk=body["id"])
    assert (event.case_id, event.kind) == (api_case.pk, kind)
    assert on_timeline(api_officer_client, api_case, kind)


def test_add_note_refusals(api_officer_client, api_case):
    before = last_event_pk(api_case)
    assert field_errors(post(api_officer_client, f"cases/{api_case.pk}/notes/", {"text": ""})) == {"text"}
    assert field_errors(
        post(api_officer_client, f"cases/{api_case.pk}/notes/", {"text": "x", "kind": "status"})
    ) == {"kind"}
    future = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = post(api_officer_client, f"cases/{api_case.pk}/notes/", {"text": "x", "occurred_at": future})
    assert field_errors(response) == {"occurred_at"}
    assert new_kinds(api_case, before) == []


def test_schedule_hearing(api_officer_client, api_case):
    starts = timezone.now() + dt.timedelta(days=10)
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/hearings/",
        {"kind": "bond", "starts_at": starts.isoformat(), "location": "Dallas Immigration Court"},
    )
    assert response.status_code == 201, response.json()
    hearing = Hearing.objects.get(pk=response.json()["id"])
    assert (hearing.case_id, hearing.kind, hearing.status) == (api_case.pk, "bond", "scheduled")
    assert on_timeline(api_officer_client, api_case, "hearing_scheduled")


def test_schedule_hearing_refusals(api_officer_client, api_case):
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/hearings/",
        {"kind": "tea", "starts_at": "soon", "location": ""},
    )
    assert field_errors(response) == {"kind", "starts_at"}
    # The place may be left out only when a court is given (its name is recorded).
    placeless = {"kind": "bond", "starts_at": "2030-01-01T10:00:00-06:00", "location": ""}
    response = post(api_officer_client, f"cases/{api_case.pk}/hearings/", placeless)
    assert field_errors(response) == {"location"}
    assert not Hearing.objects.filter(case=api_case).exists()


def test_add_and_complete_task(api_officer, api_officer_client, api_case):
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/tasks/",
        {"title": "Call the facility", "due_date": "2030-01-01", "assignee": api_officer.pk},
    )
    assert response.status_code == 201, response.json()
    task = Task.objects.get(pk=response.json()["id"])
    assert (task.case_id, task.assignee, task.done) == (api_case.pk, api_officer, False)
    assert on_timeline(api_officer_client, api_case, "task_added")

    done = post(api_officer_client, f"tasks/{task.pk}/complete/")
    assert done.status_code == 200, done.json()
    assert done.json()["done"] is True
    task.refresh_from_db()
    assert task.done
    assert task.completed_by == api_officer
    assert on_timeline(api_officer_client, api_case, "task_completed")

    again = post(api_officer_client, f"tasks/{task.pk}/complete/")
    assert conflict(again) == "task_done"


def test_add_task_refusals(api_officer_client, api_case):
    assert field_errors(post(api_officer_client, f"cases/{api_case.pk}/tasks/", {"title": ""})) == {"title"}
    response = post(
        api_officer_client, f"cases/{api_case.pk}/tasks/", {"title": "x", "assignee": f.officer("houston").pk}
    )
    assert field_errors(response) == {"assignee"}
    assert not Task.objects.filter(case=api_case).exists()


def test_task_of_a_foreign_case_is_404(api_client, api_officer, api_case):
    task = services.task_add(actor=api_officer, case=api_case, title="x")
    houston = api_client(f.officer("houston"))
    assert post(houston, f"tasks/{task.pk}/complete/").status_code == 404
    task.refresh_from_db()
    assert not task.done


# --- closure and reopening ------------------------------------------------------------------------


def test_request_closure_closes_a_plain_case(api_officer_client, api_case):
    response = post(api_officer_client, f"cases/{api_case.pk}/request-closure/", {"outcome": "resolved"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    api_case.refresh_from_db()
    assert (api_case.status, api_case.outcome) == (Status.CLOSED, "resolved")
    assert on_timeline(api_officer_client, api_case, "closed")


def test_request_closure_of_an_urgent_case_waits_for_a_supervisor(
    api_officer, api_officer_client, api_supervisor_client
):
    case = f.make_case(api_officer, priority="urgent")
    response = post(api_officer_client, f"cases/{case.pk}/request-closure/", {"outcome": "released"})
    assert response.status_code == 200
    assert response.json()["status"] == "pending_closure"
    assert on_timeline(api_officer_client, case, "closure_requested")

    refused = post(api_officer_client, f"cases/{case.pk}/approve-closure/")
    assert refused.status_code == 403
    approved = post(api_supervisor_client, f"cases/{case.pk}/approve-closure/")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] == "closed"
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert on_timeline(api_officer_client, case, "closure_approved")


def test_reject_closure(api_officer, api_officer_client, api_supervisor_client):
    case = f.make_case(api_officer, priority="urgent")
    services.case_close_request(actor=api_officer, case=case, outcome="released")
    assert field_errors(post(api_supervisor_client, f"cases/{case.pk}/reject-closure/", {"reason": ""})) == {
        "reason"
    }
    assert post(api_officer_client, f"cases/{case.pk}/reject-closure/", {"reason": "no"}).status_code == 403
    response = post(
        api_supervisor_client, f"cases/{case.pk}/reject-closure/", {"reason": "Falta la audiencia"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    assert on_timeline(api_officer_client, case, "closure_rejected")


def test_request_closure_refusals(api_officer_client, api_supervisor_client, api_case):
    assert field_errors(post(api_officer_client, f"cases/{api_case.pk}/request-closure/", {})) == {"outcome"}
    response = post(api_officer_client, f"cases/{api_case.pk}/request-closure/", {"outcome": "other"})
    assert field_errors(response) == {"outcome_notes"}
    assert (
        conflict(post(api_supervisor_client, f"cases/{api_case.pk}/approve-closure/")) == "invalid_transition"
    )
    api_case.refresh_from_db()
    assert api_case.status == Status.OPEN


def test_reopen(api_officer, api_officer_client, api_case):
    not_closed = post(api_officer_client, f"cases/{api_case.pk}/reopen/", {"reason": "x"})
    assert conflict(not_closed) == "invalid_transition"
    services.case_close_request(actor=api_officer, case=api_case, outcome="resolved")
    assert field_errors(post(api_officer_client, f"cases/{api_case.pk}/reopen/", {"reason": " "})) == {
        "reason"
    }
    response = post(api_officer_client, f"cases/{api_case.pk}/reopen/", {"reason": "Nueva detención"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    assert on_timeline(api_officer_client, api_case, "reopened")


def test_closed_case_refuses_work(api_officer, api_officer_client, api_case):
    services.case_close_request(actor=api_officer, case=api_case, outcome="resolved")
    response = post(api_officer_client, f"cases/{api_case.pk}/notes/", {"text": "x"})
    assert conflict(response) == "case_closed"


# --- transfers ------------------------------------------------------------------------------------


def test_request_and_accept_transfer(api_client, api_officer, api_officer_client, api_case):
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/transfers/",
        {"to_consulate": f.consulate("houston").pk, "reason": "La familia vive en Houston"},
    )
    assert response.status_code == 201, response.json()
    transfer = Transfer.objects.get(pk=response.json()["id"])
    assert transfer.status == "pending"
    assert on_timeline(api_officer_client, api_case, "transfer_requested")

    houston_officer = api_client(f.officer("houston"))
    assert houston_officer.get(url(f"cases/{api_case.pk}/")).status_code == 200  # reads the case to decide
    assert post(houston_officer, f"transfers/{transfer.pk}/accept/").status_code == 403
    houston = api_client(f.supervisor("houston"))
    accepted = post(houston, f"transfers/{transfer.pk}/accept/", {"note": "Recibido"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    api_case.refresh_from_db()
    assert api_case.consulate == f.consulate("houston")
    assert on_timeline(houston, api_case, "transfer_accepted")
    assert api_officer_client.get(url(f"cases/{api_case.pk}/")).status_code == 404
    assert api_officer_client.get(url(f"transfers/{transfer.pk}/")).status_code == 200


def test_request_transfer_refusals(api_officer_client, api_case):
    response = post(
        api_officer_client, f"cases/{api_case.pk}/transfers/", {"to_consulate": 10**9, "reason": ""}
    )
    assert field_errors(response) == {"to_consulate", "reason"}
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/transfers/",
        {"to_consulate": f.consulate("dallas").pk, "reason": "x"},
    )
    assert field_errors(response) == {"to_consulate"}
    assert not Transfer.objects.filter(case=api_case).exists()


def test_second_pending_transfer_is_refused(api_officer, api_officer_client, api_case):
    make_transfer(api_officer, api_case, "houston")
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/transfers/",
        {"to_consulate": f.consulate("austin").pk, "reason": "x"},
    )
    assert field_errors(response) == {"non_field_errors"}


def test_reject_transfer(api_client, api_officer, api_officer_client, api_case):
    transfer = make_transfer(api_officer, api_case, "houston")
    houston = api_client(f.supervisor("houston"))
    assert field_errors(post(houston, f"transfers/{transfer.pk}/reject/", {"reason": ""})) == {"reason"}
    response = post(houston, f"transfers/{transfer.pk}/reject/", {"reason": "No es nuestro distrito"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "rejected"
    transfer.refresh_from_db()
    assert transfer.note == "No es nuestro distrito"
    api_case.refresh_from_db()
    assert api_case.consulate == f.consulate("dallas")
    assert on_timeline(api_officer_client, api_case, "transfer_rejected")


def test_cancel_transfer(api_client, api_officer, api_officer_client, api_case):
    transfer = make_transfer(api_officer, api_case, "houston")
    houston = api_client(f.supervisor("houston"))
    assert post(houston, f"transfers/{transfer.pk}/cancel/").status_code == 403
    response = post(api_officer_client, f"transfers/{transfer.pk}/cancel/", {"note": "Error"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert on_timeline(api_officer_client, api_case, "transfer_cancelled")
    again = post(api_officer_client, f"transfers/{transfer.pk}/cancel/")
    assert conflict(again) == "transfer_decided"


def test_transfer_lists_by_direction(api_client, api_officer, api_officer_client, api_case):
    outgoing = make_transfer(api_officer, api_case, "houston")
    houston = api_client(f.supervisor("houston"))
    assert [t["id"] for t in houston.get(url("transfers/"), {"direction": "incoming"}).json()["results"]] == [
        outgoing.pk
    ]
    assert houston.get(url("transfers/"), {"direction": "outgoing"}).json()["results"] == []
    mine = api_officer_client.get(url("transfers/"), {"direction": "outgoing"}).json()["results"]
    assert [t["id"] for t in mine] == [outgoing.pk]
    assert api_client(f.officer("austin")).get(url(f"transfers/{outgoing.pk}/")).status_code == 404


# --- consent and referrals ------------------------------------------------------------------------


def test_record_consent(api_officer, api_officer_client, api_case, api_partner):
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/consents/",
        {"partner": api_partner.pk, "scope": ["identity", "contact"], "method": "verbal"},
    )
    assert response.status_code == 201, response.json()
    consent = Consent.objects.get(pk=response.json()["id"])
    assert (consent.case_id, consent.partner_id, consent.scope) == (
        api_case.pk,
        api_partner.pk,
        ["identity", "contact"],
    )
    assert consent.recorded_by == api_officer
    assert on_timeline(api_officer_client, api_case, "consent_recorded")


def test_record_consent_refusals(api_officer, api_officer_client, api_case, api_partner):
    path = f"cases/{api_case.pk}/consents/"
    assert field_errors(
        post(api_officer_client, path, {"partner": api_partner.pk, "scope": [], "method": "verbal"})
    ) == {"scope"}
    assert field_errors(
        post(api_officer_client, path, {"partner": api_partner.pk, "scope": ["secrets"], "method": "verbal"})
    ) == {"scope.0"}
    assert field_errors(
        post(
            api_officer_client,
            path,
            {"partner": api_partner.pk, "scope": ["identity"], "method": "uploaded_form"},
        )
    ) == {"form_document"}
    other_case = f.make_case(api_officer)
    document = services.document_upload(
        actor=api_officer,
        case=other_case,
        file=_png(),
        kind="consent_form",
    )
    response = post(
        api_officer_client,
        path,
        {
            "partner": api_partner.pk,
            "scope": ["identity"],
            "method": "uploaded_form",
            "form_document": document.pk,
        },
    )
    assert field_errors(response) == {"form_document"}
    make_consent(api_officer, api_case, api_partner)
    duplicate = post(
        api_officer_client, path, {"partner": api_partner.pk, "scope": ["identity"], "method": "verbal"}
    )
    assert field_errors(duplicate) == {"partner"}
    assert Consent.objects.filter(case=api_case).count() == 1


def test_withdraw_consent_ends_its_referrals(api_officer_client, api_case, api_referral):
    consent = api_referral.consent
    response = post(api_officer_client, f"consents/{consent.pk}/withdraw/", {"note": "Ya no quiere"})
    assert response.status_code == 200, response.json()
    assert response.json()["withdrawn_at"]
    api_referral.refresh_from_db()
    assert api_referral.status == "withdrawn"
    assert on_timeline(api_officer_client, api_case, "consent_withdrawn")
    again = post(api_officer_client, f"consents/{consent.pk}/withdraw/")
    assert conflict(again) == "consent_withdrawn"


def test_refer(api_officer, api_officer_client, api_case, api_partner):
    make_consent(api_officer, api_case, api_partner)
    response = post(
        api_officer_client,
        f"cases/{api_case.pk}/referrals/",
        {"partner": api_partner.pk, "service": "shelter", "request_note": "Necesita albergue"},
    )
    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(pk=response.json()["id"])
    assert (referral.status, referral.service, referral.referred_by) == ("pending", "shelter", api_officer)
    assert on_timeline(api_officer_client, api_case, "referred")


def test_refer_refusals(api_officer, api_officer_client, api_case, api_partner):
    path = f"cases/{api_case.pk}/referrals/"
    no_consent = post(api_officer_client, path, {"partner": api_partner.pk, "service": "shelter"})
    assert field_errors(no_consent) == {"partner"}
    make_consent(api_officer, api_case, api_partner, scope=["contact"])
    no_identity = post(api_officer_client, path, {"partner": api_partner.pk, "service": "shelter"})
    assert field_errors(no_identity) == {"partner"}
    houston_partner = f.PartnerFactory(covers=["houston"], services=["medical"])
    make_consent(api_officer, api_case, houston_partner)
    wrong = post(api_officer_client, path, {"partner": houston_partner.pk, "service": "shelter"})
    assert field_errors(wrong) == {"partner", "service"}
    assert not Referral.objects.filter(case=api_case).exists()


def test_withdraw_referral(api_officer_client, api_case, api_referral):
    assert field_errors(
        post(api_officer_client, f"referrals/{api_referral.pk}/withdraw/", {"reason": ""})
    ) == {"reason"}
    response = post(api_officer_client, f"referrals/{api_referral.pk}/withdraw/", {"reason": "Otro aliado"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    api_referral.refresh_from_db()
    assert api_referral.withdrawal_reason == "Otro aliado"
    assert on_timeline(api_officer_client, api_case, "referral_withdrawn")
    again = post(api_officer_client, f"referrals/{api_referral.pk}/withdraw/", {"reason": "x"})
    assert conflict(again) == "referral_not_active"


def test_referral_lists_for_staff(api_officer, api_officer_client, api_case, api_referral):
    response = api_officer_client.get(url("referrals/"), {"status": "pending"})
    assert [r["id"] for r in response.json()["results"]] == [api_referral.pk]
    response = api_officer_client.get(url("consents/"), {"case": api_case.pk})
    assert [c["id"] for c in response.json()["results"]] == [api_referral.consent_id]


def test_staff_cannot_use_the_partner_routes(api_officer_client, api_referral):
    assert api_officer_client.post(url(f"partner/referrals/{api_referral.pk}/accept/")).status_code == 403


def test_actions_on_a_foreign_case_are_404(api_client, api_officer, api_case, api_partner):
    houston = api_client(f.officer("houston"))
    referral = make_referral(api_officer, api_case, api_partner, service="shelter")
    for path, data in [
        (f"cases/{api_case.pk}/assign/", {"assignee": None}),
        (f"cases/{api_case.pk}/hearings/", {}),
        (f"cases/{api_case.pk}/tasks/", {"title": "x"}),
        (f"cases/{api_case.pk}/request-closure/", {"outcome": "resolved"}),
        (f"cases/{api_case.pk}/approve-closure/", {}),
        (f"cases/{api_case.pk}/reject-closure/", {"reason": "x"}),
        (f"cases/{api_case.pk}/reopen/", {"reason": "x"}),
        (f"cases/{api_case.pk}/transfers/", {"to_consulate": f.consulate("houston").pk, "reason": "x"}),
        (f"cases/{api_case.pk}/consents/", {}),
        (f"cases/{api_case.pk}/referrals/", {}),
        (f"referrals/{referral.pk}/withdraw/", {"reason": "x"}),
        (f"consents/{referral.consent_id}/withdraw/", {}),
    ]:
        assert post(houston, path, data).status_code == 404, path
    referral.refresh_from_db()
    assert referral.status == "pending"


def _png():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("form.png", PNG, content_type="image/png")


PNG = valid_png_bytes()  # a real image: uploads are decoded in full


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_a_retried_action_is_replayed_not_repeated(api_officer_client, api_case):
    path = f"cases/{api_case.pk}/notes/"
    first = post(api_officer_client, path, {"text": "Visita"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    second = post(api_officer_client, path, {"text": "Visita"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert CaseEvent.objects.filter(case=api_case, text="Visita").count() == 1
    third = post(api_officer_client, path, {"text": "Visita"}, HTTP_IDEMPOTENCY_KEY="retry-2")
    assert third.status_code == 201
    assert CaseEvent.objects.filter(case=api_case, text="Visita").count() == 2


def test_a_retried_case_action_replays_its_etag(api_officer, api_officer_client, api_case):
    path = f"cases/{api_case.pk}/assign/"
    first = post(api_officer_client, path, {"assignee": api_officer.pk}, HTTP_IDEMPOTENCY_KEY="a-1")
    second = post(api_officer_client, path, {"assignee": api_officer.pk}, HTTP_IDEMPOTENCY_KEY="a-1")
    assert first["ETag"] == second["ETag"]
    assert CaseEvent.objects.filter(case=api_case, kind="assigned").count() == 1


def test_a_session_multipart_post_with_a_key(api_officer_client, api_case, api_referral, api_partner_user):
    """A multipart body already read by the CSRF check is still hashed (the key's request match)."""
    from tests.api.conftest import token_client

    client, _token = token_client(api_partner_user)
    client.post(url(f"partner/referrals/{api_referral.pk}/accept/"))
    path = url(f"partner/referrals/{api_referral.pk}/documents/")
    responses = [
        client.post(path, {"file": _png(), "kind": "other"}, format="multipart", HTTP_IDEMPOTENCY_KEY="u-1")
        for _ in range(2)
    ]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    other = SimpleUploadedFile("other.png", PNG + b"\x00", content_type="image/png")
    reused = client.post(
        path, {"file": other, "kind": "other"}, format="multipart", HTTP_IDEMPOTENCY_KEY="u-1"
    )
    assert reused.status_code == 422


def test_after_a_412_the_same_key_with_a_fresh_etag_is_not_a_replay(
    api_officer, api_officer_client, api_case
):
    path = f"cases/{api_case.pk}/assign/"
    stale = f'"case-{api_case.pk}-{api_case.version}"'
    services.case_note_add(actor=api_officer, case=api_case, text="moved on")
    data = {"assignee": api_officer.pk}
    refused = post(api_officer_client, path, data, HTTP_IF_MATCH=stale, HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 412
    fresh = api_officer_client.get(url(f"cases/{api_case.pk}/"))["ETag"]
    reused = post(api_officer_client, path, data, HTTP_IF_MATCH=fresh, HTTP_IDEMPOTENCY_KEY="k")
    assert reused.status_code == 422
    assert (
        post(api_officer_client, path, data, HTTP_IF_MATCH=fresh, HTTP_IDEMPOTENCY_KEY="k2").status_code
        == 200
    )
    api_case.refresh_from_db()
    assert api_case.assigned_to == api_officer
