"""Critical incidents (decision 0028): recording one, and closing it.

``incident_record`` does everything in one transaction, so an incident never exists without the rest:
the incident, its timeline entry, its checklist of tasks (each with a due date on the place's clock and
its reminders), one workspace ``Notification`` and one outbox email per person told (the case's
consulate's supervisors and every regional manager, ``consulates.policy.told``). After commit the emails
are handed to the sender at once; if the broker is down the rows wait for the dispatcher, and the
outbox's unique key sends each exactly once."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from celery import current_app as celery_app  # config.celery's app: the default one in every thread
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases import events
from cases.models import Case, CriticalIncident, Notification, Reminder, Task
from cases.models.incident import IncidentKind, IncidentSource, IncidentStatus
from cases.models.notification import NotificationKind
from cases.models.reminder import ReminderChannel, ReminderKind
from cases.models.work import TaskKind
from cases.reminders import schedule
from cases.services.common import case_write, lock_case, touch
from consulates.policy import authorize, holders, told

SEND_TASK = "reminders.send"  # cases.tasks.send_reminders, by name (the tasks import the services)
INCIDENT_SUBJECT = "incident"  # the outbox rows' and notifications' target type

# The checklist an incident opens: the task, and the days after the day the consulate learnt of it (on
# the place's clock) it is due. The family first, the same day; the records within two days (before they
# are altered or lost); counsel within a week. The remains only after a death.
CHECKLIST = (
    (TaskKind.INCIDENT_FAMILY_US, 0),
    (TaskKind.INCIDENT_FAMILY_MX, 0),
    (TaskKind.INCIDENT_RECORDS, 2),
    (TaskKind.INCIDENT_COUNSEL, 7),
    (TaskKind.INCIDENT_REMAINS, 3),
)
ONLY_AFTER_DEATH = (TaskKind.INCIDENT_REMAINS,)


def _clean(kind, occurred_at, facility, place, source, learned_at, description, now) -> dict:
    errors: dict[str, list] = {}
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose what happened.")]
    if occurred_at is None:
        errors["occurred_at"] = [_("Say when it happened.")]
    elif occurred_at > now + dt.timedelta(minutes=5):
        errors["occurred_at"] = [_("It cannot have happened in the future.")]
    place = (place or "").strip()
    if facility is None and not place:
        errors["place"] = [_("Choose the facility or say where it happened.")]
    if facility is not None and place:
        errors["place"] = [_("Choose a facility or name another place, not both.")]
    if source not in IncidentSource.values:
        errors["source"] = [_("Say how the consulate learnt of it.")]
    learned_at = learned_at or now
    if learned_at > now + dt.timedelta(minutes=5):
        errors["learned_at"] = [_("The consulate cannot have learnt of it in the future.")]
    elif occurred_at is not None and learned_at < occurred_at:
        errors["learned_at"] = [_("The consulate cannot have learnt of it before it happened.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Describe what happened.")]
    elif len(description) > 10_000:
        errors["description"] = [_("Keep the description under 10,000 characters.")]
    if errors:
        raise ValidationError(errors)
    return {"place": place, "learned_at": learned_at, "description": description}


@transaction.atomic
def incident_record(
    *,
    actor,
    case: Case | int,
    kind: str,
    occurred_at: dt.datetime,
    source: str,
    description: str,
    facility=None,
    place: str = "",
    learned_at: dt.datetime | None = None,
) -> CriticalIncident:
    """Record a critical incident on an open case (``incident.record``) and, in the same transaction,
    tell the supervisors and managers and open the checklist (see the module)."""
    now = timezone.now()
    values = _clean(kind, occurred_at, facility, place, source, learned_at, description, now)
    case = case_write(case, actor, "incident.record")
    incident = CriticalIncident.objects.create(
        case=case,
        kind=kind,
        occurred_at=occurred_at,
        facility=facility,
        source=source,
        recorded_by=actor,
        **values,
    )
    events.incident_recorded(case, actor, incident=incident)
    _open_checklist(case, incident)
    _tell(case, incident, now)
    touch(case, actor)
    if incident.kind == IncidentKind.DEATH:
        schedule.case_hearings_resync(case)  # nobody is reminded of a dead person's hearing
    return incident


def _open_checklist(case: Case, incident: CriticalIncident) -> None:
    learnt_on = incident.learned_at.astimezone(zoneinfo.ZoneInfo(incident.zone_name)).date()
    assignee = case.assigned_to if case.assigned_to_id else None
    if (
        assignee is not None
        and not holders("case.assignee", case.consulate_id).filter(pk=assignee.pk).exists()
    ):
        assignee = None  # an officer who left or moved: the supervisors see the tasks unassigned
    labels = dict(TaskKind.choices)
    with override("es"):  # a task's title is stored once, in the staff default language (as custody's)
        titles = {kind: str(labels[kind]) for kind, _days in CHECKLIST}
    for kind, days in CHECKLIST:
        if kind in ONLY_AFTER_DEATH and incident.kind != IncidentKind.DEATH:
            continue
        task = Task.objects.create(
            case=case,
            incident=incident,
            kind=kind,
            title=titles[kind],
            due_date=learnt_on + dt.timedelta(days=days),
            assignee=assignee,
        )
        schedule.task_reminders_sync(task)


def _tell(case: Case, incident: CriticalIncident, now: dt.datetime) -> None:
    recipients = list(told("incident.told", case.consulate_id).order_by("pk"))
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                kind=NotificationKind.INCIDENT_RECORDED,
                target_type=INCIDENT_SUBJECT,
                target_id=incident.pk,
                case=case,
            )
            for user in recipients
        ],
    )
    rows = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=ReminderKind.INCIDENT_RECORDED,
                channel=ReminderChannel.EMAIL,
                subject_type=INCIDENT_SUBJECT,
                subject_id=incident.pk,
                recipient_key=f"user:{user.pk}",
                user=user,
                case=case,
                due_at=now,
            )
            for user in recipients
            if user.email
        ]
    )
    ids = [row.pk for row in rows]
    if ids:
        # "At once": the sender gets the rows when the incident commits, not at the dispatcher's next run.
        transaction.on_commit(lambda: _send_now(ids))


def _send_now(ids: list[int]) -> None:
    try:
        celery_app.send_task(SEND_TASK, args=[ids])
    except Exception:  # noqa: BLE001 - the broker is down: the rows wait for the dispatcher's next claim
        return


@transaction.atomic
def incident_close(
    *, actor, incident: CriticalIncident | int, note: str, expected_version: int | None = None
) -> CriticalIncident:
    """Close an open incident with a note (``incident.close``: a supervisor of the case's consulate). The
    checklist's tasks stay as they are: each is completed on its own."""
    pk = incident if isinstance(incident, int) else incident.pk
    case_id = CriticalIncident.objects.values_list("case_id", flat=True).get(pk=pk)
    case = lock_case(case_id)
    incident = CriticalIncident.objects.select_for_update(of=("self",)).get(pk=pk)
    incident.case = case
    authorize(actor, "incident.close", incident)
    if expected_version is not None and incident.version != expected_version:
        raise ValidationError(
            _("Someone else changed this incident while you were reading it. Reload the page and try again."),
            code="stale",
        )
    if incident.status != IncidentStatus.OPEN:
        raise ValidationError(_("This incident is already closed."), code="closed")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Say how the incident was resolved.")]})
    if len(note) > 5000:
        raise ValidationError({"note": [_("Keep the note under 5,000 characters.")]})
    incident.status = IncidentStatus.CLOSED
    incident.closing_note, incident.closed_at, incident.closed_by = note, timezone.now(), actor
    incident.version += 1
    incident.save()
    events.incident_closed(case, actor, incident=incident)
    touch(case, actor)
    return incident
