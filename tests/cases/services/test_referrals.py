"""cases/services/referrals.py: consent, referrals to partners, their lifecycle and their end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from cases import services
from cases.models import Case, CaseEvent, Consent, Referral
from cases.models.crossoffice import REFERRAL_ANSWER_HOURS
from consulates.models import PartnerService
from tests import factories as f
from tests.dbchecks import error_codes, error_fields, last_event_pk, new_events, row_xmin
from tests.factories.crossoffice import FULL_SCOPE, make_consent, make_referral
from tests.factories.documents import valid_pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """These tests read the services' messages in English (the staff default is Spanish)."""
    with translation.override("en"):
        yield


LEGAL, BOND, SHELTER = PartnerService.LEGAL, PartnerService.BOND, PartnerService.SHELTER


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def partner_sees(user, case) -> bool:
    return Case.objects.visible_to(fresh(user)).filter(pk=case.pk).exists()


@pytest.fixture
def dallas_officer():
    return f.officer("dallas")


@pytest.fixture
def partner():
    return f.PartnerFactory(covers=["dallas"], services=[LEGAL, BOND])


@pytest.fixture
def partner_staff(partner):
    return f.partner_user(partner)


@pytest.fixture
def case(dallas_officer):
    case = f.make_case(dallas_officer)
    services.case_note_add(actor=dallas_officer, case=case, text="Primera visita")
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def referral(dallas_officer, case, partner):
    return make_referral(dallas_officer, case, partner, service=LEGAL)


def status_of(referral) -> str:
    return Referral.objects.values_list("status", flat=True).get(pk=referral.pk)


# --- consent_record -------------------------------------------------------------------------------


def test_consent_is_recorded_with_its_scope_on_the_timeline(dallas_officer, case, partner):
    before = last_event_pk(case)
    consent = services.consent_record(
        actor=dallas_officer,
        case=case,
        partner=partner,
        scope=["hearings", "identity", "hearings"],
        method="written",
    )
    consent.refresh_from_db()
    assert consent.scope == ["identity", "hearings"]  # canonical order, no duplicates
    assert (consent.method, consent.recorded_by, consent.active) == ("written", dallas_officer, True)
    events = new_events(case, before)
    assert [(e.kind, e.actor_id) for e in events] == [("consent_recorded", dallas_officer.pk)]
    assert events[0].payload == {
        "consent_id": consent.pk,
        "partner_id": partner.pk,
        "partner": partner.name,
        "method": "written",
        "scope": ["identity", "hearings"],
    }
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def _upload(actor, case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("consentimiento.pdf", valid_pdf_bytes(), content_type="application/pdf")
    return services.document_upload(actor=actor, case=case, file=pdf, kind="consent_form")


def test_an_uploaded_form_points_at_its_document(settings, tmp_path, dallas_officer, case, partner):
    settings.MEDIA_ROOT = tmp_path
    form = _upload(dallas_officer, case)
    consent = make_consent(dallas_officer, case, partner, method="uploaded_form", form_document=form)
    assert Consent.objects.get(pk=consent.pk).form_document == form


def test_an_uploaded_form_of_another_case_is_refused(settings, tmp_path, dallas_officer, case, partner):
    settings.MEDIA_ROOT = tmp_path
    other = _upload(dallas_officer, f.make_case(dallas_officer))
    with pytest.raises(ValidationError) as exc:
        make_consent(dallas_officer, case, partner, method="uploaded_form", form_document=other)
    assert error_fields(exc.value) == {"form_document"}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        pytest.param({"scope": []}, "scope", id="empty-scope"),
        pytest.param({"scope": ["identity", "bank_account"]}, "scope", id="unknown-category"),
        pytest.param({"method": "telepathy"}, "method", id="unknown-method"),
        pytest.param({"method": "uploaded_form"}, "form_document", id="uploaded-form-without-document"),
        pytest.param({"given_at": "future"}, "given_at", id="future-time"),
    ],
)
def test_consent_record_is_validated(dallas_officer, case, partner, overrides, field):
    values = {"scope": list(FULL_SCOPE), "method": "verbal"} | overrides
    if values.get("given_at") == "future":
        values["given_at"] = timezone.now() + dt.timedelta(hours=1)
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.consent_record(actor=dallas_officer, case=case, partner=partner, **values)
    assert error_fields(exc.value) == {field}
    assert not Consent.objects.filter(case=case).exists()
    assert new_events(case, before) == []


