"""Batch delivery: one send task delivers many reminders, each with the outcome it would have alone.

The batch locks its pending rows with SKIP LOCKED (a row another sender holds is left to it), re-checks
and sends each row, marks the sent ones and writes their timeline events in bulk, and commits once; a
failing row (provider error, bug) never stops the others. Its database work does not grow with its
size: the subjects are preloaded with one query per kind.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cases import services, tasks
from cases.models import CaseEvent, Reminder
from cases.models.reminder import ReminderChannel, ReminderKind
from cases.models.work import EventKind
from cases.reminders import dispatch, messages
from consulates.models import Consulate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import NOW
from tests.factories.crossoffice import make_referral
from tests.network import network_restore

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """The ``transaction=True`` test ends with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def referral(provider):
    officer = f.officer("dallas")
    case = f.make_case(officer)
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=provider.url, webhook_secret="batch-secret")
    return make_referral(officer, case, partner)


def webhook_rows(referral, count: int, *, first: int = 0) -> list[int]:
    rows = Reminder.objects.bulk_create(
        Reminder(
            kind=ReminderKind.REFERRAL_PARTNER_72H,
            channel=ReminderChannel.WEBHOOK,
            subject_type="referral",
            subject_id=referral.pk,
            recipient_key=f"partner:{referral.partner_id}",
            partner=referral.partner,
            case=referral.case,
            due_at=NOW - dt.timedelta(minutes=1, seconds=first + i),
        )
        for i in range(count)
    )
    return [r.pk for r in rows]


def sent_events(ids) -> list[int]:
    return sorted(
        int(e.payload["reminder_id"])
        for e in CaseEvent.objects.filter(kind=EventKind.REMINDER_SENT)
        if int(e.payload["reminder_id"]) in set(ids)
    )


def test_a_batch_sends_every_row_once_and_writes_one_event_each(frozen, provider, referral):
    ids = webhook_rows(referral, 30)
    assert dispatch.deliver_batch(ids) == dict.fromkeys(ids, "sent")
    assert sorted(provider.delivered_keys()) == sorted(f"reminder-{pk}" for pk in ids)
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", "attempts", "sent_at")) == {
        ("sent", 1, NOW)
    }
    assert sent_events(ids) == sorted(ids)
    # Again (a redelivered task): nothing is sent twice, nothing recorded twice.
    assert dispatch.deliver_batch(ids) == dict.fromkeys(ids, "not pending")
    assert len(provider.deliveries) == 30
    assert sent_events(ids) == sorted(ids)


def test_one_failing_row_does_not_stop_the_others(frozen, provider, referral, monkeypatch):
    ids = webhook_rows(referral, 6)
    broken, refused = ids[1], ids[4]
    original = messages.BUILDERS[ReminderKind.REFERRAL_PARTNER_72H]

    def builder(reminder):
        if reminder.pk == broken:
            raise KeyError("a bug in one row")
        return original(reminder)

    monkeypatch.setitem(messages.BUILDERS, ReminderKind.REFERRAL_PARTNER_72H, builder)
    Reminder.objects.filter(pk=ids[2]).update(status="cancelled")  # no longer pending

    answers = iter([200, 200, 503, 200])  # the provider refuses the third request it gets (row 4)
    from cases.reminders import channels

    real_post = channels._post_json

    def post(url, body, headers):
        code = next(answers)
        if code != 200:
            raise channels.DeliveryError(f"HTTP {code} from the provider")
        return real_post(url, body, headers)

    monkeypatch.setattr(channels, "_post_json", post)
    outcomes = dispatch.deliver_batch(ids)
    assert outcomes == {
        ids[0]: "sent",
        broken: "retry",
        ids[2]: "not pending",
        ids[3]: "sent",
        refused: "retry",
        ids[5]: "sent",
    }
    rows = {r.pk: r for r in Reminder.objects.filter(pk__in=ids)}
    assert (rows[broken].status, rows[broken].attempts, rows[broken].last_error) == (
        "pending",
        1,
        "unexpected error (KeyError)",
    )
    assert rows[broken].lease_until > NOW  # retried later, with backoff
    assert (rows[refused].status, rows[refused].last_error) == ("pending", "HTTP 503 from the provider")
    assert sent_events(ids) == sorted([ids[0], ids[3], ids[5]])


