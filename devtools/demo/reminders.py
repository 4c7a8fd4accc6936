"""Reminders for the demo data, computed by the same schedule functions the services use (the bulk
seed writes hearings and tasks with COPY, past the services). Plus two live examples so ``make run``
shows the dispatcher at work within minutes: a hearing whose officer reminder falls due two minutes
after seeding, and one whose reminder to the (consenting) person falls due three minutes after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from cases import services
from cases.models import Case, Hearing, Referral, Reminder, RepatriationHandoff, Task
from cases.models.case import Status
from cases.models.work import HearingKind, HearingStatus
from cases.reminders import schedule

MAX_DEMO_CASES = 20_000  # beyond this (benchmarks) the demo does not compute reminders one by one


@dataclass
class ReminderSeedResult:
    reminders: int = 0
    skipped_large: bool = False

    def summary(self) -> str:
        if self.skipped_large:
            return "not computed (more than 20,000 cases)"
        return f"{self.reminders} pending reminders"


@transaction.atomic
def reminders_seed(*, cases: QuerySet[Case]) -> ReminderSeedResult:
    if cases.count() > MAX_DEMO_CASES:
        return ReminderSeedResult(skipped_large=True)
    now = timezone.now()
    open_cases = cases.exclude(status=Status.CLOSED)
    for hearing in Hearing.objects.filter(
        case__in=open_cases,
        status=HearingStatus.SCHEDULED,
        starts_at__gt=now,
        starts_at__lt=now + dt.timedelta(days=30),
    ):
        schedule.hearing_reminders_sync(hearing)
    today = timezone.localdate()
    for task in Task.objects.filter(
        case__in=open_cases,
        done=False,
        due_date__gte=today - dt.timedelta(days=3),
        due_date__lte=today + dt.timedelta(days=14),
    ):
        schedule.task_reminders_sync(task)
    for referral in Referral.objects.filter(case__in=cases, status="pending").select_related(
        "partner", "case"
    ):
        schedule.referral_reminders_sync(referral)
    for handoff in RepatriationHandoff.objects.filter(case__in=open_cases, confirmed_at__isnull=True):
        schedule.handoff_reminder_sync(handoff)
    for case in open_cases.filter(
        consulate_notified_at__isnull=False, first_contact_at__isnull=True
    ).select_related("consulate"):
        schedule.art36_reminder_sync(case)
    _live_examples(open_cases, now)
    return ReminderSeedResult(reminders=Reminder.objects.filter(status="pending").count())


def _live_examples(cases: QuerySet[Case], now: dt.datetime) -> None:
    """Two hearings scheduled through the service, timed so their first reminders fall due right away."""
    case = (
        cases.filter(consulate__slug="dallas", assigned_to__isnull=False)
        .select_related("assigned_to")
        .first()
    )
    if case is None:
        return
    officer = case.assigned_to
    services.hearing_schedule(
        actor=officer,
        case=case,
        kind=HearingKind.MASTER,
        starts_at=now + dt.timedelta(days=2, minutes=2),
        location="Corte de Inmigración de Dallas, 1100 Commerce St",
    )
    consenting = (
        cases.filter(consulate__slug="dallas", person__contact_consent=True)
        .exclude(person__phone="")
        .exclude(pk=case.pk)
        .first()
    )
    if consenting is not None:
        services.hearing_schedule(
            actor=officer if consenting.consulate_id == case.consulate_id else consenting.opened_by,
            case=consenting,
            kind=HearingKind.INDIVIDUAL,
            starts_at=now + dt.timedelta(days=1, minutes=3),
            location="Corte de Inmigración de Dallas, 1100 Commerce St",
        )
