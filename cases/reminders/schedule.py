"""When reminders are due, computed in the zone of the place they are about: a hearing's reminders count
days on its court's clock (``cases.zones``), a message to a person waits out the night where the person
is (their county's zone, else their place of custody's, else the consulate's); staff reminders about a
case use the consulate's clock. Called by the services inside their
transaction: each ``*_sync`` function makes the pending reminders of one subject match what the subject
needs now (new rows created, rows no longer wanted cancelled), so rescheduling moves reminders and
cancelling removes them, atomically with the change."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from cases.models import (
    Case,
    FormalRequest,
    Hearing,
    Person,
    ProceedingDeadline,
    Referral,
    Reminder,
    RepatriationHandoff,
    Task,
)
from cases.models.case import ART36_CONTACT_HOURS, Status
from cases.models.crossoffice import ACTIVE_REFERRAL, REFERRAL_ANSWER_HOURS, ReferralStatus
from cases.models.formal_request import RequestStatus
from cases.models.incident import CriticalIncident, IncidentKind
from cases.models.proceeding import DeadlineStatus, ProceedingStatus
from cases.models.reminder import ReminderChannel, ReminderKind, ReminderStatus
from cases.models.removal import removal_moment, removal_zone_name
from cases.models.work import HearingStatus
from cases.reminders.recipients import hearing_recipients, person_channel
from cases.zones import hearing_zone_name, person_zone_name

QUIET_START = dt.time(21, 0)
QUIET_END = dt.time(8, 0)
STAFF_MORNING = dt.time(8, 0)
REFERRAL_OFFICER_DAYS = 7
TASK_OVERDUE_DAYS = 2


@dataclass(frozen=True)
class Wanted:
    kind: str
    channel: str
    recipient_key: str
    due_at: dt.datetime
    person_id: int | None = None
    user_id: int | None = None
    partner_id: int | None = None


def consulate_tz(case: Case) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(case.consulate.timezone)


def recipient_tz(reminder) -> zoneinfo.ZoneInfo:
    """The zone of a reminder's person (its quiet hours): as the send query found it
    (``sendsql.lock_pending``), else looked up."""
    zone = getattr(reminder, "recipient_zone", None)
    if not zone:
        person = Person.objects.select_related("us_county__consulate").get(pk=reminder.person_id)
        case = Case.objects.select_related("consulate", "facility__county__consulate").get(
            pk=reminder.case_id
        )
        zone = person_zone_name(person, case)
    return zoneinfo.ZoneInfo(zone)


def respect_quiet_hours(moment: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Messages to persons are not sent between 21:00 and 08:00 local time; they wait until 08:00."""
    local = moment.astimezone(tz)
    if local.time() >= QUIET_START:
        local = dt.datetime.combine(local.date() + dt.timedelta(days=1), QUIET_END, tzinfo=tz)
    elif local.time() < QUIET_END:
        local = dt.datetime.combine(local.date(), QUIET_END, tzinfo=tz)
    return local.astimezone(dt.UTC)


def local_before(moment: dt.datetime, tz: zoneinfo.ZoneInfo, delta: dt.timedelta) -> dt.datetime:
    """``delta`` earlier on the consulate's wall clock: 7 days before a 09:30 hearing is 09:30, even when
    daylight saving time starts or ends in between (plain UTC arithmetic would say 08:30 or 10:30)."""
    return (moment.astimezone(tz) - delta).astimezone(dt.UTC)


def local_morning(day: dt.date, tz: zoneinfo.ZoneInfo, at: dt.time = STAFF_MORNING) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def partner_channel(partner) -> str | None:
    if getattr(partner, "webhook_url", ""):
        return ReminderChannel.WEBHOOK
    if partner.contact_email:
        return ReminderChannel.EMAIL
    return None


CATCH_UP = dt.timedelta(days=7)


def _still_useful(wanted: list[Wanted], now: dt.datetime) -> list[Wanted]:
    """A reminder whose time has already passed is still sent (at once) when it was missed by at most a
    week, because the thing it is about still stands: a hearing rescheduled to three days from now
    still deserves its reminder, a notification recorded late still needs contact. Of several missed
    reminders to the same recipient about the same subject, only the latest is kept."""
    kept = []
    for w in wanted:
        if w.due_at > now:
            kept.append(w)
            continue
        if now - w.due_at > CATCH_UP:
            continue
        later_missed = any(
            o is not w and o.recipient_key == w.recipient_key and w.due_at < o.due_at <= now for o in wanted
        )
        if not later_missed:
            kept.append(w)
    return kept


