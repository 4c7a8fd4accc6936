"""Hearing reminders end to end through a real Celery worker on a real broker, with the clock driven.

A Dallas (Central) and an El Paso (Mountain) case each get a hearing a week out. The clock is moved to
just before and just after every moment a reminder is due, beat's dispatcher task runs through the
broker each time, and the worker sends what is due: SMS to the local fake provider (over HTTP, as in
production), email to Django's test outbox. The test asserts, message by message, that exactly the
expected reminders arrive, at the expected local times, with the hearing's local time in the text; that rescheduling a
hearing moves its reminders (the old ones never arrive, the new ones do) and that cancelling one removes
them.

The worker runs in a thread of this process (so ``time_machine`` moves its clock too), on Redis when
``REDIS_URL`` is set and on kombu's filesystem transport in a temporary folder otherwise.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail

from cases import services
from cases.models import Reminder
from cases.models.reminder import ReminderChannel, ReminderKind, ReminderStatus
from consulates.models import Consulate
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
MOUNTAIN = zoneinfo.ZoneInfo("America/Denver")
UTC = dt.UTC


def central(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CENTRAL)


def mountain(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MOUNTAIN)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    """``transaction=True`` tests end with a flush of every table; put the network back for the rest."""
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


@pytest.fixture
def provider(settings):
    fake = FakeProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_TOKEN = "test-token"
    yield fake
    fake.stop()


class Clock:
    """Moves time, fires beat's dispatcher through the broker, and collects what arrived."""

    def __init__(self, traveller, app, tasks, provider):
        self.traveller, self.app, self.tasks, self.provider = traveller, app, tasks, provider
        self.seen_sms = 0
        self.seen_mail = 0
        self.arrivals: list[tuple[dt.datetime, str, Reminder]] = []

    def dispatch_at(self, moment: dt.datetime) -> list[tuple[str, Reminder]]:
        """Beat's minute at ``moment``: the dispatcher task runs on the worker, which then runs every send
        task it queued. Returns what arrived (channel, reminder) meanwhile."""
        self.traveller.move_to(moment)
        sends_before = self.tasks.handled("reminders.send")
        published = self.tasks.result(self.app.tasks["reminders.dispatch"].delay().id)
        self.tasks.wait_for_handled("reminders.send", sends_before + published)
        arrived = []
        for delivery in self.provider.deliveries[self.seen_sms :]:
            arrived.append(("sms", _reminder(delivery["key"])))
        for message in mail.outbox[self.seen_mail :]:
            arrived.append(("email", _reminder(message.extra_headers["X-Consular-Reference"])))
        self.seen_sms, self.seen_mail = len(self.provider.deliveries), len(mail.outbox)
        self.arrivals.extend((moment, channel, reminder) for channel, reminder in arrived)
        return arrived

    def around(self, due: dt.datetime) -> list[tuple[str, Reminder]]:
        """Nothing new a minute before ``due``; returns what arrives at beat's first minute after it."""
        assert self.dispatch_at(due - dt.timedelta(minutes=1)) == []
        return self.dispatch_at(due + dt.timedelta(seconds=30))


def _reminder(reference: str) -> Reminder:
    assert reference.startswith("reminder-")
    return Reminder.objects.get(pk=int(reference.removeprefix("reminder-")))


def _pending(hearing) -> set[tuple[str, str, dt.datetime]]:
    return {
        (r.kind, r.channel, r.due_at)
        for r in Reminder.objects.filter(subject_type="hearing", subject_id=hearing.pk, status="pending")
    }


def _summary(arrived) -> list[tuple[str, str, int]]:
    return sorted((channel, r.kind, r.subject_id) for channel, r in arrived)


