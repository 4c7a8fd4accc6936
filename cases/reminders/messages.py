"""What each reminder says, built when it is sent (so it reflects the case as it is then) in the
recipient's language: the person's preferred language; Spanish for staff and partners.

``build(reminder)`` returns the message, or ``Skip(reason)`` when the reminder no longer applies
(hearing moved or cancelled, consent withdrawn, number opted out, task done, contact recorded...).

A batch sender first calls ``preloaded(reminders)``: inside it the builders find the batch's subjects
(hearings, tasks, referrals, cases, hand-offs) and its opted-out numbers loaded with one query per kind
of subject instead of one per reminder; outside it (or for a row it did not cover) they load their own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import zoneinfo
from collections.abc import Callable

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import Case, Hearing, Referral, Reminder, RepatriationHandoff, SmsOptOut, Task
from cases.models.case import Status
from cases.models.crossoffice import ReferralStatus
from cases.models.reminder import EVENT_TYPES, ReminderChannel, ReminderKind
from cases.models.work import HearingStatus
from cases.reminders import webhook_events
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.digest import build_digest
from cases.reminders.person_messages import build_person_hearing, custody_note
from cases.reminders.schedule import hearing_due_at, recipient_tz
from consulates.policy import holders
from consulates.zones import zone_after_time


class _Batch(threading.local):
    subjects: dict | None = None  # (model, pk) -> instance or None (no such row)
    opted_out: set | None = None  # normalised numbers of the batch's SMS recipients that opted out
    checked: set | None = None  # the numbers ``opted_out`` answers for (others are looked up)


_batch = _Batch()

# What each kind's builder loads as its subject, with which related rows.
SUBJECTS = {
    "hearing": (Hearing, ("case__consulate", "case__assigned_to", "case__facility__county", "court")),
    "task": (Task, ("case__consulate", "case__assigned_to")),
    "referral": (Referral, ()),
    "case": (Case, ("consulate", "assigned_to", "reception_point")),
    "handoff": (RepatriationHandoff, ("case__consulate", "case__assigned_to", "reception_point")),
}
KIND_SUBJECTS = {
    ReminderKind.HEARING_PERSON_7D: "hearing",
    ReminderKind.HEARING_PERSON_1D: "hearing",
    ReminderKind.HEARING_OFFICER_2D: "hearing",
    ReminderKind.HEARING_PARTNER_2D: "hearing",
    ReminderKind.TASK_DUE: "task",
    ReminderKind.TASK_OVERDUE: "task",
    ReminderKind.REFERRAL_PARTNER_72H: "referral",
    ReminderKind.REFERRAL_OFFICER_7D: "referral",
    ReminderKind.ART36_NO_CONTACT: "case",
    ReminderKind.HANDOFF_UNCONFIRMED: "handoff",
    ReminderKind.CASE_INACTIVE: "case",
    ReminderKind.REMOVAL_NO_HANDOFF: "case",
}


@contextlib.contextmanager
def preloaded(reminders):
    """Load the subjects of a batch of reminders (one query per kind of subject) and the opt-outs of
    its SMS numbers (one query) for the builders run inside this block, in this thread."""
    wanted: dict[str, set[int]] = {}
    numbers = set()
    for reminder in reminders:
        subject = KIND_SUBJECTS.get(reminder.kind)
        if subject is not None:
            wanted.setdefault(subject, set()).add(reminder.subject_id)
        if reminder.channel == ReminderChannel.SMS and reminder.person_id and reminder.person.phone:
            numbers.add(normalise_phone(reminder.person.phone))
    subjects = {}
    for name, ids in wanted.items():
        model, related = SUBJECTS[name]
        found = model.objects.select_related(*related).order_by().in_bulk(ids)  # (ordering costs CPU)
        subjects.update(((model, pk), found.get(pk)) for pk in ids)
    opted_out = _opted_out_among(numbers)
    _batch.subjects, _batch.opted_out, _batch.checked = subjects, opted_out, numbers
    try:
        yield
    finally:
        _batch.subjects = _batch.opted_out = _batch.checked = None


def _subject(name: str, reminder: Reminder):
    """The reminder's subject (a ``SUBJECTS`` name), from the batch's preload or loaded now."""
    model, related = SUBJECTS[name]
    if _batch.subjects is not None and (model, reminder.subject_id) in _batch.subjects:
        return _batch.subjects[(model, reminder.subject_id)]
    return model.objects.select_related(*related).filter(pk=reminder.subject_id).first()


_LABELS: dict = {}


def _display(instance, name: str) -> str:
    """``instance.get_<name>_display()`` without its cost: Django rebuilds a hashable copy of every
    choice (translating each label) per call, which was a fifth of a message's CPU. The labels of a
    field in a language never change while the process runs, so they are looked up once."""
    key = (type(instance), name, translation.get_language())
    labels = _LABELS.get(key)
    if labels is None:
        field = type(instance)._meta.get_field(name)
        labels = _LABELS[key] = {value: str(label) for value, label in field.flatchoices}
    value = getattr(instance, name)
    return labels.get(value, str(value))


def _consulate_name(consulate) -> str:
    """What ``str(consulate)`` says ("Consulado General Dallas"), with the cached kind label."""
    return f"{_display(consulate, 'kind')} {consulate.city}"


def _opted_out_among(numbers: set[str]) -> set[str]:
    """Which of ``numbers`` opted out, in one query through the opt-outs' blind index."""
    if not numbers:
        return set()
    index_of = SmsOptOut._meta.get_field("phone_bidx").index_of
    by_index = {index_of(number): number for number in numbers}
    found = SmsOptOut.objects.filter(phone_bidx__in=list(by_index)).values_list("phone_bidx", flat=True)
    return {by_index[index] for index in found}


