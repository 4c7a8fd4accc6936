"""The staff UI for transfers between consulates, consent and referrals, used through the test client as
real users: the buttons each role is offered, the forms writing through the services, the refusals
shown on the form, the lists each role sees, and query counts that do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Case, Consent, Referral, Transfer
from tests.auth import login_verified
from tests.cases.admin.helpers import INVALID_MARKER
from tests.factories import PartnerFactory, consulate, make_case, officer, supervisor
from tests.factories.documents import valid_pdf_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("strict_templates")]

LEGAL = "legal_representation"
PDF = valid_pdf_bytes()  # a real PDF: uploads are parsed in full


def case_url(case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def tool_url(case, tool: str) -> str:
    return reverse("admin:cases_case_crossoffice", args=[case.pk, tool])


def transfer_url(transfer, action: str | None = None) -> str:
    if action is None:
        return reverse("admin:cases_transfer_change", args=[transfer.pk])
    return reverse("admin:cases_transfer_action", args=[transfer.pk, action])


def referral_url(referral, action: str | None = None) -> str:
    if action is None:
        return reverse("admin:cases_referral_change", args=[referral.pk])
    return reverse("admin:cases_referral_action", args=[referral.pk, action])


def page(client, url) -> tuple[object, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    html = response.content.decode()
    assert INVALID_MARKER not in html, html[html.index(INVALID_MARKER) :][:120]
    return response, html


def tools(response) -> set[str]:
    return {name for name, _label, _url in response.context["case_actions"]}


def shown_rows(client, url) -> set[int]:
    response = client.get(url)
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def hidden(response) -> bool:
    """The admin's answer for a record the user may not see: back to the index with "does not exist"."""
    return response.status_code == 302 and response["Location"] == reverse("admin:index")


@pytest.fixture
def supervisor_b():
    return supervisor("el_paso", first_name="Elena", last_name="Espinoza")


@pytest.fixture
def legal_partner():
    return PartnerFactory(name="Defensa Legal del Norte", services=[LEGAL, "bond_assistance"])


def request_transfer(world, case=None, to="el_paso", reason="La familia vive en El Paso") -> Transfer:
    return services.transfer_request(
        actor=world.officer_a, case=case or world.case_a, to_consulate=consulate(to), reason=reason
    )


# --- transfers -------------------------------------------------------------------------------------