def test_consent_for_an_inactive_partner_is_refused(dallas_officer, case):
    inactive = f.PartnerFactory(covers=["dallas"], active=False)
    with pytest.raises(ValidationError) as exc:
        make_consent(dallas_officer, case, inactive)
    assert exc.value.message_dict == {"partner": ["This partner organisation is inactive."]}


def test_a_second_active_consent_for_the_same_partner_is_refused(dallas_officer, case, partner):
    first = make_consent(dallas_officer, case, partner, scope=["identity"])
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        make_consent(dallas_officer, case, partner)
    assert error_fields(exc.value) == {"partner"}
    assert "Withdraw it first" in exc.value.message_dict["partner"][0]
    assert list(Consent.objects.filter(case=case)) == [first]
    assert new_events(case, before) == []
    # After withdrawal a new consent is a new row.
    services.consent_withdraw(actor=dallas_officer, consent=first)
    second = make_consent(dallas_officer, case, partner)
    assert set(Consent.objects.filter(case=case).active()) == {second}


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: f.officer("houston"), id="other-consulate-officer"),
        pytest.param(f.manager, id="manager"),
        pytest.param(f.partner_user, id="partner-user"),
    ],
)
def test_only_the_cases_consulate_records_consent(case, partner, make_user):
    with pytest.raises(PermissionDenied):
        make_consent(make_user(), case, partner)
    assert not Consent.objects.filter(case=case).exists()


def test_consent_on_a_closed_case_is_refused(dallas_officer, case, partner):
    services.case_close_request(actor=dallas_officer, case=case, outcome="released")
    with pytest.raises(ValidationError) as exc:
        make_consent(dallas_officer, case, partner)
    assert error_codes(exc.value) == {"closed"}


# --- referral_create ------------------------------------------------------------------------------


def test_referral_is_created_pending_and_on_the_timeline(dallas_officer, case, partner, partner_staff):
    consent = make_consent(dallas_officer, case, partner, scope=["identity"])
    assert not partner_sees(partner_staff, case)  # consent alone shares nothing
    before = last_event_pk(case)
    referral = services.referral_create(
        actor=dallas_officer, case=case, partner=partner, service=LEGAL, request_note=" Audiencia el lunes "
    )
    referral.refresh_from_db()
    assert (referral.status, referral.consent, referral.referred_by, referral.request_note) == (
        "pending",
        consent,
        dallas_officer,
        "Audiencia el lunes",
    )
    assert (referral.responded_by, referral.responded_at) == (None, None)
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text) for e in events] == [
        ("referred", dallas_officer.pk, "Audiencia el lunes")
    ]
    assert events[0].payload == {
        "referral_id": referral.pk,
        "partner_id": partner.pk,
        "partner": partner.name,
        "service": LEGAL,
    }
    assert partner_sees(partner_staff, case)


def test_referral_without_consent_is_refused(dallas_officer, case, partner):
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert exc.value.message_dict == {
        "partner": ["Record the person's consent to share this case with this partner before referring."]
    }
    assert not Referral.objects.filter(case=case).exists()


def test_referral_on_consent_without_identity_is_refused(dallas_officer, case, partner):
    make_consent(dallas_officer, case, partner, scope=["contact", "hearings"])
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert exc.value.message_dict == {
        "partner": ["The person's consent does not let this partner know who they are; a referral needs it."]
    }


def test_referral_to_an_inactive_partner_is_refused(dallas_officer, case, partner):
    make_consent(dallas_officer, case, partner)
    partner.active = False
    partner.save(update_fields=["active"])
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert exc.value.message_dict == {
        "partner": ["This partner organisation is inactive; it cannot receive referrals."]
    }


def test_referral_to_a_partner_not_covering_the_consulate_is_refused(dallas_officer, case):
    houston_only = f.PartnerFactory(covers=["houston"], services=[LEGAL])
    make_consent(dallas_officer, case, houston_only)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=houston_only, service=LEGAL)
    assert exc.value.message_dict == {"partner": ["This partner organisation does not cover this consulate."]}


