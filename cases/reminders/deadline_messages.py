"""What a proceeding's deadline reminder says to the case's officer (or the consulate's supervisors),
built when it is sent; registered with ``messages.register`` at start-up (``CasesConfig.ready``)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import ProceedingDeadline, Reminder
from cases.models.case import Status
from cases.models.proceeding import DeadlineStatus, ProceedingStatus
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.messages import _day, _email, _staff
from cases.reminders.schedule import deadline_due_at


def build_deadline(reminder: Reminder) -> Outgoing | Skip:
    with translation.override("es"):
        return _build(reminder)


def _build(reminder: Reminder) -> Outgoing | Skip:
    deadline = (
        ProceedingDeadline.objects.select_related(
            "proceeding__court",
            "proceeding__case__consulate",
            "proceeding__case__assigned_to",
            "proceeding__case__facility__county",
        )
        .filter(pk=reminder.subject_id)
        .first()
    )
    if deadline is None or deadline.status != DeadlineStatus.OPEN:
        return Skip("the deadline was met or waived")
    proceeding = deadline.proceeding
    case = proceeding.case
    if proceeding.status == ProceedingStatus.CLOSED or case.status == Status.CLOSED:
        return Skip("the proceeding or the case is closed")
    if reminder.due_at != deadline_due_at(reminder.kind, deadline.due_on, proceeding.zone_name):
        return Skip("the deadline was moved")
    what = deadline.description or deadline.get_kind_display()
    subject = _("Deadline on %(day)s: case %(reference)s") % {
        "day": _day(deadline.due_on),
        "reference": case.reference,
    }
    text = _("%(what)s, %(proceeding)s, case %(reference)s: due on %(day)s.") % {
        "what": what,
        "proceeding": proceeding.get_kind_display(),
        "reference": case.reference,
        "day": _day(deadline.due_on),
    }
    if proceeding.court_label:
        text = f"{text}\n{proceeding.court_label}"
    return _email(_staff(reminder, case), subject, text, reminder)
