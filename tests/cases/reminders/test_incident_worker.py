"""Issue 21: recording a critical incident emails the consulate's supervisors and the regional managers at
once, through the outbox, end to end: a real Celery worker on the real broker (Redis with ``REDIS_URL``),
PostgreSQL, and a local SMTP server.

An officer of Dallas records a death in custody at Prairieland. The Dallas supervisor (Spanish) and the
manager (English, the language of their account) each get one email as soon as the incident commits,
without waiting for beat's dispatcher: what and where in the subject with the case's reference and no
person's name, when on the facility's clock and a link to the case in the body. Houston's supervisor and
the officer get nothing. The mail server refuses the first message once (451): that row is retried by the
dispatcher and arrives once; dispatching again and replaying the send task send nothing twice.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine

from cases import services
from cases.models import Reminder
from cases.models.reminder import ReminderKind, ReminderStatus
from consulates.models import Consulate, DetentionFacility, StaffMembership
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker
from tests.cases.reminders.smtp_server import LocalSMTPServer
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")


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
def smtp(settings):
    with LocalSMTPServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.SITE_URL = "https://proteccion.example.org"
        yield server


def subject(message) -> str:
    return " ".join(str(message["Subject"]).split())  # unfolded


def _sent_to(server) -> list[str]:
    return sorted(address for recipients, _message in server.messages for address in recipients)


def test_a_death_in_custody_is_emailed_at_once_to_the_supervisors_and_managers_once_each(celery_app, smtp):
    start = dt.datetime(2026, 5, 4, 8, 0, tzinfo=CENTRAL)
    with time_machine.travel(start, tick=True) as traveller, embedded_worker(celery_app) as tasks:
        officer, chief, manager = f.officer("dallas"), f.supervisor("dallas"), f.manager()
        f.supervisor("houston")
        StaffMembership.objects.filter(user=manager).update(language="en")
        case = f.make_case(officer)
        prairieland = DetentionFacility.objects.get(name="Prairieland Detention Center")
        smtp.fail_next = 1  # the server is busy for the first message

        incident = services.incident_record(
            actor=officer,
            case=case,
            kind="death",
            occurred_at=dt.datetime(2026, 5, 4, 5, 40, tzinfo=CENTRAL),
            facility=prairieland,
            source="facility",
            description="Encontrado sin respuesta en su celda durante el conteo de las 5:40.",
        )
        tasks.wait_for_handled("reminders.send", 1)  # queued when the incident committed: no beat

        rows = Reminder.objects.filter(kind=ReminderKind.INCIDENT_RECORDED, subject_id=incident.pk)
        assert rows.count() == 2
        assert rows.filter(status=ReminderStatus.SENT).count() == 1
        waiting = rows.get(status=ReminderStatus.PENDING)
        assert waiting.attempts == 1
        assert "mail server error" in waiting.last_error
        assert len(smtp.messages) == 1

        # Beat's dispatcher in the minutes after: the refused one is retried and arrives.
        for minutes in (10, 20, 30):
            traveller.move_to(start + dt.timedelta(minutes=minutes))
            sends = tasks.handled("reminders.send")
            published = tasks.result(celery_app.tasks["reminders.dispatch"].delay().id)
            tasks.wait_for_handled("reminders.send", sends + published)
            if len(smtp.messages) == 2:
                break
        assert _sent_to(smtp) == sorted([chief.email, manager.email])
        assert rows.filter(status=ReminderStatus.SENT).count() == 2

        # Nothing twice: another dispatch, and the first send task delivered again.
        traveller.move_to(start + dt.timedelta(minutes=45))
        assert tasks.result(celery_app.tasks["reminders.dispatch"].delay().id) == 0
        handled = tasks.handled("reminders.send")
        celery_app.tasks["reminders.send"].delay([row.pk for row in rows])
        tasks.wait_for_handled("reminders.send", handled + 1)
        assert len(smtp.messages) == 2

    by_recipient = {recipients[0]: message for recipients, message in smtp.messages}
    spanish, english = by_recipient[chief.email], by_recipient[manager.email]
    assert subject(spanish) == (
        f"Incidente crítico: Muerte bajo custodia en Prairieland Detention Center (Alvarado, TX), "
        f"caso {case.reference}"
    )
    assert subject(english) == (
        f"Critical incident: Death in custody at Prairieland Detention Center (Alvarado, TX), "
        f"case {case.reference}"
    )
    body = spanish.get_content()
    assert "4 de mayo de 2026 a las 05:40 (hora del Centro)" in body
    assert f"https://proteccion.example.org/case/{case.pk}/#incidents" in body
    assert "Cómo se enteró el consulado: El centro de detención o la cárcel." in body
    for message in (spanish, english):
        text = subject(message) + message.get_content()
        assert case.person.paternal_surname not in text  # no person's name
        assert "celda" not in text  # the description stays on the case