def test_referral_for_a_service_not_offered_is_refused(dallas_officer, case, partner):
    make_consent(dallas_officer, case, partner)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=SHELTER)
    assert exc.value.message_dict == {"service": ["This partner organisation does not offer this service."]}


def test_a_second_active_referral_for_the_same_service_is_refused(dallas_officer, case, partner, referral):
    before = last_event_pk(case)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert exc.value.message_dict == {
        "service": ["This case is already referred to this partner for this service."]
    }
    assert new_events(case, before) == []
    # Another service of the same partner is a separate referral on the same consent.
    bond = services.referral_create(actor=dallas_officer, case=case, partner=partner, service=BOND)
    assert bond.consent_id == referral.consent_id
    # Once the first one ended, the service can be asked for again.
    services.referral_decline(actor=f.partner_user(partner), referral=referral, reason="Sin cupo")
    again = services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert set(Referral.objects.filter(case=case).active()) == {bond, again}


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: f.officer("houston"), id="other-consulate-officer"),
        pytest.param(f.manager, id="manager"),
        pytest.param(f.partner_user, id="partner-user"),
    ],
)
def test_only_the_cases_consulate_refers(dallas_officer, case, partner, make_user):
    make_consent(dallas_officer, case, partner)
    with pytest.raises(PermissionDenied):
        services.referral_create(actor=make_user(), case=case, partner=partner, service=LEGAL)
    assert not Referral.objects.filter(case=case).exists()


# --- the partner's answer and the lifecycle -------------------------------------------------------


def test_full_lifecycle_by_the_partner(dallas_officer, case, partner_staff, referral):
    before = last_event_pk(case)
    services.referral_accept(actor=partner_staff, referral=referral)
    accepted = Referral.objects.get(pk=referral.pk)
    assert (accepted.status, accepted.responded_by) == ("accepted", partner_staff)
    assert accepted.responded_at is not None

    services.referral_start(actor=partner_staff, referral=referral, note=" Primera cita ")
    services.referral_complete(actor=partner_staff, referral=referral, outcome_note=" Fianza obtenida ")

    done = Referral.objects.get(pk=referral.pk)
    assert (done.status, done.outcome_note) == ("completed", "Fianza obtenida")
    assert done.completed_at is not None
    # The answer is the first response; later steps do not overwrite it.
    assert (done.responded_by, done.responded_at) == (partner_staff, accepted.responded_at)
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text, e.payload["status"]) for e in events] == [
        ("referral_answered", partner_staff.pk, "", "accepted"),
        ("referral_progress", partner_staff.pk, "Primera cita", "in_progress"),
        ("referral_progress", partner_staff.pk, "Fianza obtenida", "completed"),
    ]
    assert {e.payload["referral_id"] for e in events} == {referral.pk}
    assert not partner_sees(partner_staff, case)  # the work is done; the case is no longer shared
    assert Referral.objects.visible_to(fresh(partner_staff)).filter(pk=referral.pk).exists()