def sync(subject_type: str, subject_id: int, wanted: list[Wanted], *, case: Case | None, now=None) -> None:
    """Make the subject's pending reminders exactly ``wanted`` (see ``_still_useful`` for late ones)."""
    now = now or timezone.now()
    wanted = _still_useful(wanted, now)
    keys = {(w.kind, w.channel, w.recipient_key, w.due_at) for w in wanted}
    pending = Reminder.objects.select_for_update().filter(
        subject_type=subject_type, subject_id=subject_id, status=ReminderStatus.PENDING
    )
    for reminder in pending:
        if (reminder.kind, reminder.channel, reminder.recipient_key, reminder.due_at) not in keys:
            reminder.status = ReminderStatus.CANCELLED
            reminder.lease_until = None
            reminder.save(update_fields=["status", "lease_until", "updated_at"])
    for w in wanted:
        reminder, created = Reminder.objects.get_or_create(
            subject_type=subject_type,
            subject_id=subject_id,
            kind=w.kind,
            channel=w.channel,
            recipient_key=w.recipient_key,
            due_at=w.due_at,
            defaults={
                "case": case,
                "person_id": w.person_id,
                "user_id": w.user_id,
                "partner_id": w.partner_id,
            },
        )
        if not created and reminder.status == ReminderStatus.CANCELLED:
            # rescheduled back to a time it had before: the same reminder is wanted again
            reminder.status = ReminderStatus.PENDING
            reminder.attempts, reminder.last_error, reminder.lease_until = 0, "", None
            reminder.save(update_fields=["status", "attempts", "last_error", "lease_until", "updated_at"])


# Subjects


HEARING_DAYS_BEFORE = {
    ReminderKind.HEARING_PERSON_7D: 7,
    ReminderKind.HEARING_PERSON_1D: 1,
    ReminderKind.HEARING_OFFICER_2D: 2,
    ReminderKind.HEARING_PARTNER_2D: 2,
}


def hearing_due_at(
    kind: str, starts_at: dt.datetime, tz: zoneinfo.ZoneInfo, person_tz: zoneinfo.ZoneInfo | None = None
) -> dt.datetime:
    """When a hearing reminder of ``kind`` is due for a hearing at ``starts_at``: days counted on the
    hearing's clock (``tz``), then the quiet hours of the person's (``person_tz``, default ``tz``). The
    send task compares it with the row's due time to notice a hearing that moved."""
    due = local_before(starts_at, tz, dt.timedelta(days=HEARING_DAYS_BEFORE[kind]))
    if kind in (ReminderKind.HEARING_PERSON_7D, ReminderKind.HEARING_PERSON_1D):
        due = respect_quiet_hours(due, person_tz or tz)
    return due


def hearing_reminders_sync(hearing: Hearing) -> None:
    """The person 7 days and 1 day before (quiet hours respected), the case's officer 2 days before, and
    each partner with an active referral on the case 2 days before.

    The person's reminders exist when someone may receive them now (cases/reminders/recipients.py): the
    person at liberty, or while detained a consented emergency contact or the attorney of record; the
    row's channel is theirs. While detained with nobody to tell, the rows are kept when the person could
    be reached at liberty, so a release before they are due sends them (to the person); if the person is
    still detained then, they are skipped and the officer sees that nobody could be told. Days count on
    the hearing's clock (its court's zone), quiet hours on the person's. Once a death in custody is
    recorded on the case, nobody is reminded of the person's hearing (a family must never get one); the
    officer and partners still are, to tell the court."""
    case = Case.objects.select_related(
        "consulate", "person__us_county__consulate", "facility__county__consulate"
    ).get(pk=hearing.case_id)
    wanted: list[Wanted] = []
    if hearing.status == HearingStatus.SCHEDULED and case.status != Status.CLOSED:
        tz = zoneinfo.ZoneInfo(hearing_zone_name(hearing, case=case))
        recipients = hearing_recipients(case)
        channel = recipients[0].channel if recipients else person_channel(case.person)
        died = CriticalIncident.objects.filter(case=case, kind=IncidentKind.DEATH).exists()
        if channel and not died:
            person_tz = zoneinfo.ZoneInfo(person_zone_name(case.person, case))
            for kind in (ReminderKind.HEARING_PERSON_7D, ReminderKind.HEARING_PERSON_1D):
                due = hearing_due_at(kind, hearing.starts_at, tz, person_tz)
                wanted.append(
                    Wanted(kind, channel, f"person:{case.person_id}", due, person_id=case.person_id)
                )
        two_days = hearing_due_at(ReminderKind.HEARING_OFFICER_2D, hearing.starts_at, tz)
        wanted.append(
            Wanted(ReminderKind.HEARING_OFFICER_2D, ReminderChannel.EMAIL, "case-officer", two_days)
        )
        referrals = Referral.objects.filter(case=case, status__in=ACTIVE_REFERRAL).select_related("partner")
        for referral in referrals:
            channel = partner_channel(referral.partner)
            if channel:
                wanted.append(
                    Wanted(
                        ReminderKind.HEARING_PARTNER_2D,
                        channel,
                        f"partner:{referral.partner_id}",
                        two_days,
                        partner_id=referral.partner_id,
                    )
                )
    sync("hearing", hearing.pk, wanted, case=case)


