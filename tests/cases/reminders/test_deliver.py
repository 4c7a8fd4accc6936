"""cases/reminders/dispatch.py, messages.py and channels.py: claiming due rows, sending one (exactly
once, in the person's language, never in quiet hours), skipping what no longer applies, retrying with
backoff and failing for good, against a local fake SMS provider and webhook endpoint."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import socket
import threading

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cases import services
from cases.models import Case, CaseEvent, Hearing, Referral, Reminder, RepatriationHandoff, SmsOptOut, Task
from cases.models.work import EventKind
from cases.reminders import channels, dispatch, messages
from cases.reminders.dispatch import LEASE, MAX_ATTEMPTS, backoff, claim_due, deliver, dispatch_due
from cases.reminders.messages import normalise_phone
from consulates.models import Consulate, DetentionFacility, ReceptionPoint
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, NOW, at
from tests.factories.crossoffice import make_referral

pytestmark = pytest.mark.django_db

PHONE = "(214) 555-0142"
NUMBER = "+12145550142"
TOKEN = "test-provider-token"
HEARING_AT = at(CHICAGO, "2026-05-12 09:30")
DUE_7D = at(CHICAGO, "2026-05-05 09:30")


@pytest.fixture
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def sms_http(settings, provider):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = provider.url
    settings.SMS_HTTP_TOKEN = TOKEN
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    return provider


@pytest.fixture
def officer():
    return f.officer("dallas")


def hearing_for(officer, **person_fields):
    person = f.make_person(officer, **{"phone": PHONE, "contact_consent": True, **person_fields})
    case = f.make_case(officer, person=person)
    return services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=HEARING_AT, location="Sala 3"
    )


def reminder(kind: str, **filters) -> Reminder:
    return Reminder.objects.get(kind=kind, status="pending", **filters)


# --- sending --------------------------------------------------------------------------------------


def test_a_due_sms_is_sent_exactly_once_and_recorded_on_the_timeline(frozen, sms_http, officer):
    hearing = hearing_for(officer)
    row = reminder("hearing_person_7d")
    assert deliver(row.pk) == "not due"
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    assert deliver(row.pk) == "not pending"

    (delivery,) = sms_http.deliveries
    assert delivery["key"] == f"reminder-{row.pk}"
    assert delivery["body"]["to"] == NUMBER
    assert delivery["body"]["reference"] == f"reminder-{row.pk}"
    assert hearing.case.reference in delivery["body"]["body"]
    # The hearing on the consulate's clock, written out in the person's language (Spanish here).
    assert (
        "Tiene una audiencia el martes 12 de mayo de 2026 a las 09:30 en Sala 3." in delivery["body"]["body"]
    )
    (headers,) = sms_http.headers
    assert headers["Idempotency-Key"] == f"reminder-{row.pk}"
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Content-Type"] == "application/json"
    assert sum(sms_http.requests.values()) == 1

    row.refresh_from_db()
    assert (row.status, row.sent_at, row.attempts, row.lease_until) == ("sent", DUE_7D, 1, None)
    (event,) = CaseEvent.objects.filter(case=hearing.case, kind=EventKind.REMINDER_SENT)
    assert event.payload == {"reminder_id": row.pk, "reminder_kind": "hearing_person_7d", "channel": "sms"}
    assert event.actor is None
    assert "555" not in str(event.payload)


def test_a_person_without_a_phone_gets_an_email(frozen, sms_http, officer):
    hearing = hearing_for(officer, phone="", email="rosa@example.invalid")
    frozen.move_to(DUE_7D)
    row = reminder("hearing_person_7d")
    assert deliver(row.pk) == "sent"
    (email,) = mail.outbox
    assert email.to == ["rosa@example.invalid"]
    assert hearing.case.reference in email.body
    assert email.extra_headers["X-Consular-Reference"] == f"reminder-{row.pk}"
    assert sms_http.requests == {}


def test_with_sms_turned_off_a_person_with_an_email_is_written_to_instead(
    frozen, settings, sms_http, officer
):
    settings.SMS_BACKEND = "off"
    hearing_for(officer, email="rosa@example.invalid")  # a phone and an email
    frozen.move_to(DUE_7D)
    row = reminder("hearing_person_7d")
    assert row.channel == "email"
    assert deliver(row.pk) == "sent"
    (email,) = mail.outbox
    assert email.to == ["rosa@example.invalid"]
    assert sms_http.requests == {}


def test_the_officer_reminder_goes_to_the_assigned_officer(frozen, sms_http, officer):
    hearing = hearing_for(officer)
    services.case_assign(actor=officer, case=hearing.case, assignee=officer)
    frozen.move_to(at(CHICAGO, "2026-05-10 09:30"))
    assert deliver(reminder("hearing_officer_2d").pk) == "sent"
    (email,) = mail.outbox
    assert email.to == [officer.email]
    assert hearing.case.reference in email.subject
    assert "Sala 3" in email.body


def test_an_unassigned_case_reminds_its_supervisors_and_nobody_is_skipped(frozen, sms_http, officer):
    hearing_for(officer)
    frozen.move_to(at(CHICAGO, "2026-05-10 09:30"))
    row = reminder("hearing_officer_2d")
    assert deliver(row.pk) == "skipped"  # no supervisor in Dallas in this test
    row.refresh_from_db()
    assert row.last_error == "no recipient with an email address"
    supervisor = f.supervisor("dallas")
    services.reminder_retry(actor=officer, reminder=row)
    assert deliver(row.pk) == "sent"
    assert mail.outbox[-1].to == [supervisor.email]


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_person_is_written_to_in_their_language(frozen, sms_http, officer, monkeypatch, language):
    seen = []
    original = messages.BUILDERS["hearing_person_7d"]

    def spy(row):
        seen.append((row.kind, translation.get_language()))
        return original(row)

    for kind in ("hearing_person_7d", "hearing_officer_2d"):
        monkeypatch.setitem(messages.BUILDERS, kind, spy)
    hearing_for(officer, preferred_language=language)
    services.case_assign(actor=officer, case=Case.objects.get(), assignee=officer)
    frozen.move_to(at(CHICAGO, "2026-05-10 09:30"))
    with translation.override("en" if language == "es" else "es"):  # whatever the worker's language
        assert deliver(reminder("hearing_person_7d").pk) == "sent"
        assert deliver(reminder("hearing_officer_2d").pk) == "sent"
    assert seen == [("hearing_person_7d", language), ("hearing_officer_2d", "es")]  # staff: Spanish
    body = sms_http.deliveries[0]["body"]["body"]
    if language == "en":
        assert body.startswith(
            "Reminder of an important appointment.\nYou have a hearing on Tuesday, May 12, 2026, 9:30 AM at Sala 3."
        )


# --- quiet hours ----------------------------------------------------------------------------------


def test_a_late_person_reminder_waits_for_the_morning_but_a_staff_one_does_not(frozen, sms_http, officer):
    hearing = hearing_for(officer)
    services.case_assign(actor=officer, case=hearing.case, assignee=officer)
    frozen.move_to(at(CHICAGO, "2026-05-10 23:00"))  # the worker was down since before the 7-day one
    person, staff = reminder("hearing_person_7d"), reminder("hearing_officer_2d")
    assert set(claim_due()) == {person.pk, staff.pk}
    assert deliver(person.pk) == "deferred"
    assert deliver(staff.pk) == "sent"
    person.refresh_from_db()
    assert person.status == "pending"
    assert person.lease_until == at(CHICAGO, "2026-05-11 08:00")
    assert sms_http.deliveries == []

    frozen.move_to(at(CHICAGO, "2026-05-11 07:59"))
    assert claim_due() == []
    frozen.move_to(at(CHICAGO, "2026-05-11 08:01"))
    assert claim_due() == [person.pk]
    assert deliver(person.pk) == "sent"
    assert len(sms_http.deliveries) == 1


# --- what no longer applies -----------------------------------------------------------------------


def _withdraw_consent(ctx):
    ctx["case"].person.__class__.objects.filter(pk=ctx["case"].person_id).update(contact_consent=False)


def _opt_out(ctx):
    SmsOptOut.objects.create(phone=normalise_phone("+1 214-555-0142"))


def _move_hearing(ctx):
    Hearing.objects.filter(pk=ctx["hearing"].pk).update(starts_at=HEARING_AT + dt.timedelta(days=1))


def _cancel_hearing(ctx):
    Hearing.objects.filter(pk=ctx["hearing"].pk).update(status="cancelled")


def _close_case(ctx):
    Case.objects.filter(pk=ctx["case"].pk).update(status="closed", outcome="released")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_withdraw_consent, "the person does not consent to messages"),
        (_opt_out, "the number opted out"),
        (_move_hearing, "the hearing was moved"),
        (_cancel_hearing, "the hearing is no longer scheduled"),
        (_close_case, "the case is closed"),
    ],
)
def test_a_person_reminder_that_no_longer_applies_is_skipped(frozen, sms_http, officer, change, reason):
    """Changes made behind the services' back (the services cancel the rows themselves): the send task
    checks again when it sends."""
    hearing = hearing_for(officer)
    change({"hearing": hearing, "case": hearing.case})
    frozen.move_to(DUE_7D)
    row = reminder("hearing_person_7d")
    assert deliver(row.pk) == "skipped"
    row.refresh_from_db()
    assert (row.status, row.last_error, row.sent_at) == ("skipped", reason, None)
    assert sms_http.requests == {}
    assert not CaseEvent.objects.filter(kind=EventKind.REMINDER_SENT).exists()


@pytest.mark.parametrize("number", ["214-555-0142", "+1 (214) 555 0142", "1 214 555 0142", "2145550142"])
def test_opt_out_numbers_are_compared_normalised(number):
    assert normalise_phone(number) == NUMBER


def _task(officer, case):
    task = services.task_add(
        actor=officer, case=case, title="Visitar", due_date=dt.date(2026, 5, 4), assignee=officer
    )
    return reminder("task_due", subject_id=task.pk), task


def _referral(officer, case):
    partner = f.PartnerFactory(covers=["dallas"], contact_email="legal@aliada.example")
    referral = make_referral(officer, case, partner)
    return reminder("referral_partner_72h", subject_id=referral.pk), referral


def _art36(officer, case):
    detained = f.make_case(
        officer,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=dt.date(2026, 5, 3),
        arrested_at=NOW - dt.timedelta(hours=20),
        consulate_notified_at=NOW - dt.timedelta(hours=10),
        notified_by="facility",
    )
    services.case_assign(actor=officer, case=detained, assignee=officer)
    return reminder("art36_no_contact", case=detained), Case.objects.get(pk=detained.pk)


def _handoff(officer, case):
    services.case_update(
        actor=officer,
        case=case,
        expected_removal_date=dt.date(2026, 5, 4),
        reception_point=ReceptionPoint.objects.order_by("pk").first(),
    )
    handoff = services.handoff_prepare(actor=officer, case=case)
    return reminder("handoff_unconfirmed", subject_id=handoff.pk), handoff


@pytest.mark.parametrize(
    ("make", "change", "reason"),
    [
        (_task, lambda t: Task.objects.filter(pk=t.pk).update(done=True), "the task is done"),
        (
            _task,
            lambda t: Task.objects.filter(pk=t.pk).update(assignee=f.officer("dallas")),
            "the task was reassigned",
        ),
        (
            _referral,
            lambda r: Referral.objects.filter(pk=r.pk).update(status="accepted"),
            "the referral was answered or ended",
        ),
        (
            _art36,
            lambda c: Case.objects.filter(pk=c.pk).update(first_contact_at=NOW),
            "consular contact recorded, no longer in custody, declined or opposed",
        ),
        (
            _art36,
            lambda c: Case.objects.filter(pk=c.pk).update(notification_request="declined"),
            "consular contact recorded, no longer in custody, declined or opposed",
        ),
        (
            _art36,
            lambda c: Case.objects.filter(pk=c.pk).update(opposes_consular_action=True),
            "consular contact recorded, no longer in custody, declined or opposed",
        ),
        (
            _handoff,
            lambda h: RepatriationHandoff.objects.filter(pk=h.pk).update(confirmed_at=NOW),
            "reception confirmed",
        ),
    ],
)
def test_a_staff_reminder_that_no_longer_applies_is_skipped(frozen, sms_http, officer, make, change, reason):
    case = f.make_case(officer)
    services.case_assign(actor=officer, case=case, assignee=officer)
    row, subject = make(officer, case)
    frozen.move_to(row.due_at + dt.timedelta(minutes=1))
    change(subject)
    assert deliver(row.pk) == "skipped"
    row.refresh_from_db()
    assert (row.status, row.last_error) == ("skipped", reason)
    assert mail.outbox == []


def test_a_staff_reminder_that_still_applies_is_sent(frozen, sms_http, officer):
    """The counterpart of the skips above: the same reminders, untouched, are sent."""
    case = f.make_case(officer)
    services.case_assign(actor=officer, case=case, assignee=officer)
    rows = [make(officer, case)[0] for make in (_task, _referral, _art36, _handoff)]
    frozen.move_to(max(r.due_at for r in rows) + dt.timedelta(minutes=1))
    assert [deliver(r.pk) for r in rows] == ["sent"] * 4
    assert len(mail.outbox) == 4


def test_a_reminder_cancelled_by_a_service_is_not_sent(frozen, sms_http, officer):
    hearing = hearing_for(officer)
    row = reminder("hearing_person_7d")
    services.hearing_cancel(actor=officer, hearing=hearing, reason="Suspendida.")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "not pending"
    assert claim_due() == []


# --- failures and retries -------------------------------------------------------------------------


def test_backoff_grows_exponentially_with_jitter_and_a_cap():
    for attempts in range(1, 12):
        nominal = min(dispatch.BACKOFF_BASE * 2 ** (attempts - 1), dispatch.BACKOFF_MAX)
        samples = {backoff(attempts) for _ in range(200)}
        assert all(0.8 * nominal <= s <= 1.2 * nominal for s in samples)
        assert len(samples) > 1  # jitter: retries of a batch do not arrive together
    assert max(backoff(30) for _ in range(50)) <= dispatch.BACKOFF_MAX * 1.2


def test_a_temporary_provider_error_is_retried_with_backoff_then_fails_for_good(frozen, sms_http, officer):
    sms_http.fail_first = 1000
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    delays = []
    for attempt in range(1, MAX_ATTEMPTS):
        now = dispatch.timezone.now()
        assert deliver(row.pk) == "retry"
        row.refresh_from_db()
        assert (row.status, row.attempts, row.last_error) == (
            "pending",
            attempt,
            "HTTP 503 from the provider",
        )
        delay = row.lease_until - now
        nominal = dispatch.BACKOFF_BASE * 2 ** (attempt - 1)
        assert 0.8 * nominal <= delay <= 1.2 * nominal
        delays.append(delay)
        assert row.pk not in claim_due()  # the lease holds it until the retry time
        frozen.move_to(row.lease_until + dt.timedelta(seconds=1))
        assert claim_due() == [row.pk]
    assert delays == sorted(delays)
    assert deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.lease_until) == ("failed", MAX_ATTEMPTS, None)
    assert row.last_error == "HTTP 503 from the provider"
    assert sms_http.requests == {f"reminder-{row.pk}": MAX_ATTEMPTS}  # one key: never two SMS
    assert sms_http.deliveries == []
    frozen.move_to(dispatch.timezone.now() + dt.timedelta(days=1))
    assert claim_due() == []  # nothing retries forever

    # the provider recovers; staff send it again from the list
    sms_http.fail_first = 0
    services.reminder_retry(actor=officer, reminder=row)
    frozen.move_to(at(CHICAGO, "2026-05-06 10:00"))
    assert claim_due() == [row.pk]
    assert deliver(row.pk) == "sent"
    assert len(sms_http.deliveries) == 1


def test_a_refused_message_fails_at_once(frozen, sms_http, officer):
    sms_http.status = 400
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "HTTP 400 from the provider")
    assert sum(sms_http.requests.values()) == 1


def test_with_sms_turned_off_a_text_reminder_fails_at_once_with_the_reason(
    frozen, settings, sms_http, officer
):
    settings.SMS_BACKEND = "off"
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMS is turned off (SMS_BACKEND=off)")
    assert sum(sms_http.requests.values()) == 0  # nothing sent anywhere


def test_an_unreachable_provider_is_retried(frozen, settings, sms_http, officer):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{port}/messages"  # nothing listens there
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error.startswith("provider unreachable")
    assert row.lease_until > DUE_7D


def test_errors_carry_no_personal_data(frozen, sms_http, officer):
    sms_http.status = 422
    hearing = hearing_for(officer)
    frozen.move_to(DUE_7D)
    row = reminder("hearing_person_7d")
    deliver(row.pk)
    row.refresh_from_db()
    person = hearing.case.person
    assert row.status == "failed"
    for secret in (
        "555",
        "0142",
        person.given_names,
        person.paternal_surname,
        "Sala 3",
        hearing.case.reference,
    ):
        assert secret not in row.last_error


# --- webhooks -------------------------------------------------------------------------------------


def test_a_partner_webhook_receives_a_signed_payload(frozen, sms_http, officer, monkeypatch):
    sent_bodies = []
    original = channels._post_json

    def recording(url, body, headers):
        sent_bodies.append(body)
        return original(url, body, headers)

    monkeypatch.setattr(channels, "_post_json", recording)
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=sms_http.url, webhook_secret="s3cr3t-key")
    case = f.make_case(officer)
    referral = make_referral(officer, case, partner)
    row = reminder("referral_partner_72h")
    assert row.channel == "webhook"
    frozen.move_to(NOW + dt.timedelta(hours=72))
    sms_http.fail_first = 1
    assert deliver(row.pk) == "retry"  # a webhook is retried like an SMS
    frozen.move_to(NOW + dt.timedelta(hours=73))
    assert deliver(row.pk) == "sent"

    (delivery,) = sms_http.deliveries
    assert delivery["key"] == f"reminder-{row.pk}"
    assert delivery["body"] == {
        "event": "referral_partner_72h",
        "reminder": row.pk,
        "case_reference": case.reference,
        "referral": referral.pk,
    }
    headers = sms_http.headers[-1]
    signature = dict(part.split("=", 1) for part in headers["X-Consular-Signature"].split(","))
    timestamp = int(signature["t"])
    assert timestamp == int((NOW + dt.timedelta(hours=73)).timestamp())
    assert signature["v1"] == channels.webhook_signature("s3cr3t-key", timestamp, sent_bodies[-1])
    assert signature["v1"] != channels.webhook_signature("another-secret", timestamp, sent_bodies[-1])
    # Standard Webhooks, checked the way the specification says, independently of the channel's code.
    assert headers["webhook-id"] == f"reminder-{row.pk}"
    assert int(headers["webhook-timestamp"]) == timestamp
    signed = f"reminder-{row.pk}.{timestamp}.".encode() + sent_bodies[-1]
    expected = base64.b64encode(hmac.new(b"s3cr3t-key", signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    assert mail.outbox == []


def test_a_standard_webhooks_secret_is_used_as_its_decoded_bytes(sms_http):
    """A real HTTP server receives the POST; it verifies the signature with a ``whsec_`` secret."""
    key = b"\x00\xffbinary key bytes\x10"
    secret = "whsec_" + base64.b64encode(key).decode()
    outgoing = channels.Outgoing(
        to=[sms_http.url], subject="", body="", reference="reminder-7", payload={"event": "x"}, secret=secret
    )
    channels.WebhookChannel().send(outgoing)
    headers = sms_http.headers[-1]
    body = json.dumps({"event": "x"}, sort_keys=True).encode()
    signed = f"reminder-7.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == expected
    assert channels.standard_webhook_key("whsec_not base64!") == b"whsec_not base64!"


# --- claiming and dispatching ---------------------------------------------------------------------


def due_rows(count: int, *, due: dt.datetime = NOW, status: str = "pending", first_id: int = 0) -> list[int]:
    """``count`` reminders due at ``due`` and the seconds before it (the last one is the oldest)."""
    rows = Reminder.objects.bulk_create(
        Reminder(
            kind="task_due",
            channel="email",
            subject_type="task",
            subject_id=10_000_000 + first_id + i,
            recipient_key="user:1",
            due_at=due - dt.timedelta(seconds=i),
            status=status,
        )
        for i in range(count)
    )
    return [r.pk for r in rows]


def test_claim_takes_due_pending_rows_in_due_order_and_leases_them(frozen):
    due = due_rows(5)
    later = due_rows(2, due=NOW + dt.timedelta(minutes=1), first_id=100)
    for i, status in enumerate(["sent", "failed", "cancelled", "skipped"]):
        due_rows(1, status=status, first_id=200 + i)
    oldest_first = list(reversed(due))
    assert claim_due(limit=3) == oldest_first[:3]
    assert claim_due() == oldest_first[3:]
    assert claim_due() == []  # leased
    assert set(Reminder.objects.filter(pk__in=due).values_list("lease_until", flat=True)) == {NOW + LEASE}

    frozen.move_to(NOW + LEASE - dt.timedelta(seconds=1))
    assert claim_due() == list(reversed(later))  # became due meanwhile; the leased ones wait
    frozen.move_to(NOW + LEASE + dt.timedelta(seconds=1))
    assert claim_due() == oldest_first  # a lapsed lease is claimed again


def test_dispatch_publishes_every_due_row_in_batches(frozen):
    due = due_rows(7)
    published = []
    assert dispatch_due(published.append, limit=3, send_batch=2) == 7
    # claims of 3 rows, each published as send tasks of at most 2 ids
    assert [len(ids) for ids in published] == [2, 1, 2, 1, 1]
    assert sorted(pk for ids in published for pk in ids) == sorted(due)


def test_dispatch_groups_the_claimed_ids_into_send_batches_of_the_setting(frozen):
    due = due_rows(250)
    published = []
    assert dispatch_due(published.append) == 250
    assert [len(ids) for ids in published] == [dispatch.SEND_BATCH] * 2 + [50]
    assert sorted(pk for ids in published for pk in ids) == sorted(due)


def test_dispatch_stops_when_publishing_fails_and_loses_nothing(frozen):
    due = due_rows(5)
    published = []

    def flaky_broker(ids):
        if len(published) == 2:
            raise ConnectionError("broker down")
        published.extend(ids)

    assert dispatch_due(flaky_broker, send_batch=1) == 2
    assert dispatch_due(published.extend) == 0  # all leased: nothing twice while the tasks may run
    assert Reminder.objects.filter(pk__in=due, status="pending").count() == 5
    frozen.move_to(NOW + LEASE + dt.timedelta(seconds=1))
    again = []
    assert dispatch_due(again.extend) == 5  # the leases lapsed: every row is claimed again
    assert sorted(again) == sorted(due)


def test_the_dispatcher_scan_uses_the_partial_pending_index(frozen):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'reminder_pending_due_idx'")
        (definition,) = cursor.fetchone()
    assert "(due_at)" in definition
    assert "WHERE ((status)::text = 'pending'::text)" in definition

    due_rows(20_000, due=NOW - dt.timedelta(days=30), status="sent")
    due_rows(50, first_id=50_000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Reminder._meta.db_table}")
    with CaptureQueriesContext(connection) as captured:
        assert len(claim_due()) == 50
    (scan,) = [q["sql"] for q in captured.captured_queries if "SKIP LOCKED" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {scan}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "reminder_pending_due_idx" in plan, plan


@pytest.mark.parametrize("ended", [False, True])
def test_the_partner_hearing_reminder_needs_the_referral_still_active(frozen, sms_http, officer, ended):
    partner = f.PartnerFactory(covers=["dallas"], contact_email="legal@aliada.example")
    hearing = hearing_for(officer)
    referral = make_referral(officer, hearing.case, partner)
    row = reminder("hearing_partner_2d")
    if ended:  # behind the services' back: the send task checks again
        Referral.objects.filter(pk=referral.pk).update(status="withdrawn")
    frozen.move_to(row.due_at)
    if ended:
        assert deliver(row.pk) == "skipped"
        row.refresh_from_db()
        assert row.last_error == "the partner's referral ended"
        assert mail.outbox == []
    else:
        assert deliver(row.pk) == "sent"
        (email,) = mail.outbox
        assert email.to == ["legal@aliada.example"]
        assert hearing.case.reference in email.subject
        assert hearing.case.person.paternal_surname not in email.body


@pytest.fixture
def garbage_server():
    """Answers every connection with something that is not HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _addr = server.accept()
            except OSError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/messages"
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_a_provider_answering_nonsense_is_a_temporary_error(
    frozen, settings, sms_http, officer, garbage_server
):
    settings.SMS_HTTP_URL = garbage_server
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "retry"
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error.startswith("provider unreachable")


