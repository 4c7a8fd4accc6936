"""The outbox: one row per reminder to send, unique per subject, kind, channel, recipient and due time.

Rows are written by the services in the same transaction as the change they are about (or by the
daily scans for inactivity and digests). Beat's dispatcher claims due rows and queues one send task
per batch of ids (``REMINDER_SEND_BATCH``); the send task re-checks each row under lock, sends it, and
marks it (cases/reminders/dispatch.py). The row, not the broker,
is the truth: with the broker down the rows simply wait.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet
from encryption.fields import (
    BlindIndexedModel,
    BlindIndexedQuerySet,
    BlindIndexField,
    EncryptedCharField,
)


class ReminderKind(models.TextChoices):
    HEARING_PERSON_7D = "hearing_person_7d", _("Hearing in 7 days (to the person)")
    HEARING_PERSON_1D = "hearing_person_1d", _("Hearing tomorrow (to the person)")
    HEARING_OFFICER_2D = "hearing_officer_2d", _("Hearing in 2 days (to the officer)")
    HEARING_PARTNER_2D = "hearing_partner_2d", _("Hearing in 2 days (to the partner)")
    TASK_DUE = "task_due", _("Task due today")
    TASK_OVERDUE = "task_overdue", _("Task 2 days overdue (to the supervisor)")
    REFERRAL_PARTNER_72H = "referral_partner_72h", _("Referral unanswered for 72 hours (to the partner)")
    REFERRAL_OFFICER_7D = "referral_officer_7d", _("Referral unanswered for 7 days (to the officer)")
    ART36_NO_CONTACT = (
        "art36_no_contact",
        _("Internal target: no consular contact 48 hours after notification"),
    )
    HANDOFF_UNCONFIRMED = "handoff_unconfirmed", _("Hand-off unconfirmed 48 hours after removal")
    DEADLINE_7D = "deadline_7d", _("Deadline of a proceeding in 7 days")
    DEADLINE_2D = "deadline_2d", _("Deadline of a proceeding in 2 days")
    REMOVAL_NO_HANDOFF = "removal_no_handoff", _("Removal in 48 hours without a hand-off")
    REQUEST_DUE = "request_due", _("Formal request's answer due soon (to its owner)")
    INCIDENT_RECORDED = "incident_recorded", _("Critical incident recorded (to supervisors and managers)")
    CASE_INACTIVE = "case_inactive", _("No activity for 14 days")
    DIGEST = "digest", _("Daily digest")
    WEEKLY_REPORT = "weekly_report", _("Weekly caseload report")
    # Built by intake.inquiries.reminders (registered from the intake app, like the weekly report).
    INQUIRY_DUE = "inquiry_due", _("Inquiry's answer due soon (to the officer)")
    # Event webhooks to partners (cases/reminders/webhook_events.py): one row per event and endpoint.
    EVENT_REFERRAL_CREATED = "event_referral_created", _("Event: referral created (to the partner)")
    EVENT_REFERRAL_WITHDRAWN = "event_referral_withdrawn", _("Event: referral withdrawn (to the partner)")
    EVENT_CONSENT_WITHDRAWN = "event_consent_withdrawn", _("Event: consent withdrawn (to the partner)")
    EVENT_CASE_TRANSFERRED = "event_case_transferred", _("Event: case transferred (to the partner)")
    EVENT_HEARING_SCHEDULED = "event_hearing_scheduled", _("Event: hearing scheduled (to the partner)")
    EVENT_HEARING_CHANGED = "event_hearing_changed", _("Event: hearing changed (to the partner)")


# The event webhooks' kinds and the ``type`` each one carries in its payload (Standard Webhooks' shape).
EVENT_TYPES = {
    ReminderKind.EVENT_REFERRAL_CREATED: "referral.created",
    ReminderKind.EVENT_REFERRAL_WITHDRAWN: "referral.withdrawn",
    ReminderKind.EVENT_CONSENT_WITHDRAWN: "consent.withdrawn",
    ReminderKind.EVENT_CASE_TRANSFERRED: "case.transferred",
    ReminderKind.EVENT_HEARING_SCHEDULED: "hearing.scheduled",
    ReminderKind.EVENT_HEARING_CHANGED: "hearing.changed",
}
EVENT_SUBJECT = "case-event"  # an event webhook's subject: the CaseEvent the service recorded


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Not sent (no longer applies)")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Failed")


class ReminderQuerySet(ScopedQuerySet):
    pass


# History: the row as created and at each change of status (sent, skipped, cancelled, failed, retried by
# staff), not at each lease or attempt: the dispatcher renews leases on every claim and a history row per
# claimed row would double its writes. The row itself keeps attempts, last error and sent time.
@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange("status")),
    model_name="ReminderHistory",
)
class Reminder(FastLoad, models.Model):
    """Invariants: unique per (subject, kind, channel, recipient, due time); ``status`` moves from
    pending to exactly one of sent / skipped / cancelled / failed; ``lease_until`` keeps a claimed row
    from being claimed again while its send task runs (an expired lease means it may be re-claimed:
    the send task's lock and the provider's idempotency key make that harmless)."""

    kind = models.CharField(_("kind"), max_length=24, choices=ReminderKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=ReminderChannel.choices)
    subject_type = models.CharField(max_length=16)
    subject_id = models.BigIntegerField()
    recipient_key = models.CharField(
        max_length=40, help_text="person:<id>, user:<id>, partner:<id> or case-officer (resolved when sent)"
    )
    due_at = models.DateTimeField(_("due"))
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    person = models.ForeignKey(
        "cases.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    partner = models.ForeignKey(
        "consulates.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind", "channel", "recipient_key", "due_at"],
                name="reminder_unique_per_subject_kind_channel_recipient_due",
            )
        ]
        indexes = [
            # The dispatcher's scan: due pending rows in due order, nothing else.
            models.Index(fields=["due_at"], name="reminder_pending_due_idx", condition=Q(status="pending")),
            models.Index(fields=["subject_type", "subject_id"], name="reminder_subject_idx"),
            models.Index(fields=["case", "due_at"], name="reminder_case_due_idx"),
            models.Index(fields=["status", "updated_at"], name="reminder_status_idx"),
        ]

    def __str__(self) -> str:
        # The due time in words, in the reader's language and time zone (as the pages show it).
        return (
            f"{self.get_kind_display()} · {date_format(timezone.localtime(self.due_at), 'DATETIME_FORMAT')}"
        )


class WebhookDeliveryQuerySet(ReminderQuerySet):
    pass


class WebhookDeliveryManager(models.Manager.from_queryset(WebhookDeliveryQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(channel=ReminderChannel.WEBHOOK)


class WebhookDelivery(Reminder):
    """The outbox rows on the webhook channel (event webhooks and partner reminders), as the
    administrators' delivery log lists them: the same rows, nothing stored apart."""

    objects = WebhookDeliveryManager()

    class Meta:
        proxy = True
        ordering = ["-due_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    @property
    def event_type(self) -> str:
        """``referral.created`` and the like for an event; the reminder's kind for a reminder."""
        return EVENT_TYPES.get(self.kind, self.kind)


class SmsOptOutQuerySet(BlindIndexedQuerySet):
    def for_phone(self, number: str):
        """The opt-out of this number, in any notation (normalised like the stored one), by blind index."""
        return self.filter(phone_bidx=self.model._meta.get_field("phone_bidx").index_of(number))


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="SmsOptOutHistory"
)
class SmsOptOut(BlindIndexedModel):
    """A phone number that asked to receive nothing (e.g. replied STOP). Stored normalised and encrypted;
    unique and found through its blind index. A phone number is personal data: its changes are in the
    audit trail like every other one (as ciphertext)."""

    phone = EncryptedCharField(_("phone"), max_length=20)
    phone_bidx = BlindIndexField(
        source="phone", normaliser="cases.reminders.messages.normalise_phone", unique=True
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = SmsOptOutQuerySet.as_manager()

    class Meta:
        verbose_name = _("SMS opt-out")
        verbose_name_plural = _("SMS opt-outs")

    def __str__(self) -> str:
        return self.phone