def case_hearings_resync(case: Case) -> None:
    """After a referral starts or ends, the partner's hearing reminders follow."""
    for hearing in Hearing.objects.filter(
        case=case, status=HearingStatus.SCHEDULED, starts_at__gt=timezone.now()
    ):
        hearing_reminders_sync(hearing)


def case_reminders_resync(case: Case) -> None:
    """Recompute every reminder of the case's own subjects: after reopening, and after the case moves
    to another consulate (whose timezone sets the local times and quiet hours)."""
    for hearing in Hearing.objects.filter(
        case=case, status=HearingStatus.SCHEDULED, starts_at__gt=timezone.now()
    ).order_by("pk"):
        hearing_reminders_sync(hearing)
    for task in Task.objects.filter(case=case, done=False).order_by("pk"):
        task_reminders_sync(task)
    art36_reminder_sync(case)
    deadlines = ProceedingDeadline.objects.filter(proceeding__case=case, status=DeadlineStatus.OPEN)
    for deadline in deadlines.order_by("pk"):
        deadline_reminders_sync(deadline)
    removal_reminder_sync(case)
    handoff = RepatriationHandoff.objects.filter(case=case).select_related("case__consulate").first()
    if handoff is not None:
        handoff_reminder_sync(handoff)


def task_reminders_sync(task: Task) -> None:
    """The assignee on the due date (08:00 consulate time); the consulate's supervisors 2 days after."""
    case = Case.objects.select_related("consulate").get(pk=task.case_id)
    wanted: list[Wanted] = []
    if not task.done and task.due_date and case.status != Status.CLOSED:
        tz = consulate_tz(case)
        if task.assignee_id:
            wanted.append(
                Wanted(
                    ReminderKind.TASK_DUE,
                    ReminderChannel.EMAIL,
                    f"user:{task.assignee_id}",
                    local_morning(task.due_date, tz),
                    user_id=task.assignee_id,
                )
            )
        overdue_day = task.due_date + dt.timedelta(days=TASK_OVERDUE_DAYS)
        wanted.append(
            Wanted(
                ReminderKind.TASK_OVERDUE,
                ReminderChannel.EMAIL,
                "supervisors",
                local_morning(overdue_day, tz),
            )
        )
    sync("task", task.pk, wanted, case=case)


def referral_reminders_sync(referral: Referral) -> None:
    """While unanswered: the partner's contact at 72 hours, the referring officer at 7 days."""
    wanted: list[Wanted] = []
    if referral.status == ReferralStatus.PENDING:
        channel = partner_channel(referral.partner)
        if channel:
            wanted.append(
                Wanted(
                    ReminderKind.REFERRAL_PARTNER_72H,
                    channel,
                    f"partner:{referral.partner_id}",
                    referral.referred_at + dt.timedelta(hours=REFERRAL_ANSWER_HOURS),
                    partner_id=referral.partner_id,
                )
            )
        wanted.append(
            Wanted(
                ReminderKind.REFERRAL_OFFICER_7D,
                ReminderChannel.EMAIL,
                f"user:{referral.referred_by_id}",
                referral.referred_at + dt.timedelta(days=REFERRAL_OFFICER_DAYS),
                user_id=referral.referred_by_id,
            )
        )
    sync("referral", referral.pk, wanted, case=referral.case)


def art36_reminder_sync(case: Case) -> None:
    """The officer, when a person in custody has no consular contact 48 hours after notification (the
    network's internal target). Never for a national who declined notification or opposes consular action."""
    wanted: list[Wanted] = []
    if (
        case.status != Status.CLOSED
        and case.art36_contact_expected
        and case.in_custody
        and case.consulate_notified_at is not None
        and case.first_contact_at is None
    ):
        due = case.consulate_notified_at + dt.timedelta(hours=ART36_CONTACT_HOURS)
        wanted.append(Wanted(ReminderKind.ART36_NO_CONTACT, ReminderChannel.EMAIL, "case-officer", due))
    sync("case-art36", case.pk, wanted, case=case)