def test_a_database_error_in_one_row_leaves_the_batch_usable(frozen, provider, referral, monkeypatch):
    ids = webhook_rows(referral, 3)
    original = messages.BUILDERS[ReminderKind.REFERRAL_PARTNER_72H]

    def builder(reminder):
        if reminder.pk == ids[1]:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")  # aborts the transaction, but for the savepoint
        return original(reminder)

    monkeypatch.setitem(messages.BUILDERS, ReminderKind.REFERRAL_PARTNER_72H, builder)
    assert dispatch.deliver_batch(ids) == {ids[0]: "sent", ids[1]: "retry", ids[2]: "sent"}
    assert Reminder.objects.get(pk=ids[1]).last_error == "unexpected error (DataError)"
    assert sent_events(ids) == [ids[0], ids[2]]


@pytest.mark.django_db(transaction=True)
def test_rows_another_sender_holds_are_left_to_it(provider):
    if not Consulate.objects.exists():
        network_restore()
    officer = f.officer("dallas")
    partner = f.PartnerFactory(covers=["dallas"], webhook_url=provider.url, webhook_secret="batch-secret")
    referral = make_referral(officer, f.make_case(officer), partner)
    ids = webhook_rows(referral, 4)
    held = ids[:2]
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        try:
            with transaction.atomic():
                list(Reminder.objects.select_for_update().filter(pk__in=held))
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert locked.wait(30)
        outcomes = dispatch.deliver_batch(ids)  # does not wait for the other sender
    finally:
        release.set()
        thread.join(30)
    assert outcomes == {held[0]: "held", held[1]: "held", ids[2]: "sent", ids[3]: "sent"}
    assert set(Reminder.objects.filter(pk__in=held).values_list("status", flat=True)) == {"pending"}


def test_the_batch_database_work_does_not_grow_with_its_size(frozen, provider, referral):
    def queries(count: int, first: int) -> int:
        ids = webhook_rows(referral, count, first=first)
        with CaptureQueriesContext(connection) as captured:
            assert set(dispatch.deliver_batch(ids).values()) == {"sent"}
        return len(captured.captured_queries)

    assert queries(3, 0) == queries(40, 100)


class CountingBackend(EmailBackend):
    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return super().open()


def test_a_batch_of_emails_shares_one_mail_server_connection(frozen, settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = 0
    mail.outbox = []
    officer = f.officer("dallas", email="oficial@consulado.example")
    ids = []
    for _ in range(3):
        case = services.case_assign(actor=officer, case=f.make_case(officer), assignee=officer)
        case.refresh_from_db()
        ids.append(
            Reminder.objects.create(
                kind=ReminderKind.CASE_INACTIVE,
                channel=ReminderChannel.EMAIL,
                subject_type="case",
                subject_id=case.pk,
                recipient_key="case-officer",
                case=case,
                due_at=case.last_activity_at + dt.timedelta(days=14),
            ).pk
        )
    frozen.move_to(NOW + dt.timedelta(days=30))
    assert set(dispatch.deliver_batch(ids).values()) == {"sent"}
    assert len(mail.outbox) == 3
    assert CountingBackend.opened == 1


def test_the_send_task_takes_a_list_of_ids_and_still_accepts_one(frozen, provider, referral):
    ids = webhook_rows(referral, 3)
    assert tasks.send_reminders.run(ids[:2]) == {"sent": 2}
    assert tasks.send_reminders.run(ids[2]) == {"sent": 1}  # a message queued before batches
    assert tasks.send_reminders.run(ids) == {"not pending": 3}
