"""The reminder 48 hours before a removal that has no hand-off prepared (to the case's officer, or its
consulate's supervisors while the case is unassigned). Built when it is sent, so a hand-off prepared
since, a closed case or a removal moved makes it skip; registered with ``messages`` at start-up."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Reminder, RepatriationHandoff
from cases.models.case import Status
from cases.models.removal import removal_means_text, removal_when_text
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.messages import _email, _staff, _subject
from cases.reminders.schedule import removal_no_handoff_due_at


def build_removal_no_handoff(reminder: Reminder) -> Outgoing | Skip:
    case = _subject("case", reminder)
    if case is None or case.status == Status.CLOSED:
        return Skip("the case is closed")
    if RepatriationHandoff.objects.filter(case_id=case.pk).exists():
        return Skip("the hand-off was prepared")
    if removal_no_handoff_due_at(case) != reminder.due_at:
        return Skip("the removal was moved")
    with translation.override("es"):
        when = removal_when_text(
            case.expected_removal_date,
            case.expected_removal_time,
            case.reception_point,
            case.consulate.timezone,
        )
        means = removal_means_text(case.removal_mode, case.removal_carrier, case.removal_flight_number)
        subject = _("Removal in 48 hours without a hand-off: case %(reference)s") % {
            "reference": case.reference
        }
        text = _(
            "Case %(reference)s expects the removal on %(when)s to %(point)s, and no hand-off is prepared. "
            "Prepare it so the reception point knows the person's needs before they arrive."
        ) % {
            "reference": case.reference,
            "when": when,
            "point": case.reception_point or _("a reception point not yet recorded"),
        }
        if means:
            text = f"{text}\n{_('Mode: %(means)s.') % {'means': means}}"
        return _email(_staff(reminder, case), subject, text, reminder)
