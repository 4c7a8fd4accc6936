"""Reminders put no personal data in logs or in task arguments: the broker and the log files see ids,
kinds and error classes, never a name, a number, a CURP or a message text."""

from __future__ import annotations

import logging
from unittest import mock

import pytest

from cases import services, tasks
from cases.models import Reminder
from cases.reminders.dispatch import MAX_ATTEMPTS, deliver
from devtools.fake_provider import FakeProvider
from tests import factories as f
from tests.cases.reminders.conftest import CHICAGO, at

pytestmark = pytest.mark.django_db

PHONE = "(214) 555-0142"


@pytest.fixture
def provider(settings):
    fake = FakeProvider().start()
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = fake.url
    settings.SMS_HTTP_TOKEN = "token"
    yield fake
    fake.stop()


@pytest.fixture
def person_hearing():
    officer = f.officer("dallas")
    person = f.make_person(
        officer,
        given_names="Xochitl Anayansi",
        paternal_surname="Quetzalcoatl",
        phone=PHONE,
        email="xochitl@example.invalid",
        contact_consent=True,
    )
    case = f.make_case(officer, person=person)
    hearing = services.hearing_schedule(
        actor=officer, case=case, kind="bond", starts_at=at(CHICAGO, "2026-05-12 09:30"), location="Sala 3"
    )
    return person, hearing


def secrets_of(person) -> list[str]:
    return [
        person.given_names,
        "Xochitl",
        person.paternal_surname,
        person.curp,
        person.email,
        PHONE,
        "5550142",
        "555-0142",
        "2145550142",
    ]


def test_scheduling_and_sending_log_no_personal_data(frozen, caplog, provider, person_hearing):
    caplog.set_level(logging.DEBUG)
    person, hearing = person_hearing
    provider.fail_first = 1  # a retry and its log line
    row = Reminder.objects.get(kind="hearing_person_7d")
    frozen.move_to(row.due_at)
    assert deliver(row.pk) == "retry"
    frozen.move_to(at(CHICAGO, "2026-05-05 12:00"))
    assert deliver(row.pk) == "sent"
    # and a reminder that fails for good
    provider.status = 503
    provider.fail_first = 100
    services.hearing_update(
        actor=hearing.case.opened_by,
        hearing=hearing,
        kind="bond",
        starts_at=at(CHICAGO, "2026-05-13 09:30"),
        location="Sala 3",
    )
    other = Reminder.objects.get(kind="hearing_person_7d", status="pending")
    frozen.move_to(at(CHICAGO, "2026-05-06 10:00"))
    outcomes = []
    for _ in range(MAX_ATTEMPTS):
        outcomes.append(deliver(other.pk))
        frozen.shift(7200)
    assert outcomes[-1] == "failed"

    assert any(record.name.startswith("cases.reminders") for record in caplog.records)  # it did log
    for secret in secrets_of(person):
        assert secret not in caplog.text
    assert provider.deliveries[0]["body"]["to"] == "+12145550142"  # (the number did reach the provider)


def task_arguments(call) -> tuple[tuple, dict]:
    """The task's own args and kwargs from a call of ``apply_async`` (``delay`` calls it too)."""
    args = call.args[0] if call.args else call.kwargs.get("args", ())
    kwargs = call.args[1] if len(call.args) > 1 else call.kwargs.get("kwargs")
    return tuple(args or ()), dict(kwargs or {})


def test_the_send_task_is_queued_with_the_reminder_ids_only(frozen, person_hearing):
    frozen.move_to(at(CHICAGO, "2026-05-11 10:00"))  # every reminder of the hearing is due
    due = set(Reminder.objects.filter(status="pending").values_list("pk", flat=True))
    assert len(due) == 3
    with mock.patch.object(tasks.send_reminders, "apply_async") as apply_async:
        assert tasks.dispatch_reminders() == 3
    queued = [task_arguments(c) for c in apply_async.call_args_list]
    assert len(queued) == 1  # one batch
    ((ids,), kwargs) = queued[0]
    assert kwargs == {}
    assert sorted(ids) == sorted(due)
    assert all(type(pk) is int for pk in ids)
    assert tasks.send_reminders.name == "reminders.send"
