"""cases/services/incidents.py: recording a critical incident tells the consulate's supervisors and the
managers (workspace and outbox), opens its checklist; only a supervisor closes it."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from cases import services
from cases.models import CaseEvent, CriticalIncident, Notification, Reminder, Task
from cases.models.incident import IncidentStatus
from cases.models.reminder import ReminderKind, ReminderStatus
from cases.models.work import EventKind, TaskKind
from consulates.models import DetentionFacility
from tests import factories as f
from tests.dbchecks import error_fields

pytestmark = pytest.mark.django_db

CENTRAL = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def world():
    officer = f.officer("dallas")
    chief = f.supervisor("dallas")
    other_chief = f.supervisor("houston")
    manager = f.manager()
    case = f.make_case(officer)
    services.case_assign(actor=officer, case=case, assignee=officer)
    facility = DetentionFacility.objects.get(name="Prairieland Detention Center")
    return {
        "officer": officer,
        "chief": chief,
        "other_chief": other_chief,
        "manager": manager,
        "case": case,
        "facility": facility,
    }


def record(world, **overrides):
    values = {
        "actor": world["officer"],
        "case": world["case"],
        "kind": "death",
        "occurred_at": timezone.now() - dt.timedelta(hours=5),
        "facility": world["facility"],
        "source": "ice",
        "description": "Encontrado sin vida en su celda durante el conteo de la mañana.",
    }
    return services.incident_record(**(values | overrides))


def test_a_death_in_custody_tells_the_supervisors_and_managers_and_opens_the_checklist(world):
    incident = record(world)

    told = set(Notification.objects.filter(target_id=incident.pk).values_list("recipient_id", flat=True))
    assert told == {world["chief"].pk, world["manager"].pk}  # not Houston's supervisor, not the officer
    emails = Reminder.objects.filter(kind=ReminderKind.INCIDENT_RECORDED, subject_id=incident.pk)
    assert {(r.user_id, r.status, r.channel) for r in emails} == {
        (world["chief"].pk, ReminderStatus.PENDING, "email"),
        (world["manager"].pk, ReminderStatus.PENDING, "email"),
    }
    tasks = {task.kind: task for task in Task.objects.filter(incident=incident)}
    assert set(tasks) == {
        TaskKind.INCIDENT_FAMILY_US,
        TaskKind.INCIDENT_FAMILY_MX,
        TaskKind.INCIDENT_RECORDS,
        TaskKind.INCIDENT_COUNSEL,
        TaskKind.INCIDENT_REMAINS,
    }
    learnt_on = incident.learned_at.astimezone(CENTRAL).date()  # Prairieland is on Central time
    assert tasks[TaskKind.INCIDENT_FAMILY_US].due_date == learnt_on
    assert tasks[TaskKind.INCIDENT_RECORDS].due_date == learnt_on + dt.timedelta(days=2)
    assert tasks[TaskKind.INCIDENT_FAMILY_MX].title == "Contactar a la familia en México"
    assert {task.assignee_id for task in tasks.values()} == {world["officer"].pk}
    event = CaseEvent.objects.get(case=world["case"], kind=EventKind.INCIDENT_RECORDED)
    assert event.payload["incident_id"] == incident.pk
    assert "sin vida" not in str(event.payload)
    assert not event.text


def test_the_description_is_stored_encrypted(world):
    incident = record(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT description FROM cases_criticalincident WHERE id = %s", [incident.pk])
        stored = cursor.fetchone()[0]
    assert "sin vida" not in stored
    assert CriticalIncident.objects.get(pk=incident.pk).description.startswith("Encontrado sin vida")


def test_only_a_death_opens_the_repatriation_of_remains_and_two_incidents_have_two_checklists(world):
    strike = record(world, kind="hunger_strike")
    injury = record(world, kind="serious_injury", facility=None, place="Parkland Memorial Hospital, Dallas")
    for incident in (strike, injury):
        kinds = set(Task.objects.filter(incident=incident).values_list("kind", flat=True))
        assert TaskKind.INCIDENT_REMAINS not in kinds
        assert TaskKind.INCIDENT_FAMILY_US in kinds
    assert injury.zone_name == "America/Chicago"  # another place: the consulate's clock


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as refused:
        record(
            world,
            kind="alien_abduction",
            facility=None,
            place="",
            description=" ",
            occurred_at=timezone.now() + dt.timedelta(days=1),
        )
    assert error_fields(refused.value) >= {"kind", "place", "description", "occurred_at"}
    assert not CriticalIncident.objects.exists()
    assert not Notification.objects.exists()


def test_who_records_and_who_closes(world):
    with pytest.raises(PermissionDenied):
        record(world, actor=world["other_chief"])
    with pytest.raises(PermissionDenied):
        record(world, actor=world["manager"])  # managers read
    incident = record(world)
    with pytest.raises(PermissionDenied):
        services.incident_close(actor=world["officer"], incident=incident, note="Familia atendida.")
    with pytest.raises(ValidationError) as refused:
        services.incident_close(actor=world["chief"], incident=incident, note="")
    assert error_fields(refused.value) == {"note"}
    closed = services.incident_close(actor=world["chief"], incident=incident, note="Restos repatriados.")
    assert closed.status == IncidentStatus.CLOSED
    assert closed.closed_by == world["chief"]
    assert CaseEvent.objects.filter(case=world["case"], kind=EventKind.INCIDENT_CLOSED).exists()
    with pytest.raises(ValidationError):
        services.incident_close(actor=world["chief"], incident=incident, note="Otra vez.")


def test_a_notification_is_marked_read_by_its_recipient_only(world):
    incident = record(world)
    note = Notification.objects.get(target_id=incident.pk, recipient=world["chief"])
    with pytest.raises(PermissionDenied):
        services.notification_mark_read(actor=world["manager"], notification=note)
    services.notification_mark_read(actor=world["chief"], notification=note)
    note.refresh_from_db()
    assert note.read_at is not None
    assert Notification.objects.visible_to(world["manager"]).filter(pk=note.pk).count() == 0
    assert services.notifications_mark_all_read(actor=world["manager"]) == 1
