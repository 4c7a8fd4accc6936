"""Staff actions on reminders (and on the partners' webhook deliveries, which are outbox rows too)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases.models import Reminder
from cases.models.reminder import ReminderChannel, ReminderStatus
from consulates.policy import authorize


def _locked(reminder: Reminder) -> Reminder:
    # of=self: the case is a nullable join, which PostgreSQL cannot lock (and need not)
    return Reminder.objects.select_for_update(of=("self",)).select_related("case").get(pk=reminder.pk)


def _send_again(reminder: Reminder) -> Reminder:
    """Pending again, with a fresh attempt count: the next dispatcher run sends it (under the same
    ``reminder-<id>`` key, so a receiver that got it before sees the same message)."""
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


@transaction.atomic
def reminder_retry(*, actor, reminder: Reminder) -> Reminder:
    """Send a failed (or skipped) reminder again at the next dispatcher run, with a fresh attempt count."""
    reminder = _locked(reminder)
    authorize(actor, "reminder.retry" if reminder.case_id is not None else "digest.retry", reminder)
    return _send_again(reminder)


@transaction.atomic
def webhook_delivery_retry(*, actor, reminder: Reminder) -> Reminder:
    """An administrator sends a failed (or skipped) webhook delivery again, from the delivery log."""
    reminder = _locked(reminder)
    authorize(actor, "webhook.delivery.retry", reminder)
    if reminder.channel != ReminderChannel.WEBHOOK:
        raise ValidationError(_("This is not a webhook delivery."))
    return _send_again(reminder)