def _opted_out(number: str) -> bool:
    # A number the batch did not preload (an emergency contact's, told while the person is detained) is
    # looked up on its own.
    if _batch.opted_out is not None and _batch.subjects is not None and number in (_batch.checked or ()):
        return number in _batch.opted_out
    return SmsOptOut.objects.for_phone(number).exists()


def normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit())
    return (
        ("+" + digits)
        if phone.strip().startswith("+")
        else ("+1" + digits if len(digits) == 10 else "+" + digits)
    )


def _local(moment: dt.datetime, case: Case, *, zone: str | None = None, reader: str | None = None) -> str:
    """The moment on the clock of ``zone`` (default the consulate's), written out in the message's
    language ("martes 12 de mayo de 2026 a las 09:30", "Tuesday, May 12, 2026, 9:30 AM"): no date a
    reader could take for another. The zone is named after it when the ``reader``'s clock differs."""
    zone = zone or case.consulate.timezone
    local = moment.astimezone(zoneinfo.ZoneInfo(zone))
    text = date_format(
        local, pgettext("date and time in a reminder (Django date format)", "l, F j, Y, g:i A")
    )
    if reader and local.utcoffset() != moment.astimezone(zoneinfo.ZoneInfo(reader)).utcoffset():
        text = f"{text} ({zone_after_time(zone) or local.tzname()})"
    return text


def _day(day: dt.date) -> str:
    return date_format(day, pgettext("date in a reminder (Django date format)", "l, F j, Y"))


def _case_officers(case: Case) -> list:
    """The assigned officer, or (unassigned) the consulate's supervisors."""
    if case.assigned_to_id and case.assigned_to.is_active and case.assigned_to.email:
        return [case.assigned_to]
    return _supervisors(case)


def _supervisors(case: Case) -> list:
    return list(holders("case.alerts", case.consulate_id).exclude(email=""))


def _staff(reminder: Reminder, case: Case | None) -> list:
    if reminder.recipient_key == "case-officer":
        return _case_officers(case)
    if reminder.recipient_key == "supervisors":
        return _supervisors(case)
    user = reminder.user
    return [user] if user and user.is_active and user.email else []


def _email(users, subject: str, body: str, reminder: Reminder) -> Outgoing | Skip:
    if not users:
        return Skip("no recipient with an email address")
    return Outgoing(
        to=[u.email for u in users], subject=subject, body=body, reference=f"reminder-{reminder.pk}"
    )


def _textable(phone: str) -> str | None:
    """The number normalised, or None when it opted out of texts."""
    number = normalise_phone(phone)
    return None if _opted_out(number) else number


def _to_partner(reminder: Reminder, subject: str, text: str, event: dict) -> Outgoing | Skip:
    partner = reminder.partner
    if partner is None or not partner.active:
        return Skip("the partner is not active")
    reference = f"reminder-{reminder.pk}"
    if reminder.channel == ReminderChannel.WEBHOOK:
        if not partner.webhook_url:
            return Skip("the partner has no webhook")
        payload = {"event": reminder.kind, "reminder": reminder.pk, **event}
        return Outgoing(
            to=[partner.webhook_url],
            subject=subject,
            body=text,
            reference=reference,
            payload=payload,
            secret=partner.webhook_secret,
        )
    if not partner.contact_email:
        return Skip("the partner has no contact email")
    return Outgoing(to=[partner.contact_email], subject=subject, body=text, reference=reference)