def test_complete_needs_an_outcome(partner_staff, referral):
    services.referral_accept(actor=partner_staff, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(actor=partner_staff, referral=referral, outcome_note="  ")
    assert error_fields(exc.value) == {"outcome_note"}
    assert status_of(referral) == "accepted"


def test_decline_needs_a_reason(case, partner_staff, referral):
    with pytest.raises(ValidationError) as exc:
        services.referral_decline(actor=partner_staff, referral=referral, reason=" ")
    assert error_fields(exc.value) == {"reason"}
    assert status_of(referral) == "pending"
    before = last_event_pk(case)
    services.referral_decline(actor=partner_staff, referral=referral, reason=" Sin cupo ")
    declined = Referral.objects.get(pk=referral.pk)
    assert (declined.status, declined.decline_reason, declined.responded_by) == (
        "declined",
        "Sin cupo",
        partner_staff,
    )
    assert [(e.kind, e.actor_id, e.text) for e in new_events(case, before)] == [
        ("referral_answered", partner_staff.pk, "Sin cupo")
    ]
    assert not partner_sees(partner_staff, case)


def test_the_consulate_may_record_an_answer_received_by_phone(dallas_officer, referral):
    services.referral_accept(actor=dallas_officer, referral=referral)
    assert Referral.objects.get(pk=referral.pk).responded_by == dallas_officer


ACTIONS = {
    "accept": lambda actor, r: services.referral_accept(actor=actor, referral=r),
    "decline": lambda actor, r: services.referral_decline(actor=actor, referral=r, reason="No"),
    "start": lambda actor, r: services.referral_start(actor=actor, referral=r),
    "complete": lambda actor, r: services.referral_complete(actor=actor, referral=r, outcome_note="Hecho"),
    "withdraw": lambda actor, r: services.referral_withdraw(actor=actor, referral=r, reason="Ya no"),
    "note": lambda actor, r: services.referral_note_add(actor=actor, referral=r, text="Avance"),
}

# How to bring a fresh (pending) referral to each status; the consulate withdraws.
REACH = {
    "pending": [],
    "accepted": ["accept"],
    "in_progress": ["accept", "start"],
    "completed": ["accept", "complete"],
    "declined": ["decline"],
    "withdrawn": ["withdraw"],
}

ALLOWED = {
    "pending": {"accept", "decline", "withdraw"},
    "accepted": {"start", "complete", "withdraw", "note"},
    "in_progress": {"complete", "withdraw", "note"},
    "completed": set(),
    "declined": set(),
    "withdrawn": set(),
}
ILLEGAL = [(state, action) for state in REACH for action in ACTIONS if action not in ALLOWED[state]]


def _bring(referral, state, *, partner_staff, dallas_officer):
    for step in REACH[state]:
        ACTIONS[step](dallas_officer if step == "withdraw" else partner_staff, referral)
    assert status_of(referral) == state


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_illegal_transitions_are_refused(dallas_officer, case, partner_staff, referral, state, action):
    _bring(referral, state, partner_staff=partner_staff, dallas_officer=dallas_officer)
    before = last_event_pk(case)
    actor = dallas_officer if action == "withdraw" else partner_staff
    with pytest.raises(ValidationError) as exc:
        ACTIONS[action](actor, referral)
    (code,) = error_codes(exc.value)
    assert code in {"referral_not_pending", "referral_not_accepted", "referral_not_active"}
    assert status_of(referral) == state
    assert new_events(case, before) == []


@pytest.mark.parametrize(
    ("state", "action"), [(s, a) for s, actions in ALLOWED.items() for a in sorted(actions)]
)
def test_legal_transitions_are_allowed(dallas_officer, partner_staff, referral, state, action):
    """The other half of the table above, so the table itself is checked."""
    _bring(referral, state, partner_staff=partner_staff, dallas_officer=dallas_officer)
    ACTIONS[action](dallas_officer if action == "withdraw" else partner_staff, referral)


def test_the_consulate_withdraws_a_referral(dallas_officer, case, partner_staff, referral):
    services.referral_accept(actor=partner_staff, referral=referral)
    with pytest.raises(ValidationError) as exc:
        services.referral_withdraw(actor=dallas_officer, referral=referral, reason="")
    assert error_fields(exc.value) == {"reason"}
    before = last_event_pk(case)
    services.referral_withdraw(
        actor=dallas_officer, referral=referral, reason=" Se contrató abogado privado "
    )
    withdrawn = Referral.objects.get(pk=referral.pk)
    assert (withdrawn.status, withdrawn.withdrawn_by, withdrawn.withdrawal_reason) == (
        "withdrawn",
        dallas_officer,
        "Se contrató abogado privado",
    )
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text) for e in events] == [
        ("referral_withdrawn", dallas_officer.pk, "Se contrató abogado privado")
    ]
    assert row_xmin(events[0]) == row_xmin(withdrawn)
    assert not partner_sees(partner_staff, case)


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda p: f.partner_user(f.PartnerFactory(covers=["dallas"])), id="other-partner"),
        pytest.param(lambda p: f.officer("houston"), id="other-consulate-officer"),
        pytest.param(lambda p: f.manager(), id="manager"),
        pytest.param(lambda p: f.partner_user(p, is_active=False), id="inactive-user-of-the-partner"),
    ],
)
@pytest.mark.parametrize("action", ["accept", "decline", "start", "complete", "note"])
def test_only_the_partner_or_the_consulate_answers(
    dallas_officer, case, partner_staff, referral, make_user, action
):
    if action in ("start", "complete", "note"):
        services.referral_accept(actor=partner_staff, referral=referral)
    state = status_of(referral)
    before = last_event_pk(case)
    with pytest.raises(PermissionDenied):
        ACTIONS[action](make_user(referral.partner), referral)
    assert status_of(referral) == state
    assert new_events(case, before) == []