def handoff_reminder_sync(handoff: RepatriationHandoff) -> None:
    """The officer, when the reception point has not confirmed 48 hours after the removal date."""
    wanted: list[Wanted] = []
    if handoff.confirmed_at is None:
        wanted.append(
            Wanted(
                ReminderKind.HANDOFF_UNCONFIRMED,
                ReminderChannel.EMAIL,
                "case-officer",
                handoff.confirmation_due_at(),
            )
        )
    sync("handoff", handoff.pk, wanted, case=handoff.case)


DEADLINE_DAYS_BEFORE = {ReminderKind.DEADLINE_7D: 7, ReminderKind.DEADLINE_2D: 2}


def deadline_due_at(kind: str, due_on: dt.date, zone: str) -> dt.datetime:
    """08:00 on the court's clock, 7 or 2 days before the deadline's day (a day at the court)."""
    return local_morning(due_on - dt.timedelta(days=DEADLINE_DAYS_BEFORE[kind]), zoneinfo.ZoneInfo(zone))


def deadline_reminders_sync(deadline: ProceedingDeadline) -> None:
    """The case's assignee (or, unassigned, the consulate's supervisors: ``case-officer``) 7 and 2 days
    before an open deadline, at 08:00 on the clock of the proceeding's court (else where the person is
    held, else the consulate's). None once it is met or waived, the proceeding closed or the case closed."""
    deadline = ProceedingDeadline.objects.select_related(
        "proceeding__court", "proceeding__case__consulate", "proceeding__case__facility__county__consulate"
    ).get(pk=deadline.pk)
    proceeding = deadline.proceeding
    case = proceeding.case
    wanted: list[Wanted] = []
    if (
        deadline.status == DeadlineStatus.OPEN
        and proceeding.status != ProceedingStatus.CLOSED
        and case.status != Status.CLOSED
    ):
        zone = proceeding.zone_name
        for kind in DEADLINE_DAYS_BEFORE:
            due = deadline_due_at(kind, deadline.due_on, zone)
            wanted.append(Wanted(kind, ReminderChannel.EMAIL, "case-officer", due))
    sync("deadline", deadline.pk, wanted, case=case)


REMOVAL_NO_HANDOFF_HOURS = 48


def removal_no_handoff_due_at(case: Case) -> dt.datetime | None:
    """48 hours before the case's expected removal (its date and time on the reception point's clock;
    the start of the day there when the time is not known), or None without a removal date."""
    if case.expected_removal_date is None:
        return None
    zone = removal_zone_name(case.reception_point, case.consulate.timezone)
    moment = removal_moment(case.expected_removal_date, case.expected_removal_time, zone)
    return (moment - dt.timedelta(hours=REMOVAL_NO_HANDOFF_HOURS)).astimezone(dt.UTC)


def removal_reminder_sync(case: Case) -> None:
    """The case's officer (its consulate's supervisors while unassigned), 48 hours before a removal for
    which no hand-off is prepared. A new date, time or reception point moves it; preparing the hand-off
    or closing the case cancels it."""
    wanted: list[Wanted] = []
    due = removal_no_handoff_due_at(case)
    if (
        due is not None
        and case.status != Status.CLOSED
        and not RepatriationHandoff.objects.filter(case_id=case.pk).exists()
    ):
        wanted.append(Wanted(ReminderKind.REMOVAL_NO_HANDOFF, ReminderChannel.EMAIL, "case-officer", due))
    sync("case-removal", case.pk, wanted, case=case)


# Formal requests (decision 0026): their owner, 3 days and 1 day before the answer is due, at 08:00 on the
# clock of the place the request is about (the facility's, where the person is held, else the consulate's).
REQUEST_DAYS_BEFORE = (3, 1)


def request_due_at(days_before: int, due_on: dt.date, zone: str) -> dt.datetime:
    return local_morning(due_on - dt.timedelta(days=days_before), zoneinfo.ZoneInfo(zone))


def request_reminders_sync(request: FormalRequest) -> None:
    """The owner of a sent request, before its answer is due; none for a draft, once it is answered or
    withdrawn, or without a due day."""
    request = FormalRequest.objects.select_related(
        "facility__county__consulate", "case__facility__county__consulate", "consulate"
    ).get(pk=request.pk)
    wanted: list[Wanted] = []
    if request.status == RequestStatus.SENT and request.due_on is not None:
        for days in REQUEST_DAYS_BEFORE:
            due = request_due_at(days, request.due_on, request.zone_name)
            wanted.append(
                Wanted(
                    ReminderKind.REQUEST_DUE,
                    ReminderChannel.EMAIL,
                    f"user:{request.owner_id}",
                    due,
                    user_id=request.owner_id,
                )
            )
    sync("formal_request", request.pk, wanted, case=request.case)
