"""A formal request's reminders, sent (decision 0026): to its owner, in Spanish, 3 days and 1 day before
the answer is due at 08:00 on the facility's clock (Mountain time at El Paso); skipped once answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from cases import services
from cases.models import Reminder
from cases.reminders.dispatch import deliver
from consulates.models import DetentionFacility
from tests import factories as f
from tests.cases.reminders.conftest import DENVER, at

pytestmark = pytest.mark.django_db

DUE = dt.date(2026, 6, 10)


@pytest.fixture
def email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def _sent(officer):
    return services.request_create(
        actor=officer,
        authority_kind="facility",
        authority_name="El Paso Service Processing Center",
        kind="medical_records",
        facility=DetentionFacility.objects.get(name="El Paso Service Processing Center"),
        sent_on=dt.date(2026, 5, 20),
        due_on=DUE,
    )


def _row(request, due):
    return Reminder.objects.get(subject_type="formal_request", subject_id=request.pk, due_at=due)


def test_the_owner_is_emailed_3_days_before_at_8_on_the_facilitys_clock(frozen, email):
    officer = f.officer("el_paso")
    request = _sent(officer)
    row = _row(request, at(DENVER, "2026-06-07 08:00"))
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "sent"
    (message,) = mail.outbox
    assert message.to == [officer.email]
    assert "10 de junio de 2026" in message.subject
    assert "Expediente médico" in message.body


def test_an_answered_request_is_not_reminded(frozen, email):
    officer = f.officer("el_paso")
    request = _sent(officer)
    row = _row(request, at(DENVER, "2026-06-09 08:00"))
    services.request_answer(
        actor=officer, request=request, answered_on=dt.date(2026, 6, 1), response="Enviado"
    )
    Reminder.objects.filter(pk=row.pk).update(status="pending")  # as if the change had not reached it
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "skipped"
    assert mail.outbox == []