def test_request_then_accept_moves_the_case(client, world, supervisor_b):
    login_verified(client, world.officer_a)
    response, _html = page(client, case_url(world.case_a))
    assert {"transfer", "consent", "refer"} <= tools(response)
    page(client, tool_url(world.case_a, "transfer"))
    response = client.post(
        tool_url(world.case_a, "transfer"),
        {"to_consulate": consulate("el_paso").pk, "reason": "La familia vive en El Paso"},
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(world.case_a)
    transfer = Transfer.objects.get(case=world.case_a)
    assert (transfer.status, transfer.requested_by, transfer.automatic) == ("pending", world.officer_a, False)
    response, html = page(client, case_url(world.case_a))
    assert "crossoffice-pending" in html
    assert "transfer" not in tools(response)  # one pending transfer at a time
    assert response.context["crossoffice"]["pending_transfer"] == transfer

    # The receiving supervisor finds it in the incoming queue and reviews the case first.
    login_verified(client, supervisor_b)
    queue = reverse("admin:cases_transfer_changelist") + "?direction=incoming"
    assert shown_rows(client, queue) == {transfer.pk}
    response, html = page(client, transfer_url(transfer))
    assert {name for name, _l, _u in response.context["object_actions"]} == {"accept", "reject"}
    assert case_url(world.case_a) in html  # the case is linked: pending, it is readable here
    response, html = page(client, case_url(world.case_a))
    assert 'name="_save"' not in html  # read-only: the case is still Dallas's
    assert 'name="note_text"' not in html
    assert tools(response) == set()
    page(client, transfer_url(transfer, "accept"))
    response = client.post(transfer_url(transfer, "accept"), {"note": "Recibido"})
    assert response.status_code == 302
    assert response["Location"] == case_url(world.case_a)
    transfer.refresh_from_db()
    case = Case.objects.get(pk=world.case_a.pk)
    assert (transfer.status, transfer.decided_by, transfer.note) == ("accepted", supervisor_b, "Recibido")
    assert case.consulate == consulate("el_paso")
    assert case.assigned_to is None

    # The sending consulate keeps the record, not the case.
    login_verified(client, world.officer_a)
    assert hidden(client.get(case_url(case)))
    response, html = page(client, transfer_url(transfer))
    assert case_url(case) not in html
    assert case.reference in html
    assert shown_rows(client, reverse("admin:cases_transfer_changelist") + "?status=accepted") == {
        transfer.pk
    }


def test_reject_needs_a_reason_and_leaves_the_case(client, world, supervisor_b):
    transfer = request_transfer(world)
    login_verified(client, supervisor_b)
    response = client.post(transfer_url(transfer, "reject"), {"note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["note"]
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    response = client.post(transfer_url(transfer, "reject"), {"note": "No es de nuestro distrito"})
    assert response.status_code == 302
    # The case was never El Paso's: once rejected, back to the queue, not to a page it cannot open.
    assert response["Location"] == reverse("admin:cases_transfer_changelist")
    transfer.refresh_from_db()
    assert (transfer.status, transfer.note) == ("rejected", "No es de nuestro distrito")
    assert Case.objects.get(pk=world.case_a.pk).consulate == consulate("dallas")
    assert hidden(client.get(case_url(world.case_a)))


def test_sending_consulate_cancels_and_receiving_cannot(client, world, supervisor_b):
    transfer = request_transfer(world)
    login_verified(client, supervisor_b)
    response = client.get(transfer_url(transfer, "cancel"))
    assert response.status_code == 302
    assert response["Location"] == transfer_url(transfer)
    client.post(transfer_url(transfer, "cancel"), {"note": "x"})
    transfer.refresh_from_db()
    assert transfer.status == "pending"

    login_verified(client, world.officer_a)
    response, _html = page(client, case_url(world.case_a))
    links = dict((n, u) for t, links in response.context["crossoffice"]["transfers"] for n, _l, u in links)
    assert set(links) == {"cancel"}  # an officer neither accepts nor rejects
    response = client.post(links["cancel"], {"note": "La familia se quedó en Dallas"})
    assert response.status_code == 302
    assert response["Location"] == case_url(world.case_a)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == ("cancelled", world.officer_a)
    response, _html = page(client, case_url(world.case_a))
    assert "transfer" in tools(response)


@pytest.mark.parametrize("who", ["sending_supervisor", "other_supervisor", "receiving_officer", "manager"])
def test_only_a_supervisor_of_the_receiving_consulate_accepts(client, world, who):
    transfer = request_transfer(world)
    user = {
        "sending_supervisor": world.supervisor_a,
        "other_supervisor": supervisor("houston"),
        "receiving_officer": officer("el_paso"),
        "manager": world.manager,
    }[who]
    login_verified(client, user)
    detail = client.get(transfer_url(transfer))
    forged = client.post(transfer_url(transfer, "accept"), {"note": "forjado"})
    if who == "other_supervisor":
        # Houston is neither end of the transfer: it does not exist for them.
        assert hidden(detail)
        assert forged.status_code == 404
    else:
        assert detail.status_code == 200
        assert not {"accept", "reject"} & {n for n, _l, _u in detail.context["object_actions"]}
        assert forged.status_code == 302
        assert forged["Location"] == transfer_url(transfer)
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    assert Case.objects.get(pk=world.case_a.pk).consulate == consulate("dallas")


def test_a_refusal_by_the_service_shows_on_the_form(client, world, supervisor_b):
    """Offered (pending, the right supervisor), but the service refuses under its lock: the case left
    the sending consulate meanwhile. The refusal is shown on the form; nothing changes."""
    transfer = request_transfer(world)
    Case.objects.filter(pk=world.case_a.pk).update(consulate=consulate("houston"))
    login_verified(client, supervisor_b)
    response = client.post(transfer_url(transfer, "accept"), {"note": ""})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert 'class="errornote"' in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == "pending"


def test_transfer_lists_per_role(client, world, supervisor_b):
    out_a = request_transfer(world)
    in_a = services.transfer_request(
        actor=world.officer_b, case=world.case_b, to_consulate=consulate("dallas"), reason="Se mudó a Dallas"
    )
    houston = officer("houston")
    elsewhere = services.transfer_request(
        actor=houston, case=make_case(houston), to_consulate=consulate("el_paso"), reason="Otra"
    )
    url = reverse("admin:cases_transfer_changelist")
    login_verified(client, world.officer_a)
    assert shown_rows(client, url) == {out_a.pk, in_a.pk}  # pending is the default view
    assert shown_rows(client, url + "?direction=incoming") == {in_a.pk}
    assert shown_rows(client, url + "?direction=outgoing") == {out_a.pk}
    assert shown_rows(client, url + "?status=accepted") == set()
    _response, html = page(client, url + "?direction=incoming&status=pending")
    assert world.case_b.reference in html
    assert world.case_b.person.full_name in html
    login_verified(client, supervisor_b)
    assert shown_rows(client, url + "?direction=incoming") == {out_a.pk, elsewhere.pk}
    for role in ("manager", "administrator"):
        login_verified(client, getattr(world, role))
        assert shown_rows(client, url) == {out_a.pk, in_a.pk, elsewhere.pk}
        assert shown_rows(client, url + f"?to_consulate__id__exact={consulate('el_paso').pk}") == {
            out_a.pk,
            elsewhere.pk,
        }
    login_verified(client, world.officer_a)
    assert hidden(client.get(transfer_url(elsewhere)))
    assert client.get(transfer_url(elsewhere, "cancel")).status_code == 404
    login_verified(client, world.partner)
    assert "/admin/login/" in client.get(url)["Location"]


def test_automatic_proposal_shows_to_both_consulates(client, world, supervisor_b):
    from consulates.models import DetentionFacility

    facility = DetentionFacility.objects.filter(county__consulate__slug="el_paso", active=True).first()
    services.case_update(actor=world.officer_a, case=world.case_a, facility=facility)
    transfer = Transfer.objects.get(case=world.case_a, status="pending")
    assert transfer.automatic
    url = reverse("admin:cases_transfer_changelist") + "?automatic__exact=1"
    for user in (world.officer_a, supervisor_b):
        login_verified(client, user)
        assert shown_rows(client, url) == {transfer.pk}
        _response, html = page(client, case_url(world.case_a))
        assert "crossoffice-pending" in html


def test_closed_case_offers_no_new_cross_office_work(client, world):
    case = world.case_a
    services.case_close_request(actor=world.officer_a, case=case, outcome="bond_granted")
    case = Case.objects.get(pk=case.pk)
    if case.status != "closed":
        services.case_close_approve(actor=world.supervisor_a, case=case)
    login_verified(client, world.officer_a)
    response, _html = page(client, case_url(case))
    assert not {"transfer", "consent", "refer"} & tools(response)
    for tool in ("transfer", "consent", "refer"):
        response = client.post(tool_url(case, tool), {"to_consulate": consulate("el_paso").pk, "reason": "x"})
        assert response.status_code == 302
        assert response["Location"] == case_url(case)
    assert not Transfer.objects.filter(case=case).exists()


# --- consent and referrals -----------------------------------------------------------------------


def test_consent_refer_answer_and_withdrawal(client, world, legal_partner):
    case = world.case_a
    login_verified(client, world.officer_a)
    response, html = page(client, tool_url(case, "refer") + f"?service={LEGAL}")
    assert "Defensa Legal del Norte" in html
    assert [p.has_consent for p in response.context["suggestions"] if p == legal_partner] == [False]

    page(client, tool_url(case, "consent") + f"?partner={legal_partner.pk}")
    response = client.post(
        tool_url(case, "consent"),
        {
            "partner": legal_partner.pk,
            "scope": ["identity", "hearings"],
            "method": "verbal",
            "given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    consent = Consent.objects.get(case=case, partner=legal_partner)
    assert (consent.scope, consent.method, consent.recorded_by) == (
        ["identity", "hearings"],
        "verbal",
        world.officer_a,
    )

    response, _html = page(client, tool_url(case, "refer") + f"?service={LEGAL}")
    assert [p.has_consent for p in response.context["suggestions"] if p == legal_partner] == [True]
    response = client.post(
        tool_url(case, "refer"), {"service": LEGAL, "partner": legal_partner.pk, "request_note": "Audiencia"}
    )
    assert response.status_code == 302
    referral = Referral.objects.get(case=case, partner=legal_partner)
    assert (referral.status, referral.consent, referral.request_note) == ("pending", consent, "Audiencia")

    # The partner answered by phone: staff record it from the referral's page.
    response, _html = page(client, referral_url(referral))
    assert {n for n, _l, _u in response.context["object_actions"]} == {"accept", "decline", "withdraw"}
    assert client.post(referral_url(referral, "accept")).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.responded_by) == ("accepted", world.officer_a)
    response = client.post(referral_url(referral, "complete"), {"outcome_note": ""})
    assert response.context["form"].errors["outcome_note"]
    assert client.post(referral_url(referral, "start"), {"note": "Primera cita"}).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "in_progress"

    response, html = page(client, case_url(case))
    assert "Defensa Legal del Norte" in html
    [(shown_consent, withdraw)] = response.context["crossoffice"]["consents"]
    assert shown_consent == consent
    assert withdraw
    page(client, withdraw)
    response = client.post(withdraw, {"note": "Ya tiene abogado"})
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    consent.refresh_from_db()
    referral.refresh_from_db()
    assert consent.withdrawn_by == world.officer_a
    assert consent.withdrawal_note == "Ya tiene abogado"
    assert referral.status == "withdrawn"
    response, _html = page(client, case_url(case))
    assert response.context["crossoffice"]["consents"] == [(consent, "")]
    assert response.context["crossoffice"]["referrals"] == [(referral, [])]
    assert client.post(withdraw, {"note": "otra vez"}).status_code == 302  # not offered twice


def test_refer_without_consent_shows_the_error_next_to_the_partner(client, world, legal_partner):
    login_verified(client, world.officer_a)
    response = client.post(tool_url(world.case_a, "refer"), {"service": LEGAL, "partner": legal_partner.pk})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["partner"]
    assert "consent" in errors["partner"][0].lower() or "consentimiento" in errors["partner"][0].lower()
    assert 'class="form-row errors field-partner"' in response.content.decode()
    assert not Referral.objects.exists()


def test_refer_for_a_service_the_partner_does_not_offer(client, world, legal_partner):
    services.consent_record(
        actor=world.officer_a, case=world.case_a, partner=legal_partner, scope=["identity"], method="verbal"
    )
    login_verified(client, world.officer_a)
    response = client.post(
        tool_url(world.case_a, "refer"), {"service": "shelter", "partner": legal_partner.pk}
    )
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["service"]


def test_decline_and_withdraw_ask_for_a_reason(client, world, legal_partner):
    case = world.case_a
    services.consent_record(
        actor=world.officer_a, case=case, partner=legal_partner, scope=["identity"], method="verbal"
    )
    referral = services.referral_create(
        actor=world.officer_a, case=case, partner=legal_partner, service=LEGAL
    )
    login_verified(client, world.supervisor_a)
    response = client.post(referral_url(referral, "decline"), {"reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert client.post(referral_url(referral, "decline"), {"reason": "Sin cupo"}).status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason) == ("declined", "Sin cupo")
    response, _html = page(client, referral_url(referral))
    assert response.context["object_actions"] == []
    second = services.referral_create(
        actor=world.officer_a, case=case, partner=legal_partner, service="bond_assistance"
    )
    assert client.post(referral_url(second, "withdraw"), {"reason": "Ya pagó la fianza"}).status_code == 302
    second.refresh_from_db()
    assert (second.status, second.withdrawal_reason) == ("withdrawn", "Ya pagó la fianza")


def test_uploaded_form_consent_needs_one_of_the_case_documents(
    client, world, legal_partner, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    case = world.case_a
    other = services.document_upload(
        actor=world.officer_b,
        case=world.case_b,
        file=SimpleUploadedFile("otro.pdf", PDF, content_type="application/pdf"),
        kind="consent_form",
    )
    login_verified(client, world.officer_a)
    data = {"partner": legal_partner.pk, "scope": ["identity"], "method": "uploaded_form", "given_at": ""}
    response = client.post(tool_url(case, "consent"), data)
    assert list(response.context["form"].errors) == ["form_document"]
    response = client.post(tool_url(case, "consent"), {**data, "form_document": other.pk})
    assert list(response.context["form"].errors) == ["form_document"]  # not a choice: another case's
    signed = services.document_upload(
        actor=world.officer_a,
        case=case,
        file=SimpleUploadedFile("consentimiento.pdf", PDF, content_type="application/pdf"),
        kind="consent_form",
    )
    response, html = page(client, tool_url(case, "consent"))
    assert "consentimiento.pdf" in html
    assert "otro.pdf" not in html
    assert client.post(tool_url(case, "consent"), {**data, "form_document": signed.pk}).status_code == 302
    assert Consent.objects.get(case=case).form_document == signed
    _response, html = page(client, case_url(case))
    assert "consentimiento.pdf" in html


def test_referral_pages_follow_the_case_visibility(client, world, legal_partner):
    case = world.case_a
    services.consent_record(
        actor=world.officer_a, case=case, partner=legal_partner, scope=["identity"], method="verbal"
    )
    referral = services.referral_create(
        actor=world.officer_a, case=case, partner=legal_partner, service=LEGAL
    )
    url = reverse("admin:cases_referral_changelist")
    login_verified(client, world.officer_b)
    assert shown_rows(client, url) == set()
    assert hidden(client.get(referral_url(referral)))
    assert client.post(referral_url(referral, "accept")).status_code == 404
    consent = Consent.objects.get(case=case)
    withdraw = reverse("admin:cases_case_consent_withdraw", args=[case.pk, consent.pk])
    assert client.post(withdraw, {"note": "x"}).status_code == 404
    login_verified(client, world.manager)
    response, _html = page(client, referral_url(referral))
    assert response.context["object_actions"] == []  # managers read
    assert client.post(referral_url(referral, "accept")).status_code == 302
    referral.refresh_from_db()
    assert referral.status == "pending"
    assert shown_rows(client, url) == {referral.pk}


def test_referrals_awaiting_an_answer_over_72_hours(client, world, legal_partner):
    case = world.case_a
    services.consent_record(
        actor=world.officer_a, case=case, partner=legal_partner, scope=["identity"], method="verbal"
    )
    late = services.referral_create(actor=world.officer_a, case=case, partner=legal_partner, service=LEGAL)
    services.referral_create(
        actor=world.officer_a, case=case, partner=legal_partner, service="bond_assistance"
    )
    Referral.objects.filter(pk=late.pk).update(referred_at=timezone.now() - dt.timedelta(hours=73))
    login_verified(client, world.officer_a)
    assert shown_rows(client, reverse("admin:cases_referral_changelist") + "?overdue=1") == {late.pk}
    _response, html = page(client, case_url(case))
    assert html.count("case-flag-referral") == 1


# --- query counts --------------------------------------------------------------------------------

FEW, MANY = 3, 12


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _add_crossoffice_rows(world, partner, count: int) -> None:
    """Per round: a Dallas case transferred to El Paso (pending), one accepted from El Paso, and a
    Dallas case with a consent and referrals in several states."""
    for i in range(count):
        outgoing = make_case(world.officer_a)
        services.transfer_request(
            actor=world.officer_a, case=outgoing, to_consulate=consulate("el_paso"), reason=f"Motivo {i}"
        )
        incoming = make_case(world.officer_b)
        moved = services.transfer_request(
            actor=world.officer_b, case=incoming, to_consulate=consulate("dallas"), reason=f"Mudanza {i}"
        )
        if i % 2:
            services.transfer_accept(actor=world.supervisor_a, transfer=moved)
        else:
            services.transfer_reject(actor=world.supervisor_a, transfer=moved, note="No")
        case = make_case(world.officer_a)
        services.consent_record(
            actor=world.officer_a, case=case, partner=partner, scope=["identity"], method="verbal"
        )
        first = services.referral_create(actor=world.officer_a, case=case, partner=partner, service=LEGAL)
        services.referral_create(actor=world.officer_a, case=case, partner=partner, service="bond_assistance")
        if i % 2:
            services.referral_accept(actor=world.officer_a, referral=first)


@pytest.mark.parametrize("role", ["officer_a", "manager"])
def test_transfer_and_referral_lists_do_not_grow_with_rows(client, world, legal_partner, role):
    login_verified(client, getattr(world, role))
    lists = [
        reverse("admin:cases_transfer_changelist") + "?status=all",
        reverse("admin:cases_transfer_changelist")
        + (
            "?direction=incoming"
            if role == "officer_a"
            else f"?to_consulate__id__exact={consulate('dallas').pk}"
        ),
        reverse("admin:cases_referral_changelist"),
        reverse("admin:cases_referral_changelist") + "?overdue=1",
    ]
    _add_crossoffice_rows(world, legal_partner, FEW)
    few = [_queries(client, url) for url in lists]
    _add_crossoffice_rows(world, legal_partner, MANY - FEW)
    many = [_queries(client, url) for url in lists]
    assert many == few
    assert len(client.get(lists[0]).context["cl"].result_list) >= 2 * MANY


def test_case_page_queries_do_not_grow_with_cross_office_rows(client, world, legal_partner):
    case = world.case_a
    login_verified(client, world.officer_a)
    other = PartnerFactory(services=[LEGAL])

    def grow(partners):
        for partner in partners:
            consent = services.consent_record(
                actor=world.officer_a, case=case, partner=partner, scope=["identity"], method="verbal"
            )
            referral = services.referral_create(
                actor=world.officer_a, case=case, partner=partner, service=LEGAL
            )
            services.referral_accept(actor=world.officer_a, referral=referral)
            services.consent_withdraw(actor=world.officer_a, consent=consent)
            transfer = request_transfer(world, case=Case.objects.get(pk=case.pk))
            services.transfer_cancel(actor=world.officer_a, transfer=transfer)

    grow([legal_partner])
    few = _queries(client, case_url(case))
    grow([other, legal_partner, other])
    request_transfer(world, case=Case.objects.get(pk=case.pk))
    many = _queries(client, case_url(case))
    response = client.get(case_url(case))
    assert len(response.context["crossoffice"]["transfers"]) == 5
    assert len(response.context["crossoffice"]["referrals"]) == 4
    # the pending transfer's actions and the timeline's extra events cost nothing per row
    assert many == few
