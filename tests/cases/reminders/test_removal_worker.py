"""Issue 20: the reminder 48 hours before a removal with no hand-off prepared, end to end through a real
Celery worker on the real broker (Redis with ``REDIS_URL``) and PostgreSQL, the clock driven.

Four Dallas cases expect a removal. The first (assigned, a flight to Tapachula) reminds its officer 48
hours before on Tapachula's clock, naming the flight and the time there. The second (unassigned, a bus to
Nuevo Laredo) has its time moved: the old reminder never arrives, the new one reaches the consulate's
supervisors. The third's hand-off is prepared and the fourth is closed: nothing arrives for them. A second
dispatch sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail

from cases import services
from cases.models import Reminder
from cases.models.reminder import ReminderKind, ReminderStatus
from consulates.models import Consulate, ReceptionPoint
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker
from tests.cases.reminders.test_celery_worker import Clock
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")
TAPACHULA = zoneinfo.ZoneInfo("America/Mexico_City")
NUEVO_LAREDO = zoneinfo.ZoneInfo("America/Matamoros")


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


def point(name_start: str) -> ReceptionPoint:
    return ReceptionPoint.objects.get(name__startswith=name_start)


def test_removal_without_hand_off_reminds_48_hours_before_on_the_points_clock(celery_app, provider):
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=CENTRAL)
    with time_machine.travel(start, tick=True) as traveller, embedded_worker(celery_app) as tasks:
        clock = Clock(traveller, celery_app, tasks, provider)
        officer, chief = f.officer("dallas"), f.supervisor("dallas")
        flight = f.make_case(officer)
        services.case_assign(actor=officer, case=flight, assignee=officer)
        services.case_update(
            actor=officer,
            case=flight,
            expected_removal_date=dt.date(2026, 5, 8),
            expected_removal_time=dt.time(10, 0),
            reception_point=point("Tapachula"),
            removal_mode="flight",
            removal_flight_number="AM 1234",
        )
        bus = f.make_case(officer)
        services.case_update(
            actor=officer,
            case=bus,
            expected_removal_date=dt.date(2026, 5, 9),
            expected_removal_time=dt.time(8, 0),
            reception_point=point("Nuevo Laredo"),
            removal_mode="bus",
        )
        prepared, closed = f.make_case(officer), f.make_case(officer)
        for case in (prepared, closed):
            services.case_update(
                actor=officer,
                case=case,
                expected_removal_date=dt.date(2026, 5, 7),
                reception_point=point("Nuevo Laredo"),
            )
        services.handoff_prepare(actor=officer, case=prepared)
        services.case_close_request(actor=officer, case=closed, outcome="removed")
        assert clock.dispatch_at(start + dt.timedelta(minutes=1)) == []

        # 48 hours before 10:00 in Tapachula (11:00 in Dallas): the flight's officer.
        arrived = clock.around(dt.datetime(2026, 5, 6, 10, 0, tzinfo=TAPACHULA))
        assert [(channel, r.kind, r.subject_id) for channel, r in arrived] == [
            ("email", ReminderKind.REMOVAL_NO_HANDOFF, flight.pk)
        ]
        message = mail.outbox[-1]
        assert message.to == [officer.email]
        assert message.subject == f"Remoción en 48 horas sin entrega preparada: caso {flight.reference}"
        assert "8 de mayo de 2026 a las 10:00, hora de Tapachula" in message.body
        assert "Vuelo AM 1234" in message.body

        # The bus leaves four hours later than planned: the reminder moves with it.
        services.case_update(actor=officer, case=bus, expected_removal_time=dt.time(12, 0))
        old_due = dt.datetime(2026, 5, 7, 8, 0, tzinfo=NUEVO_LAREDO)
        assert clock.dispatch_at(old_due + dt.timedelta(seconds=30)) == []
        arrived = clock.around(dt.datetime(2026, 5, 7, 12, 0, tzinfo=NUEVO_LAREDO))
        assert [(channel, r.kind, r.subject_id) for channel, r in arrived] == [
            ("email", ReminderKind.REMOVAL_NO_HANDOFF, bus.pk)
        ]
        assert mail.outbox[-1].to == [chief.email]  # unassigned: the consulate's supervisors

        # Nothing for the prepared or the closed case; nothing twice.
        assert clock.dispatch_at(dt.datetime(2026, 5, 9, 9, 0, tzinfo=CENTRAL)) == []
        removal_rows = Reminder.objects.filter(kind=ReminderKind.REMOVAL_NO_HANDOFF)
        assert removal_rows.filter(status=ReminderStatus.SENT).count() == 2
        assert not removal_rows.filter(case__in=[prepared, closed], status=ReminderStatus.SENT).exists()
        assert removal_rows.filter(status=ReminderStatus.PENDING).count() == 0