def _reuse(subject, reminder: Reminder, *names: str) -> None:
    """Give ``subject`` the related objects the reminder was loaded with (its case with the consulate,
    its partner) when they are the same rows, instead of loading them again; others load when used."""
    for name in names:
        field = type(subject)._meta.get_field(name)
        if getattr(subject, field.attname) == getattr(reminder, field.attname) and field.is_cached(reminder):
            field.set_cached_value(subject, field.get_cached_value(reminder))


def _hearing(reminder: Reminder):
    hearing = _subject("hearing", reminder)
    if hearing is None or hearing.status != HearingStatus.SCHEDULED or hearing.starts_at <= timezone.now():
        return None, Skip("the hearing is no longer scheduled")
    if hearing.case.status == Status.CLOSED:
        return None, Skip("the case is closed")
    tz = zoneinfo.ZoneInfo(hearing.zone_name)
    person_tz = recipient_tz(reminder) if reminder.person_id else None
    if reminder.due_at != hearing_due_at(reminder.kind, hearing.starts_at, tz, person_tz):
        # a row left behind by a change that did not go through the services
        return None, Skip("the hearing was moved")
    return hearing, None


def _build_hearing(reminder: Reminder) -> Outgoing | Skip:
    hearing, skip = _hearing(reminder)
    if skip:
        return skip
    case = hearing.case
    # On the court's clock; its zone named when the reader's clock differs (the person's, else the
    # consulate's): "martes 12 de mayo de 2026, 10:00 AM (hora del Centro)".
    reader = recipient_tz(reminder).key if reminder.person_id else case.consulate.timezone

    def on_the_courts_clock(moment, case):
        return _local(moment, case, zone=hearing.zone_name, reader=reader)

    kind = reminder.kind
    if kind in (ReminderKind.HEARING_PERSON_7D, ReminderKind.HEARING_PERSON_1D):
        return build_person_hearing(reminder, hearing, on_the_courts_clock, _textable)
    when, where = on_the_courts_clock(hearing.starts_at, case), hearing.location
    subject = _("Hearing in 2 days: %(reference)s") % {"reference": case.reference}
    text = _("%(kind)s on %(when)s at %(where)s, case %(reference)s.") % {
        "kind": _display(hearing, "kind"),
        "when": when,
        "where": where,
        "reference": case.reference,
    }
    if kind == ReminderKind.HEARING_PARTNER_2D:
        if not Referral.objects.active().filter(case=case, partner_id=reminder.partner_id).exists():
            return Skip("the partner's referral ended")
        event = {
            "case_reference": case.reference,
            "hearing": {"starts_at": hearing.starts_at.isoformat(), "location": where},
        }
        return _to_partner(reminder, subject, text, event)
    if case.in_custody:
        text = f"{text}\n\n{custody_note(case)}"
    return _email(_staff(reminder, case), subject, text, reminder)


def _build_task(reminder: Reminder) -> Outgoing | Skip:
    task = _subject("task", reminder)
    if task is None or task.done:
        return Skip("the task is done")
    case = task.case
    if case.status == Status.CLOSED:
        return Skip("the case is closed")
    if reminder.kind == ReminderKind.TASK_DUE:
        if task.assignee_id != reminder.user_id:
            return Skip("the task was reassigned")
        subject = _("Task due today: %(title)s") % {"title": task.title}
    else:
        subject = _("Task 2 days overdue: %(title)s") % {"title": task.title}
    text = _('Task "%(title)s" of case %(reference)s was due on %(due)s.') % {
        "title": task.title,
        "reference": case.reference,
        "due": _day(task.due_date),
    }
    return _email(_staff(reminder, case), subject, text, reminder)


def _build_referral(reminder: Reminder) -> Outgoing | Skip:
    referral = _subject("referral", reminder)
    if referral is not None:
        _reuse(referral, reminder, "case", "partner")
    if referral is None or referral.status != ReferralStatus.PENDING:
        return Skip("the referral was answered or ended")
    case = referral.case
    service = _display(referral, "service")
    if reminder.kind == ReminderKind.REFERRAL_PARTNER_72H:
        subject = _("Referral awaiting your answer: %(reference)s") % {"reference": case.reference}
        text = _(
            "The %(consulate)s referred case %(reference)s to you for %(service)s on %(date)s and awaits "
            "your answer."
        ) % {
            "consulate": _consulate_name(case.consulate),
            "reference": case.reference,
            "service": service,
            "date": _local(referral.referred_at, case),
        }
        return _to_partner(
            reminder, subject, text, {"case_reference": case.reference, "referral": referral.pk}
        )
    subject = _("Referral unanswered for 7 days: %(reference)s") % {"reference": case.reference}
    text = _(
        "%(partner)s has not answered the referral of case %(reference)s (%(service)s) sent on %(date)s."
    ) % {
        "partner": referral.partner,
        "reference": case.reference,
        "service": service,
        "date": _local(referral.referred_at, case),
    }
    return _email(_staff(reminder, case), subject, text, reminder)


