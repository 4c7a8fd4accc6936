"""Reminders no single change creates: the daily digest and the 14-day inactivity nudge. Run by beat;
both are idempotent (the outbox's unique key), so overlapping or repeated runs add nothing."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from cases.models import Case, Reminder
from cases.models.case import Status
from cases.models.reminder import ReminderChannel, ReminderKind
from consulates.models import Consulate
from consulates.policy import holders

DIGEST_TIME = dt.time(7, 0)
DIGEST_LATEST = dt.time(12, 0)  # after a downtime, a digest still goes out in the morning, not at night
INACTIVITY = dt.timedelta(days=14)
INACTIVITY_WINDOW = dt.timedelta(days=2)  # only cases that crossed the line recently: older ones had theirs


def schedule_digests(now: dt.datetime | None = None) -> int:
    """For each consulate where it is now between 07:00 and 12:00, one digest per active officer and
    supervisor, due at 07:00 local today."""
    now = now or timezone.now()
    rows = []
    users = holders("digest.receive")
    for consulate in Consulate.objects.all():
        tz = zoneinfo.ZoneInfo(consulate.timezone)
        local = now.astimezone(tz)
        if not (DIGEST_TIME <= local.time() < DIGEST_LATEST):
            continue
        due = dt.datetime.combine(local.date(), DIGEST_TIME, tzinfo=tz).astimezone(dt.UTC)
        for user_id in users.filter(staff_membership__consulate=consulate).values_list("pk", flat=True):
            rows.append(
                Reminder(
                    kind=ReminderKind.DIGEST,
                    channel=ReminderChannel.EMAIL,
                    subject_type="digest",
                    subject_id=user_id,
                    recipient_key=f"user:{user_id}",
                    user_id=user_id,
                    due_at=due,
                )
            )
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))


def schedule_inactivity(now: dt.datetime | None = None) -> int:
    """A nudge to the assignee of each open case whose last activity is 14 days old (due then)."""
    now = now or timezone.now()
    cases = Case.objects.filter(
        status__in=[Status.OPEN, Status.IN_PROGRESS],
        assigned_to__isnull=False,
        last_activity_at__lte=now - INACTIVITY,
        last_activity_at__gt=now - INACTIVITY - INACTIVITY_WINDOW,
    ).values_list("pk", "last_activity_at")
    rows = [
        Reminder(
            kind=ReminderKind.CASE_INACTIVE,
            channel=ReminderChannel.EMAIL,
            subject_type="case-inactive",
            subject_id=pk,
            recipient_key="case-officer",
            case_id=pk,
            due_at=last_activity + INACTIVITY,
        )
        for pk, last_activity in cases.iterator(chunk_size=2000)
    ]
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000))