def test_the_partner_cannot_withdraw(partner_staff, referral):
    with pytest.raises(PermissionDenied):
        services.referral_withdraw(actor=partner_staff, referral=referral, reason="No")
    assert status_of(referral) == "pending"


# --- referral_note_add ----------------------------------------------------------------------------


def test_only_the_partner_posts_notes_on_its_referral(dallas_officer, case, partner_staff, referral):
    services.referral_accept(actor=partner_staff, referral=referral)
    with pytest.raises(PermissionDenied, match="Only the partner organisation"):
        services.referral_note_add(actor=dallas_officer, referral=referral, text="Desde el consulado")
    with pytest.raises(ValidationError) as exc:
        services.referral_note_add(actor=partner_staff, referral=referral, text="  ")
    assert error_fields(exc.value) == {"text"}
    before = last_event_pk(case)
    event = services.referral_note_add(actor=partner_staff, referral=referral, text=" Cita con el juez ")
    assert [(e.kind, e.actor_id, e.text) for e in new_events(case, before)] == [
        ("partner_note", partner_staff.pk, "Cita con el juez")
    ]
    assert event.payload["partner_id"] == referral.partner_id


# --- consent withdrawal ---------------------------------------------------------------------------


def test_withdrawing_consent_ends_the_referrals_and_the_partners_access(
    dallas_officer, case, partner, partner_staff, referral
):
    services.referral_accept(actor=partner_staff, referral=referral)
    bond = make_referral(dallas_officer, case, partner, service=BOND)
    declined = Referral.objects.get(pk=bond.pk)
    services.referral_decline(actor=partner_staff, referral=declined, reason="Sin cupo")
    bond_again = make_referral(dallas_officer, case, partner, service=BOND)
    consent = Consent.objects.get(case=case, partner=partner)
    other_partner = f.PartnerFactory(covers=["dallas"])
    other_referral = make_referral(dallas_officer, case, other_partner)
    assert partner_sees(partner_staff, case)
    before = last_event_pk(case)

    services.consent_withdraw(actor=dallas_officer, consent=consent, note=" Ya no quiere ")

    consent.refresh_from_db()
    assert (consent.active, consent.withdrawn_by, consent.withdrawal_note) == (
        False,
        dallas_officer,
        "Ya no quiere",
    )
    statuses = dict(Referral.objects.filter(case=case).values_list("pk", "status"))
    assert statuses == {
        referral.pk: "withdrawn",
        bond.pk: "declined",
        bond_again.pk: "withdrawn",
        other_referral.pk: "pending",
    }
    for ended in Referral.objects.filter(pk__in=[referral.pk, bond_again.pk]):
        assert (ended.withdrawn_by, ended.withdrawal_reason) == (
            dallas_officer,
            "The person withdrew consent.",
        )
    events = new_events(case, before)
    assert [(e.kind, e.actor_id, e.text) for e in events] == [
        ("consent_withdrawn", dallas_officer.pk, "Ya no quiere")
    ]
    assert events[0].payload["referrals_ended"] == sorted([referral.pk, bond_again.pk])
    assert events[0].payload["partner_id"] == partner.pk
    # Access ends at once, for every kind of record; the other partner's referral is untouched.
    user = fresh(partner_staff)
    assert not Case.objects.visible_to(user).filter(pk=case.pk).exists()
    assert not CaseEvent.objects.visible_to(user).filter(case=case).exists()
    assert not Consent.objects.visible_to(user).exists()
    assert partner_sees(f.partner_user(other_partner), case)
    # Withdrawal is final, and the ended referrals cannot be answered any more.
    with pytest.raises(ValidationError) as exc:
        services.consent_withdraw(actor=dallas_officer, consent=consent)
    assert error_codes(exc.value) == {"consent_withdrawn"}
    with pytest.raises(ValidationError):
        services.referral_note_add(actor=partner_staff, referral=referral, text="Sigo")
    # A new referral needs a new consent.
    with pytest.raises(ValidationError) as exc:
        services.referral_create(actor=dallas_officer, case=case, partner=partner, service=LEGAL)
    assert "Record the person's consent" in exc.value.message_dict["partner"][0]


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda p: f.partner_user(p), id="the-partner"),
        pytest.param(lambda p: f.officer("houston"), id="other-consulate-officer"),
    ],
)
def test_only_the_consulate_records_a_withdrawal(referral, make_user):
    with pytest.raises(PermissionDenied):
        services.consent_withdraw(actor=make_user(referral.partner), consent=referral.consent)
    assert Consent.objects.get(pk=referral.consent_id).active


