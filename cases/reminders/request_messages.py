"""What a formal request's reminder says to its owner, built when it is sent (decision 0026); registered
with ``messages.register`` at start-up (``CasesConfig.ready``). Staff messages are in Spanish, as the
deadline reminders are; the text names the authority and the request, never the person."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import FormalRequest, Reminder
from cases.models.formal_request import RequestStatus
from cases.reminders.channels import Outgoing, Skip
from cases.reminders.messages import _day, _email, _staff
from cases.reminders.schedule import REQUEST_DAYS_BEFORE, request_due_at


def build_request_due(reminder: Reminder) -> Outgoing | Skip:
    with translation.override("es"):
        return _build(reminder)


def _build(reminder: Reminder) -> Outgoing | Skip:
    request = (
        FormalRequest.objects.select_related(
            "facility__county__consulate", "case__facility__county__consulate", "consulate", "owner"
        )
        .filter(pk=reminder.subject_id)
        .first()
    )
    if request is None or request.status != RequestStatus.SENT or request.due_on is None:
        return Skip("the request was answered, withdrawn or has no due day")
    if request.owner_id != reminder.user_id:
        return Skip("the request changed owner")
    zone = request.zone_name
    if reminder.due_at not in {request_due_at(days, request.due_on, zone) for days in REQUEST_DAYS_BEFORE}:
        return Skip("the due day was moved")
    subject = _("Answer due on %(day)s: %(request)s") % {"day": _day(request.due_on), "request": request}
    about = request.case.reference if request.case_id else request.facility.name
    text = _(
        "The answer of %(authority)s to the request “%(kind)s” (%(about)s), sent on %(sent)s, is due on %(day)s."
    ) % {
        "authority": request.authority_name,
        "kind": request.get_kind_display(),
        "about": about,
        "sent": _day(request.sent_on),
        "day": _day(request.due_on),
    }
    return _email(_staff(reminder, request.case), subject, text, reminder)
