"""A critical incident in the demo world (decision 0028), for the incidents report: a fictional hunger
strike at Prairieland forty days ago on an open Dallas case, recorded by the Dallas officer through the
service (so its checklist and notifications exist as they would) and closed by the Dallas supervisor with
a note. The demo's notifications of it are marked read and its emails are not sent (they are about the
past): the walkthrough records its own incident to see the notification arrive."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases import services
from cases.models import Notification, Reminder
from cases.models.case import Status
from cases.models.reminder import ReminderKind, ReminderStatus
from consulates.models import DetentionFacility


@transaction.atomic
def incidents_seed(*, cases) -> str:
    users = get_user_model().objects
    officer = users.filter(username="oficial.dallas").first()
    chief = users.filter(username="supervisora.dallas").first()
    prairieland = DetentionFacility.objects.filter(name="Prairieland Detention Center").first()
    case = (
        cases.filter(
            consulate__slug="dallas", status__in=[Status.OPEN, Status.IN_PROGRESS], incidents__isnull=True
        )
        .order_by("pk")
        .first()
    )
    if officer is None or chief is None or prairieland is None or case is None:
        return "none (the demo users or cases are missing)"
    happened = timezone.now() - dt.timedelta(days=40)
    incident = services.incident_record(
        actor=officer,
        case=case,
        kind="hunger_strike",
        occurred_at=happened,
        facility=prairieland,
        source="partner",
        learned_at=happened + dt.timedelta(hours=20),
        description="Rechazó los alimentos durante seis días en protesta por la falta de atención médica.",
    )
    services.incident_close(
        actor=chief,
        incident=incident,
        note="Terminó la huelga tras la cita médica; el consulado dio seguimiento con la familia.",
    )
    Notification.objects.filter(target_id=incident.pk, kind="incident_recorded").update(
        read_at=timezone.now()
    )
    Reminder.objects.filter(kind=ReminderKind.INCIDENT_RECORDED, subject_id=incident.pk).update(
        status=ReminderStatus.CANCELLED, last_error="demo data: an incident of the past"
    )
    return f"{case.reference}: a hunger strike at Prairieland 40 days ago, closed"
