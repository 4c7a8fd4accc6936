"""Issue 20, error 1, end to end: a real Celery worker on the real broker (Redis with ``REDIS_URL``) and
PostgreSQL, SMS through the local fake provider over HTTP, the clock driven.

Two Dallas persons are detained with a hearing a week out. Rosa agreed that her sister be told; Luis
agreed to nobody. A week before, Rosa's reminder reaches her sister's phone and Luis's reaches no one
(skipped; his officer's two-day email says nobody is reminded). Rosa is released; the day before the
hearing her own phone gets the reminder, while Luis, still detained, gets nothing on his.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from cases import services
from cases.models import EmergencyContact, Reminder
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.reminders.person_messages import NOBODY_WHILE_DETAINED
from consulates.models import Consulate, DetentionFacility
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, at
from tests.cases.reminders.harness import embedded_worker
from tests.cases.reminders.test_celery_worker import Clock
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

ROSA, ROSA_SISTER, LUIS = "+12145550101", "+12145550177", "+12145550102"
HEARING_AT = at(CHICAGO, "2026-05-12 09:30")


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


def detained_with_hearing(officer, *, given_names: str, phone: str):
    person = f.make_person(
        officer, given_names=given_names, phone=phone, contact_consent=True, preferred_language="es"
    )
    case = f.make_case(
        officer,
        person=person,
        facility=DetentionFacility.objects.get(name="Prairieland Detention Center"),
        detained_since=dt.date(2026, 5, 1),
    )
    services.case_assign(actor=officer, case=case, assignee=officer)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="master_calendar", starts_at=HEARING_AT, location="Sala 3"
    )
    return case, hearing


def test_reminders_reach_the_consented_contact_while_detained_and_the_person_once_released(
    celery_app, provider, settings
):
    start = at(CHICAGO, "2026-05-04 08:00")
    with time_machine.travel(start, tick=True) as traveller, embedded_worker(celery_app) as tasks:
        clock = Clock(traveller, celery_app, tasks, provider)
        officer = f.officer("dallas")
        rosa_case, rosa_hearing = detained_with_hearing(officer, given_names="Rosa", phone="214 555 0101")
        services.emergency_contact_save(
            actor=officer,
            person=rosa_case.person,
            contact=EmergencyContact(
                name="Lupe", relationship="hermana", phone="214 555 0177", hearing_reminders_consent=True
            ),
        )
        luis_case, luis_hearing = detained_with_hearing(officer, given_names="Luis", phone="214 555 0102")
        assert clock.dispatch_at(start + dt.timedelta(minutes=1)) == []

        # A week before: Rosa's sister gets the text; Luis's is skipped, his phone gets nothing.
        arrived = clock.around(at(CHICAGO, "2026-05-05 09:30"))
        assert [(channel, r.kind, r.subject_id) for channel, r in arrived] == [
            ("sms", ReminderKind.HEARING_PERSON_7D, rosa_hearing.pk)
        ]
        assert [d["body"]["to"] for d in provider.deliveries] == [ROSA_SISTER]
        text = provider.deliveries[0]["body"]["body"]
        assert text.startswith("Recordatorio de una cita importante.\nRosa tiene una audiencia el martes 12")
        skipped = Reminder.objects.get(subject_id=luis_hearing.pk, kind=ReminderKind.HEARING_PERSON_7D)
        assert (skipped.status, skipped.last_error) == (ReminderStatus.SKIPPED, NOBODY_WHILE_DETAINED)

        # Rosa is released the next day.
        clock.traveller.move_to(at(CHICAGO, "2026-05-06 11:00"))
        services.case_update(actor=officer, case=rosa_case, released_on=dt.date(2026, 5, 6))

        # Two days before: the officer's emails; Luis's says nobody is reminded of his hearings.
        arrived = clock.around(at(CHICAGO, "2026-05-10 09:30"))
        assert sorted(r.subject_id for _channel, r in arrived) == sorted([rosa_hearing.pk, luis_hearing.pk])
        bodies = {message.subject: message.body for message in mail.outbox}
        assert "nadie recibe los recordatorios" in bodies[f"Audiencia en 2 días: {luis_case.reference}"]
        assert "detenida" not in bodies[f"Audiencia en 2 días: {rosa_case.reference}"]

        # The day before: Rosa's own phone; nothing on Luis's.
        arrived = clock.around(at(CHICAGO, "2026-05-11 09:30"))
        assert [(channel, r.kind, r.subject_id) for channel, r in arrived] == [
            ("sms", ReminderKind.HEARING_PERSON_1D, rosa_hearing.pk)
        ]
        assert [d["body"]["to"] for d in provider.deliveries] == [ROSA_SISTER, ROSA]
        assert "orden de deportación en ausencia" in provider.deliveries[-1]["body"]["body"]
        assert clock.dispatch_at(at(CHICAGO, "2026-05-12 12:00")) == []

    assert LUIS not in {d["body"]["to"] for d in provider.deliveries}
    assert provider.duplicates() == 0
    luis_rows = Reminder.objects.filter(subject_id=luis_hearing.pk, kind__startswith="hearing_person")
    assert set(luis_rows.values_list("status", flat=True)) == {ReminderStatus.SKIPPED}
