"""The "verify custody" task: on every open case of a person in custody whose custody nobody confirmed for
7 days, one open task (never two: a unique constraint on the open task of a kind), created by a beat
scan (``verify_custody_scan``) and completed by whatever confirms custody (a new custody record, a search
that found the person, the explicit check): ``verify_tasks_complete``."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from cases import events
from cases.models import Case, Reminder, Task
from cases.models.case import Status
from cases.models.reminder import ReminderStatus
from cases.models.work import TaskKind
from cases.reminders import schedule

VERIFY_AFTER = dt.timedelta(days=7)
SCAN_BATCH = 500


def verify_task_title() -> str:
    # Staff work in Spanish first; the task's title is stored once, in the staff default language.
    with override("es"):
        return _("Verify custody: confirm where the person is held (ICE locator or a call to the facility)")


def verify_custody_scan(now: dt.datetime | None = None) -> int:
    """Create the missing "verify custody" tasks, in batches; returns how many were created. Safe to run
    twice or at once: cases with an open such task are skipped, and the unique constraint drops a
    concurrent duplicate."""
    now = now or timezone.now()
    open_task = Task.objects.filter(case=OuterRef("pk"), kind=TaskKind.VERIFY_CUSTODY, done=False)
    due = (
        Case.objects.in_custody()
        .filter(status__in=[Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE])
        .annotate(verified=Coalesce("custody_verified_at", "opened_at"))
        .filter(verified__lte=now - VERIFY_AFTER)
        .exclude(Exists(open_task))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    created = 0
    ids = list(due[:SCAN_BATCH])
    while ids:
        created += _create(ids, now)
        if len(ids) < SCAN_BATCH:
            break
        ids = list(due.filter(pk__gt=ids[-1])[:SCAN_BATCH])
    return created


@transaction.atomic
def _create(ids: list[int], now: dt.datetime) -> int:
    cases = list(Case.objects.filter(pk__in=ids).select_related("consulate").order_by("pk"))
    title = verify_task_title()
    started = (
        timezone.now()
    )  # the tasks this call inserts are those created from now (not a concurrent run's)
    tasks = [
        Task(
            case=case,
            kind=TaskKind.VERIFY_CUSTODY,
            title=title,
            due_date=now.astimezone(zoneinfo.ZoneInfo(case.consulate.timezone)).date(),
            assignee_id=case.assigned_to_id,
        )
        for case in cases
    ]
    Task.objects.bulk_create(tasks, ignore_conflicts=True)
    mine = {
        task.case_id: task
        for task in Task.objects.filter(
            case_id__in=ids, kind=TaskKind.VERIFY_CUSTODY, done=False, created_at__gte=started
        )
    }
    by_id = {case.pk: case for case in cases}
    with events.collected():
        for task in mine.values():
            events.task_added(by_id[task.case_id], None, task=task)
    for task in mine.values():
        schedule.task_reminders_sync(task)
    return len(mine)


def verify_tasks_complete(case: Case, actor) -> int:
    """Inside a custody write (the case locked): the case's open "verify custody" task is done."""
    tasks = list(Task.objects.select_for_update().filter(case=case, kind=TaskKind.VERIFY_CUSTODY, done=False))
    now = timezone.now()
    for task in tasks:
        task.done, task.completed_at, task.completed_by = True, now, actor
        task.save(update_fields=["done", "completed_at", "completed_by"])
        events.task_completed(case, actor, task=task)
        schedule.task_reminders_sync(task)
    return len(tasks)


def verify_tasks_complete_many(cases: list[Case], actor) -> int:
    """``verify_tasks_complete`` for many locked cases at once (the detainee list's path): one read, one
    update, their pending reminders cancelled in one statement."""
    by_id = {case.pk: case for case in cases}
    tasks = list(
        Task.objects.select_for_update()
        .filter(case_id__in=list(by_id), kind=TaskKind.VERIFY_CUSTODY, done=False)
        .order_by("pk")
    )
    if not tasks:
        return 0
    now = timezone.now()
    for task in tasks:
        task.done, task.completed_at, task.completed_by = True, now, actor
        events.task_completed(by_id[task.case_id], actor, task=task)
    Task.objects.bulk_update(tasks, ["done", "completed_at", "completed_by"])
    Reminder.objects.filter(
        subject_type="task", subject_id__in=[task.pk for task in tasks], status=ReminderStatus.PENDING
    ).update(status=ReminderStatus.CANCELLED, lease_until=None, updated_at=now)
    return len(tasks)
