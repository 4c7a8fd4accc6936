"""Event webhooks to partners (cases/reminders/webhook_events.py): each event is queued on the outbox by
the service that makes the change, in its transaction, once per event and endpoint, only to active
partners with a webhook and only while the case is shared with them (hearings only under the hearings
consent); what is sent says no more than the consent allows, and is the same on every retry."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from django.db import transaction

from cases import services
from cases.models import Case, CaseEvent, Reminder
from cases.models.crossoffice import DataCategory
from cases.models.reminder import EVENT_SUBJECT, EVENT_TYPES
from cases.reminders import webhook_events
from cases.reminders.dispatch import deliver
from consulates.services import partner_deactivate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, NOW, at
from tests.factories.crossoffice import make_consent, make_referral, make_transfer

pytestmark = pytest.mark.django_db

HEARING_AT = at(CHICAGO, "2026-05-12 09:30")
SECRET = "whsec_c2VjcmV0LWtleS1mb3ItdGhlLWV2ZW50LXRlc3Rz"


@pytest.fixture
def endpoint():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@dataclasses.dataclass
class World:
    officer: object
    partner: object
    case: object
    referral: object
    hearing: object


def world(url: str = "https://hooks.example.org/consulado", *, scope=tuple(DataCategory.values)) -> World:
    """A Dallas case referred to a partner with a webhook (consent ``scope``), with a hearing."""
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas", "el_paso"], webhook_url=url, webhook_secret=SECRET)
    case = f.make_case(officer)
    make_consent(officer, case, partner, scope=scope)
    referral = make_referral(officer, case, partner)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=HEARING_AT, location="Sala 3"
    )
    return World(officer, partner, case, referral, hearing)


def staff(w):
    """An officer of the consulate that holds the case now (it may have moved)."""
    return f.officer(Case.objects.get(pk=w.case.pk).consulate.slug)


def events_of(partner, kind: str | None = None):
    rows = Reminder.objects.filter(partner=partner, kind__in=EVENT_TYPES)
    return rows.filter(kind=kind) if kind else rows


# Each change and the event it makes (its kind, and how many rows the change writes for the partner).


def _create(w):
    case = f.make_case(w.officer)
    make_referral(w.officer, case, w.partner)


def _withdraw(w):
    services.referral_withdraw(actor=staff(w), referral=w.referral, reason="Ya tiene abogado.")


def _withdraw_consent(w):
    services.consent_withdraw(actor=w.officer, consent=w.referral.consent, note="Lo pidió por teléfono.")


def _close(w):
    services.case_close_request(actor=f.supervisor("dallas"), case=w.case, outcome="released")


def _transfer(w):
    transfer = make_transfer(w.officer, w.case, "el_paso")
    services.transfer_accept(actor=f.supervisor("el_paso"), transfer=transfer)


def _schedule(w):
    services.hearing_schedule(
        actor=staff(w), case=w.case, kind="bond", starts_at=HEARING_AT, location="Sala 5"
    )


def _move(w):
    services.hearing_update(
        actor=staff(w),
        hearing=w.hearing,
        kind="master_calendar",
        starts_at=HEARING_AT + dt.timedelta(days=1),
        location="Sala 3",
    )


def _cancel(w):
    services.hearing_cancel(actor=staff(w), hearing=w.hearing, reason="Suspendida.")


def _held(w):
    services.hearing_outcome_record(actor=staff(w), hearing=w.hearing, outcome="Se pospuso la decisión.")


CHANGES = {
    "referral created": (_create, "event_referral_created"),
    "referral withdrawn": (_withdraw, "event_referral_withdrawn"),
    "referral withdrawn by closing the case": (_close, "event_referral_withdrawn"),
    "consent withdrawn": (_withdraw_consent, "event_consent_withdrawn"),
    "case transferred": (_transfer, "event_case_transferred"),
    "hearing scheduled": (_schedule, "event_hearing_scheduled"),
    "hearing moved": (_move, "event_hearing_changed"),
    "hearing cancelled": (_cancel, "event_hearing_changed"),
    "hearing held": (_held, "event_hearing_changed"),
}


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_change_queues_its_event_once_for_the_partner_in_the_same_transaction(frozen, name):
    change, kind = CHANGES[name]
    w = world()
    before = set(events_of(w.partner).values_list("pk", flat=True))
    change(w)
    (row,) = events_of(w.partner).exclude(pk__in=before)
    assert (row.kind, row.channel, row.status, row.recipient_key) == (
        kind,
        "webhook",
        "pending",
        f"partner:{w.partner.pk}",
    )
    event = CaseEvent.objects.get(pk=row.subject_id)
    assert row.subject_type == EVENT_SUBJECT
    assert (row.due_at, row.case_id, row.person_id, row.user_id) == (NOW, event.case_id, None, None)

    assert Reminder.objects.filter(subject_type=EVENT_SUBJECT, subject_id=event.pk).count() == 1


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_change_that_rolls_back_queues_nothing(frozen, name):
    change, kind = CHANGES[name]
    w = world()
    before = events_of(w.partner).count()
    before_of_kind = events_of(w.partner, kind).count()

    class Boom(Exception):
        pass

    written = []

    def change_then_fail():
        with transaction.atomic():
            change(w)
            written.append(events_of(w.partner, kind).count())  # it was written, in the transaction
            raise Boom

    with pytest.raises(Boom):
        change_then_fail()
    assert written == [before_of_kind + 1]
    assert events_of(w.partner).count() == before


def test_queueing_an_event_twice_keeps_one_row(frozen):
    w = world()
    event = CaseEvent.objects.get(case=w.case, kind="referred")
    webhook_events.referral_created(event, w.referral)
    webhook_events.referral_created(event, w.referral)
    assert events_of(w.partner, "event_referral_created").count() == 1
    hearing_event = CaseEvent.objects.get(case=w.case, kind="hearing_scheduled")
    webhook_events.hearing_scheduled(hearing_event, w.hearing)
    assert events_of(w.partner, "event_hearing_scheduled").count() == 1


def test_without_the_hearings_consent_no_hearing_event_is_queued(frozen):
    w = world(scope=(DataCategory.IDENTITY, DataCategory.NOTES))
    _move(w)
    _cancel(w)
    _schedule(w)
    assert not events_of(w.partner).filter(kind__startswith="event_hearing").exists()
    # the other events still are: they carry no hearing data
    _transfer(w)
    assert set(events_of(w.partner).values_list("kind", flat=True)) == {
        "event_referral_created",
        "event_case_transferred",
    }


def test_only_the_partners_the_case_is_shared_with_under_hearings_hear_of_a_hearing(frozen):
    w = world()
    other = f.PartnerFactory(covers=["dallas"], webhook_url="https://otra.example.org/h", webhook_secret="x")
    make_consent(w.officer, w.case, other, scope=(DataCategory.IDENTITY,))
    make_referral(w.officer, w.case, other)
    unrelated = f.PartnerFactory(covers=["dallas"], webhook_url="https://nadie.example.org/h")
    _schedule(w)
    assert events_of(w.partner, "event_hearing_scheduled").count() == 2  # the world's and this one
    assert not events_of(other, "event_hearing_scheduled").exists()
    assert not events_of(unrelated).exists()


def test_nothing_is_queued_for_a_partner_without_a_webhook(frozen, mailoutbox):
    w = world(url="")
    for change in (_schedule, _move, _transfer, _withdraw):
        change(w)
    assert not events_of(w.partner).exists()
    assert mailoutbox == []


def test_nothing_is_queued_for_an_inactive_partner(frozen):
    w = world()
    partner_deactivate(actor=f.administrator(), partner=w.partner)
    before = events_of(w.partner).count()
    for change in (_schedule, _move, _withdraw):
        change(w)
    assert events_of(w.partner).count() == before


def test_nothing_is_queued_about_a_case_whose_referral_is_no_longer_active(frozen):
    w = world()
    services.referral_decline(actor=w.officer, referral=w.referral, reason="Sin cupo.")
    before = events_of(w.partner).count()
    for change in (_schedule, _move, _transfer):
        change(w)
    assert events_of(w.partner).count() == before


def test_a_consent_withdrawal_that_ended_no_referral_is_no_event(frozen):
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], webhook_url="https://hooks.example.org/c")
    case = f.make_case(officer)
    consent = make_consent(officer, case, partner)
    services.consent_withdraw(actor=officer, consent=consent)
    assert not events_of(partner).exists()


def test_closing_the_case_does_not_cancel_its_event_webhooks(frozen):
    w = world()
    _close(w)
    assert set(events_of(w.partner).values_list("kind", "status")) == {
        ("event_referral_created", "pending"),
        ("event_hearing_scheduled", "pending"),
        ("event_referral_withdrawn", "pending"),
    }
    # ...while its reminders are cancelled, as before
    assert not Reminder.objects.filter(case=w.case, status="pending").exclude(kind__in=EVENT_TYPES).exists()


# --- what is sent ---------------------------------------------------------------------------------


def _sent(endpoint, row) -> dict:
    assert deliver(row.pk) == "sent"
    (delivery,) = [d for d in endpoint.deliveries if d["key"] == f"reminder-{row.pk}"]
    return delivery["body"]


def test_the_payloads_say_what_happened_and_nothing_more(frozen, endpoint):
    w = world(endpoint.url)
    reference, stamp = w.case.reference, NOW.isoformat()
    bodies = {}
    for change in (None, _move, _transfer, _withdraw):  # each sent before the next change
        if change:
            change(w)
        for row in events_of(w.partner, None).filter(status="pending").order_by("pk"):
            bodies[row.kind] = _sent(endpoint, row)
    assert len(bodies) == 5
    referral = {"referral": w.referral.pk, "case_reference": reference, "service": "legal_representation"}
    assert bodies["event_referral_created"] == {
        "type": "referral.created",
        "timestamp": stamp,
        "data": {**referral, "status": "pending"},
    }
    assert bodies["event_hearing_scheduled"] == {
        "type": "hearing.scheduled",
        "timestamp": stamp,
        "data": {
            "case_reference": reference,
            "hearing": {
                "id": w.hearing.pk,
                "kind": "master_calendar",
                "starts_at": HEARING_AT.astimezone(dt.UTC).isoformat(),
                "location": "Sala 3",
                "status": "scheduled",
            },
        },
    }
    assert bodies["event_hearing_changed"]["data"]["hearing"] == {
        "id": w.hearing.pk,
        "kind": "master_calendar",
        "starts_at": (HEARING_AT + dt.timedelta(days=1)).astimezone(dt.UTC).isoformat(),
        "location": "Sala 3",
        "status": "scheduled",
    }
    assert bodies["event_case_transferred"] == {
        "type": "case.transferred",
        "timestamp": stamp,
        "data": {"case_reference": reference, "consulate": f.consulate("el_paso").pk},
    }
    assert bodies["event_referral_withdrawn"] == {
        "type": "referral.withdrawn",
        "timestamp": stamp,
        "data": {**referral, "status": "withdrawn"},
    }
    person = w.case.person
    text = json.dumps(bodies, ensure_ascii=False)
    for private in (person.given_names, person.paternal_surname, "Ya tiene abogado", "Sala 5"):
        assert private not in text


def test_the_consent_withdrawal_names_the_referrals_it_ended(frozen, endpoint):
    w = world(endpoint.url)
    _withdraw_consent(w)
    body = _sent(endpoint, events_of(w.partner, "event_consent_withdrawn").get())
    assert body == {
        "type": "consent.withdrawn",
        "timestamp": NOW.isoformat(),
        "data": {"case_reference": w.case.reference, "referrals": [w.referral.pk], "status": "withdrawn"},
    }
    assert "Lo pidió" not in json.dumps(body, ensure_ascii=False)


def test_a_hearing_event_is_not_sent_once_the_consent_is_withdrawn(frozen, endpoint):
    w = world(endpoint.url)
    row = events_of(w.partner, "event_hearing_scheduled").get()
    _withdraw_consent(w)
    assert deliver(row.pk) == "skipped"
    row.refresh_from_db()
    assert row.last_error == "the partner's consent no longer covers hearings"
    assert (
        _sent(endpoint, events_of(w.partner, "event_consent_withdrawn").get())["type"] == "consent.withdrawn"
    )
    assert [d["body"]["type"] for d in endpoint.deliveries] == ["consent.withdrawn"]


def test_an_event_is_not_sent_to_a_partner_deactivated_since(frozen, endpoint):
    w = world(endpoint.url)
    partner_deactivate(actor=f.administrator(), partner=w.partner)
    for row in events_of(w.partner):
        assert deliver(row.pk) == "skipped"
    assert sum(endpoint.requests.values()) == 0


def test_quiet_hours_do_not_hold_a_webhook(frozen, endpoint):
    frozen.move_to(at(CHICAGO, "2026-05-04 23:30"))
    w = world(endpoint.url)
    row = events_of(w.partner, "event_referral_created").get()
    assert deliver(row.pk) == "sent"


def test_a_failed_attempt_is_retried_with_backoff_under_the_same_webhook_id_and_body(frozen, endpoint):
    endpoint.fail_first = 1
    w = world(endpoint.url)
    row = events_of(w.partner, "event_referral_created").get()
    assert deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503 from the provider")
    assert row.lease_until > NOW  # backoff: not claimed again before
    frozen.move_to(row.lease_until + dt.timedelta(seconds=1))
    assert deliver(row.pk) == "sent"
    first, second = endpoint.headers[-2:]
    assert first["webhook-id"] == second["webhook-id"] == f"reminder-{row.pk}"
    assert endpoint.requests[f"reminder-{row.pk}"] == 2
    assert endpoint.deliveries[0]["body"]["timestamp"] == NOW.isoformat()  # the event's time, not the retry's


def test_a_change_of_the_notes_alone_is_no_hearing_event(frozen):
    w = world()
    services.hearing_update(
        actor=w.officer,
        hearing=w.hearing,
        kind="master_calendar",
        starts_at=HEARING_AT,
        location="Sala 3",
        notes="Llevar el pasaporte.",
    )
    assert not events_of(w.partner, "event_hearing_changed").exists()
    # an outcome corrected on a held hearing is no second event either
    _held(w)
    _held(w)
    assert events_of(w.partner, "event_hearing_changed").count() == 1