def test_a_hearing_a_week_out_reminds_at_local_times_reschedule_moves_cancel_removes(
    celery_app, provider, settings
):
    start = central(2026, 3, 3, 7, 30)  # a Tuesday; daylight saving time starts on Sunday 8 March
    with time_machine.travel(start, tick=True) as traveller, embedded_worker(celery_app) as tasks:
        clock = Clock(traveller, celery_app, tasks, provider)
        dallas_officer, paso_officer = f.officer("dallas"), f.officer("el_paso")
        dallas_case = f.make_case(
            dallas_officer,
            person=f.make_person(
                dallas_officer, phone="214 555 0101", contact_consent=True, preferred_language="es"
            ),
        )
        paso_case = f.make_case(
            paso_officer,
            person=f.make_person(
                paso_officer,
                phone="+1 915 555 0102",
                contact_consent=True,
                preferred_language="en",
                consulate=Consulate.objects.get(slug="el_paso"),
            ),
        )
        services.case_assign(actor=dallas_officer, case=dallas_case, assignee=dallas_officer)
        services.case_assign(actor=paso_officer, case=paso_case, assignee=paso_officer)

        # Times as the API delivers them (UTC); the reminders follow the consulate's wall clock.
        dallas_hearing = services.hearing_schedule(
            actor=dallas_officer,
            case=dallas_case,
            kind="master_calendar",
            starts_at=central(2026, 3, 10, 9, 30).astimezone(UTC),
            location="Dallas Immigration Court, 1100 Commerce St",
        )
        paso_hearing = services.hearing_schedule(
            actor=paso_officer,
            case=paso_case,
            kind="master_calendar",
            starts_at=mountain(2026, 3, 10, 7, 0).astimezone(UTC),
            location="El Paso Immigration Court, 700 E San Antonio Ave",
        )
        sms, email = ReminderChannel.SMS, ReminderChannel.EMAIL
        assert _pending(dallas_hearing) == {
            (ReminderKind.HEARING_PERSON_7D, sms, central(2026, 3, 3, 9, 30)),
            (ReminderKind.HEARING_OFFICER_2D, email, central(2026, 3, 8, 9, 30)),
            (ReminderKind.HEARING_PERSON_1D, sms, central(2026, 3, 9, 9, 30)),
        }
        assert _pending(paso_hearing) == {
            # 07:00 a week before is in the quiet hours: the person hears at 08:00
            (ReminderKind.HEARING_PERSON_7D, sms, mountain(2026, 3, 3, 8, 0)),
            (ReminderKind.HEARING_OFFICER_2D, email, mountain(2026, 3, 8, 7, 0)),
            (ReminderKind.HEARING_PERSON_1D, sms, mountain(2026, 3, 9, 8, 0)),
        }
        assert clock.dispatch_at(start + dt.timedelta(minutes=1)) == []

        # A week before: each person gets an SMS at the local time, in their language.
        (paso_7d,) = clock.around(mountain(2026, 3, 3, 8, 0))
        assert _summary([paso_7d]) == [("sms", ReminderKind.HEARING_PERSON_7D, paso_hearing.pk)]
        (dallas_7d,) = clock.around(central(2026, 3, 3, 9, 30))
        assert _summary([dallas_7d]) == [("sms", ReminderKind.HEARING_PERSON_7D, dallas_hearing.pk)]
        texts = {d["body"]["to"]: d["body"]["body"] for d in provider.deliveries}
        assert "You have a hearing on Tuesday, March 10, 2026, 7:00 AM at" in texts["+19155550102"]
        assert "El Paso Immigration Court" in texts["+19155550102"]
        assert "el martes 10 de marzo de 2026 a las 09:30 en" in texts["+12145550101"]

        # The next morning the Dallas hearing moves to Thursday 14:00 and the El Paso one is cancelled.
        clock.traveller.move_to(central(2026, 3, 4, 10, 0))
        dallas_hearing = services.hearing_update(
            actor=dallas_officer,
            hearing=dallas_hearing,
            kind="master_calendar",
            starts_at=central(2026, 3, 12, 14, 0).astimezone(UTC),
            location="Dallas Immigration Court, 1100 Commerce St",
        )
        services.hearing_cancel(actor=paso_officer, hearing=paso_hearing, reason="Juez reasignado")
        assert _pending(dallas_hearing) == {
            (ReminderKind.HEARING_PERSON_7D, sms, central(2026, 3, 5, 14, 0)),
            (ReminderKind.HEARING_OFFICER_2D, email, central(2026, 3, 10, 14, 0)),
            (ReminderKind.HEARING_PERSON_1D, sms, central(2026, 3, 11, 14, 0)),
        }
        assert _pending(paso_hearing) == set()

        # The rescheduled hearing is again a week out on Thursday: a new 7-day SMS with the new time...
        (new_7d,) = clock.around(central(2026, 3, 5, 14, 0))
        assert _summary([new_7d]) == [("sms", ReminderKind.HEARING_PERSON_7D, dallas_hearing.pk)]
        assert "el jueves 12 de marzo de 2026 a las 14:00 en" in provider.deliveries[-1]["body"]["body"]
        # ... the moments the old reminders were due pass in silence...
        for old in (
            mountain(2026, 3, 8, 7, 0),
            central(2026, 3, 8, 9, 30),
            mountain(2026, 3, 9, 8, 0),
            central(2026, 3, 9, 9, 30),
        ):
            assert clock.around(old) == []
        # ... and the new ones arrive when due.
        (officer_2d,) = clock.around(central(2026, 3, 10, 14, 0))
        assert _summary([officer_2d]) == [("email", ReminderKind.HEARING_OFFICER_2D, dallas_hearing.pk)]
        assert mail.outbox[-1].to == [dallas_officer.email]
        assert "jueves 12 de marzo de 2026 a las 14:00" in mail.outbox[-1].body
        (dallas_1d,) = clock.around(central(2026, 3, 11, 14, 0))
        assert _summary([dallas_1d]) == [("sms", ReminderKind.HEARING_PERSON_1D, dallas_hearing.pk)]
        # Nothing else is left to arrive, before or after the hearing.
        assert clock.dispatch_at(central(2026, 3, 13, 9, 0)) == []

    # Everything that arrived, with the local time beat fired it at.
    arrived = [
        (moment.astimezone(zoneinfo.ZoneInfo(r.case.consulate.timezone)), channel, r.kind, r.subject_id)
        for moment, channel, r in clock.arrivals
    ]
    paso, dallas = paso_hearing.pk, dallas_hearing.pk
    half = dt.timedelta(seconds=30)
    assert arrived == [
        (mountain(2026, 3, 3, 8, 0) + half, "sms", ReminderKind.HEARING_PERSON_7D, paso),
        (central(2026, 3, 3, 9, 30) + half, "sms", ReminderKind.HEARING_PERSON_7D, dallas),
        (central(2026, 3, 5, 14, 0) + half, "sms", ReminderKind.HEARING_PERSON_7D, dallas),
        (central(2026, 3, 10, 14, 0) + half, "email", ReminderKind.HEARING_OFFICER_2D, dallas),
        (central(2026, 3, 11, 14, 0) + half, "sms", ReminderKind.HEARING_PERSON_1D, dallas),
    ]
    assert provider.duplicates() == 0
    assert len(provider.deliveries) == 4
    assert len(mail.outbox) == 1
    statuses = sorted(Reminder.objects.values_list("status", flat=True))
    assert statuses.count(ReminderStatus.SENT) == 5
    assert set(statuses) <= {ReminderStatus.SENT, ReminderStatus.CANCELLED}
    for r in Reminder.objects.filter(status=ReminderStatus.SENT):
        assert r.due_at <= r.sent_at <= r.due_at + dt.timedelta(minutes=2)
