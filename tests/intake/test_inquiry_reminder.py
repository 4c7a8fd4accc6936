"""The reminder before an inquiry's deadline lapses, end to end through a real Celery worker on a real
broker with the clock driven: beat's scan (``inquiries.schedule_reminders``) and the outbox's dispatcher
run on the worker. It fires once, when a quarter of the time to answer is left, to the assignee (or, for
an unassigned inquiry, the consulate's supervisors); an inquiry answered before never reminds; the message
carries no caller's or person's name."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine
from django.core import mail

from consulates.models import Consulate
from intake.inquiries import services
from intake.models import Channel, Urgency
from tests import factories as f
from tests.cases.reminders.harness import embedded_worker, filesystem_transport_options, make_app
from tests.network import network_restore

pytestmark = pytest.mark.django_db(transaction=True)
START = dt.datetime(2026, 5, 4, 15, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module", autouse=True)
def _reload_network_after_flush(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        network_restore()


@pytest.fixture(autouse=True)
def _network(transactional_db):
    if not Consulate.objects.exists():
        network_restore()


@pytest.fixture
def celery_app(tmp_path):
    if os.environ.get("REDIS_URL"):
        return make_app(broker_url=os.environ["REDIS_URL"])
    options = filesystem_transport_options(tmp_path / "broker")
    options["polling_interval"] = 0.1
    return make_app(broker_url="filesystem://", transport_options=options)


def test_the_reminder_fires_once_to_the_right_person(celery_app, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(START, tick=True) as traveller, embedded_worker(celery_app) as tasks:

        def beat_at(moment):
            """Beat's scan, then its dispatcher, through the broker; returns the mail sent meanwhile."""
            traveller.move_to(moment)
            seen = len(mail.outbox)
            tasks.result(celery_app.tasks["inquiries.schedule_reminders"].delay().id)
            sends = tasks.handled("reminders.send")
            published = tasks.result(celery_app.tasks["reminders.dispatch"].delay().id)
            tasks.wait_for_handled("reminders.send", sends + published)
            return mail.outbox[seen:]

        dallas = Consulate.objects.get(slug="dallas")
        officer = f.officer("dallas", email="ana@consulado.example")
        supervisor = f.supervisor("dallas", email="jefa@consulado.example")
        f.officer("dallas", email="otro@consulado.example")  # not assigned: never told
        assigned = services.inquiry_record(
            actor=officer,
            consulate=dallas,
            channel=Channel.PHONE,
            caller_name="Rosa Luna",
            sought_given_names="José Luis",
            sought_paternal_surname="Hernández",
            assigned_to=officer,
        )
        unassigned = services.inquiry_record(
            actor=officer,
            consulate=dallas,
            channel=Channel.CIAM,
            urgency=Urgency.URGENT,
            sought_paternal_surname="Ramírez",
        )
        answered = services.inquiry_record(
            actor=officer,
            consulate=dallas,
            channel=Channel.CIAM,
            sought_paternal_surname="Soto",
            assigned_to=officer,
        )
        services.inquiry_answer(actor=officer, inquiry=answered, answer="Ya está en México.")
        normal_h, urgent_h = dallas.inquiry_hours_normal, dallas.inquiry_hours_urgent

        # Urgent, unassigned: its supervisors, when a quarter of its time is left.
        assert beat_at(START + dt.timedelta(hours=urgent_h * 0.75) - dt.timedelta(minutes=2)) == []
        (urgent_mail,) = beat_at(START + dt.timedelta(hours=urgent_h * 0.75, minutes=1))
        assert urgent_mail.to == [supervisor.email]
        assert f"{unassigned.pk}" in urgent_mail.subject

        # Normal, assigned: the officer, once.
        assert beat_at(START + dt.timedelta(hours=normal_h * 0.75) - dt.timedelta(minutes=2)) == []
        (officer_mail,) = beat_at(START + dt.timedelta(hours=normal_h * 0.75, minutes=1))
        assert officer_mail.to == [officer.email]
        assert f"Consulta {assigned.pk}" in officer_mail.subject
        assert beat_at(START + dt.timedelta(hours=normal_h * 0.75, minutes=10)) == []
        assert beat_at(START + dt.timedelta(hours=normal_h - 0.1)) == []

        for message in (urgent_mail, officer_mail):
            text = message.subject + message.body
            for name in ("Rosa", "Luna", "José", "Hernández", "Ramírez"):
                assert name not in text