def test_an_unexpected_error_counts_as_an_attempt_so_nothing_retries_forever(
    frozen, sms_http, officer, monkeypatch
):
    def broken(_row):
        raise KeyError("a bug, perhaps with +12145550142 in its message")

    monkeypatch.setitem(messages.BUILDERS, "hearing_person_7d", broken)
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(deliver(row.pk))
        frozen.shift(3600)
    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "unexpected error (KeyError)",
    )


def test_in_development_a_text_reminder_is_written_to_the_days_file_for_its_owner_only(
    frozen, settings, sms_http, officer, tmp_path, capsys
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    hearing_for(officer)
    row = reminder("hearing_person_7d")
    frozen.move_to(DUE_7D)
    assert deliver(row.pk) == "sent"
    files = list((tmp_path / "sms").iterdir())
    assert len(files) == 1
    text = files[0].read_text(encoding="utf-8")
    assert text.startswith(f"[SMS reminder-{row.pk}] to {NUMBER}: ")
    assert "Consulate of Mexico in Dallas" in text or "Consulado de México en Dallas" in text
    assert files[0].stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "sms").stat().st_mode & 0o777 == 0o700
    assert NUMBER not in capsys.readouterr().out  # nothing on the worker's console
    assert sum(sms_http.requests.values()) == 0


def test_the_hearing_sms_gives_the_consulates_number_without_the_sources_remarks(frozen, sms_http, officer):
    hearing = hearing_for(officer)
    consulate = hearing.case.consulate
    assert consulate.phone == "+1 214-932-8670"  # loaded from the network data
    frozen.move_to(DUE_7D)
    assert deliver(reminder("hearing_person_7d").pk) == "sent"
    (delivery,) = sms_http.deliveries
    assert " +1 214-932-8670. " in delivery["body"]["body"]


@pytest.mark.parametrize("language", ["es", "en"])
def test_a_consulate_without_a_number_asks_the_person_to_contact_it(frozen, sms_http, officer, language):
    hearing = hearing_for(officer, preferred_language=language)
    Consulate.objects.filter(pk=hearing.case.consulate_id).update(phone="")
    frozen.move_to(DUE_7D)
    assert deliver(reminder("hearing_person_7d").pk) == "sent"
    (delivery,) = sms_http.deliveries
    body = delivery["body"]["body"]
    assert {
        "es": "comuníquese con el Consulado de México en Dallas.",
        "en": "contact the Consulate of Mexico in Dallas.",
    }[language] in body
    assert " al ." not in body
    assert " at ." not in body
