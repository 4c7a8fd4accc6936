"""The reminder before an inquiry's deadline lapses: to the assigned officer, or (unassigned, or the
assignee cannot be written to) to the consulate's supervisors.

A beat task (``inquiries.schedule_reminders``) adds one row to the reminders' outbox per open inquiry
whose last quarter of time to answer has begun, due at that moment; the outbox's unique key (inquiry,
kind, channel, recipient, due time) makes the reminder fire once however often the scan runs. The
outbox's dispatcher sends it with the message built here when it is sent (an inquiry answered
meanwhile is skipped). The message names the inquiry's number and deadline only: no caller, no person.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import DurationField, ExpressionWrapper, F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cases.models import Reminder
from cases.models.reminder import ReminderChannel, ReminderKind
from cases.reminders.channels import Outgoing, Skip
from consulates.policy import holders
from intake.inquiries.services import reminder_lead
from intake.models import Inquiry, InquiryStatus

SUBJECT = "inquiry"
RECIPIENT = "inquiry-officer"  # resolved when sent: the assignee, else the consulate's supervisors


def schedule_reminders(now: dt.datetime | None = None) -> int:
    """Add the reminders now due (idempotent); returns how many rows were new."""
    now = now or timezone.now()
    lead = ExpressionWrapper((F("respond_by") - F("received_at")) / 4, output_field=DurationField())
    due = (
        Inquiry.objects.open()
        .filter(respond_by__gt=now)
        .annotate(remind_at=F("respond_by") - lead)
        .filter(remind_at__lte=now)
        .values_list("pk", "remind_at")
    )
    rows = [
        Reminder(
            kind=ReminderKind.INQUIRY_DUE,
            channel=ReminderChannel.EMAIL,
            subject_type=SUBJECT,
            subject_id=pk,
            recipient_key=RECIPIENT,
            due_at=remind_at,
        )
        for pk, remind_at in due
    ]
    return len(Reminder.objects.bulk_create(rows, ignore_conflicts=True))


def recipients(inquiry: Inquiry) -> list:
    assignee = inquiry.assigned_to
    if assignee is not None and assignee.is_active and assignee.email:
        return [assignee]
    return list(holders("case.alerts", inquiry.consulate_id).exclude(email=""))


def build(reminder: Reminder) -> Outgoing | Skip:
    inquiry = (
        Inquiry.objects.select_related("consulate", "assigned_to").filter(pk=reminder.subject_id).first()
    )
    if inquiry is None or inquiry.status != InquiryStatus.OPEN:
        return Skip("inquiry answered, withdrawn or gone")
    if abs(inquiry.respond_by - reminder_lead(inquiry) - reminder.due_at) > dt.timedelta(seconds=1):
        return Skip("the deadline moved; the scan adds the reminder of the new one")
    users = recipients(inquiry)
    if not users:
        return Skip("no recipient with an email address")
    with translation.override("es"):  # staff read Spanish first, as the other staff reminders
        local = inquiry.respond_by.astimezone(zoneinfo.ZoneInfo(inquiry.consulate.timezone))
        when = date_format(
            local, pgettext("date and time in a reminder (Django date format)", "l, F j, Y, g:i A")
        )
        subject = _("Inquiry %(number)s: answer the caller by %(when)s") % {
            "number": inquiry.pk,
            "when": when,
        }
        body = _(
            "Inquiry %(number)s is still open and the caller must have an answer by %(when)s. "
            "Record the searches and answer the caller: %(link)s"
        ) % {"number": inquiry.pk, "when": when, "link": reverse("inquiries:detail", args=[inquiry.pk])}
    return Outgoing(
        to=[user.email for user in users], subject=subject, body=body, reference=f"reminder-{reminder.pk}"
    )