# --- answers overdue after 72 hours ---------------------------------------------------------------


def test_a_referral_unanswered_for_72_hours_is_overdue(
    dallas_officer, case, partner, partner_staff, referral
):
    referred_at = Referral.objects.get(pk=referral.pk).referred_at
    limit = referred_at + dt.timedelta(hours=REFERRAL_ANSWER_HOURS)
    overdue = Referral.objects.filter(case=case)
    assert list(overdue.awaiting_answer_overdue(now=limit - dt.timedelta(seconds=1))) == []
    assert list(overdue.awaiting_answer_overdue(now=limit)) == [referral]

    Referral.objects.filter(pk=referral.pk).update(
        referred_at=timezone.now() - dt.timedelta(hours=REFERRAL_ANSWER_HOURS, minutes=1)
    )
    assert Referral.objects.get(pk=referral.pk).answer_overdue
    assert list(overdue.awaiting_answer_overdue()) == [referral]
    Referral.objects.filter(pk=referral.pk).update(
        referred_at=timezone.now() - dt.timedelta(hours=REFERRAL_ANSWER_HOURS - 1)
    )
    assert not Referral.objects.get(pk=referral.pk).answer_overdue
    assert list(overdue.awaiting_answer_overdue()) == []


def test_an_answered_referral_is_never_overdue(case, partner_staff, referral):
    Referral.objects.filter(pk=referral.pk).update(referred_at=timezone.now() - dt.timedelta(days=10))
    services.referral_accept(actor=partner_staff, referral=referral)
    assert not Referral.objects.get(pk=referral.pk).answer_overdue
    assert not Referral.objects.filter(case=case).awaiting_answer_overdue().exists()


# --- case closure ---------------------------------------------------------------------------------


def test_closing_the_case_withdraws_active_referrals(dallas_officer, case, partner, partner_staff, referral):
    services.referral_accept(actor=partner_staff, referral=referral)
    pending_bond = make_referral(dallas_officer, case, partner, service=BOND)
    other = f.PartnerFactory(covers=["dallas"])
    declined = make_referral(dallas_officer, case, other)
    services.referral_decline(actor=f.partner_user(other), referral=declined, reason="No")
    before = last_event_pk(case)

    services.case_close_request(actor=dallas_officer, case=case, outcome="resolved")

    statuses = dict(Referral.objects.filter(case=case).values_list("pk", "status"))
    assert statuses == {referral.pk: "withdrawn", pending_bond.pk: "withdrawn", declined.pk: "declined"}
    for ended in Referral.objects.filter(pk__in=[referral.pk, pending_bond.pk]):
        assert (ended.withdrawn_by, ended.withdrawal_reason) == (dallas_officer, "The case was closed.")
    events = new_events(case, before)
    assert [(e.kind, e.payload.get("referral_id")) for e in events] == [
        ("closed", None),
        ("referral_withdrawn", referral.pk),
        ("referral_withdrawn", pending_bond.pk),
        ("status", None),
    ]
    assert not partner_sees(partner_staff, case)
    # The consent itself stands (the person did not withdraw it); only the referrals ended.
    assert Consent.objects.get(pk=referral.consent_id).active