def _build_art36(reminder: Reminder) -> Outgoing | Skip:
    case = _subject("case", reminder)
    if case is None or not case.art36_contact_overdue:
        return Skip("consular contact recorded, no longer in custody, declined or opposed")
    subject = _("Internal 48-hour target: no consular contact yet, case %(reference)s") % {
        "reference": case.reference
    }
    text = _(
        "The consulate was notified on %(notified)s and there is no consular contact recorded for case "
        "%(reference)s. The network's internal target is to contact the person within 48 hours of "
        "notification (a target of the network, not a deadline set by the treaty). Contact the person now."
    ) % {"notified": _local(case.consulate_notified_at, case), "reference": case.reference}
    return _email(_staff(reminder, case), subject, text, reminder)


def _build_handoff(reminder: Reminder) -> Outgoing | Skip:
    handoff = _subject("handoff", reminder)
    if handoff is None or handoff.confirmed_at is not None:
        return Skip("reception confirmed")
    case = handoff.case
    subject = _("Reception not confirmed: case %(reference)s") % {"reference": case.reference}
    text = _(
        "The removal date of case %(reference)s was %(date)s and %(point)s has not confirmed the "
        "reception. Ask the reception point whether the person arrived."
    ) % {
        "reference": case.reference,
        "date": _day(handoff.removal_date),
        "point": handoff.reception_point,
    }
    return _email(_staff(reminder, case), subject, text, reminder)


def _build_inactive(reminder: Reminder) -> Outgoing | Skip:
    case = _subject("case", reminder)
    if case is None or case.status == Status.CLOSED:
        return Skip("the case is closed")
    if case.last_activity_at + dt.timedelta(days=14) != reminder.due_at:
        return Skip("the case had activity")
    subject = _("No activity for 14 days: case %(reference)s") % {"reference": case.reference}
    text = _("Case %(reference)s has had no activity since %(date)s.") % {
        "reference": case.reference,
        "date": _local(case.last_activity_at, case),
    }
    return _email(_staff(reminder, case), subject, text, reminder)


BUILDERS = {
    ReminderKind.HEARING_PERSON_7D: _build_hearing,
    ReminderKind.HEARING_PERSON_1D: _build_hearing,
    ReminderKind.HEARING_OFFICER_2D: _build_hearing,
    ReminderKind.HEARING_PARTNER_2D: _build_hearing,
    ReminderKind.TASK_DUE: _build_task,
    ReminderKind.TASK_OVERDUE: _build_task,
    ReminderKind.REFERRAL_PARTNER_72H: _build_referral,
    ReminderKind.REFERRAL_OFFICER_7D: _build_referral,
    ReminderKind.ART36_NO_CONTACT: _build_art36,
    ReminderKind.HANDOFF_UNCONFIRMED: _build_handoff,
    ReminderKind.CASE_INACTIVE: _build_inactive,
    ReminderKind.DIGEST: build_digest,
}
# Builders written by other parts of ``cases`` (the weekly report, in ``cases.reports``), registered at
# start-up (``CasesConfig.ready``): the reminders send them without importing their package.
REGISTERED: dict[str, Callable[[Reminder], Outgoing | Skip]] = {}


def register(kind: str, builder: Callable[[Reminder], Outgoing | Skip]) -> None:
    REGISTERED[kind] = builder


def build(reminder: Reminder) -> Outgoing | Skip:
    if reminder.kind == ReminderKind.DIGEST:
        return build_digest(reminder)
    if reminder.kind in EVENT_TYPES:  # a partner's event webhook: JSON, no language
        return webhook_events.build(reminder)
    if reminder.kind in REGISTERED:
        return REGISTERED[reminder.kind](reminder)
    language = "es"
    if reminder.person_id and reminder.kind in (
        ReminderKind.HEARING_PERSON_7D,
        ReminderKind.HEARING_PERSON_1D,
    ):
        language = reminder.person.preferred_language or "es"
    with translation.override(language):
        return BUILDERS[reminder.kind](reminder)
