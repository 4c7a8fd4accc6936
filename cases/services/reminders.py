"""Staff actions on reminders."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Reminder
from cases.models.reminder import ReminderStatus
from consulates.policy import authorize


@transaction.atomic
def reminder_retry(*, actor, reminder: Reminder) -> Reminder:
    """Send a failed (or skipped) reminder again at the next dispatcher run, with a fresh attempt count."""
    # of=self: the case is a nullable join, which PostgreSQL cannot lock (and need not)
    reminder = Reminder.objects.select_for_update(of=("self",)).select_related("case").get(pk=reminder.pk)
    authorize(actor, "reminder.retry" if reminder.case_id is not None else "digest.retry", reminder)
    if reminder.status not in (ReminderStatus.FAILED, ReminderStatus.SKIPPED):
        raise ValidationError(_("Only a failed or skipped reminder can be sent again."))
    reminder.status, reminder.attempts, reminder.last_error, reminder.lease_until = (
        ReminderStatus.PENDING,
        0,
        "",
        None,
    )
    reminder.save(update_fields=["status", "attempts", "last_error", "lease_until", "updated_at"])
    return reminder
