"""Work that crosses an office's walls: transfers between consulates, consent and partner referrals."""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.loading import FastLoad
from consulates.models import PartnerService
from consulates.policy import ScopedQuerySet

REFERRAL_ANSWER_HOURS = 72


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class TransferQuerySet(ScopedQuerySet):
    def pending(self) -> TransferQuerySet:
        return self.filter(status=TransferStatus.PENDING)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="TransferHistory"
)
class Transfer(FastLoad, models.Model):
    """A case moving to another consulate. Invariants: at most one pending transfer per case (database
    constraint); the case stays with ``from_consulate`` until a supervisor of ``to_consulate`` accepts;
    ``automatic`` transfers were proposed by the service when custody moved into another district."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="transfers")
    from_consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("from consulate"), on_delete=models.PROTECT, related_name="+"
    )
    to_consulate = models.ForeignKey(
        "consulates.Consulate", verbose_name=_("to consulate"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    automatic = models.BooleanField(_("proposed automatically"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("decision note"), blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        indexes = [
            models.Index(fields=["to_consulate", "status"], name="transfer_to_status_idx"),
            models.Index(fields=["from_consulate", "status"], name="transfer_from_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_case",
                violation_error_message=_(
                    "This case already has a pending transfer. Cancel it before requesting another."
                ),
                violation_error_code="pending",
            ),
            models.CheckConstraint(
                condition=~Q(from_consulate=models.F("to_consulate")),
                name="transfer_between_two_consulates",
                violation_error_message=_("A transfer goes to another consulate."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_consulate_id} → {self.to_consulate_id} ({self.status})"

    def allows(self, name: str) -> bool:
        """``decide`` (accept or reject) and ``cancel``: only while pending."""
        return name in ("decide", "cancel") and self.status == TransferStatus.PENDING

    def cancel(self, *, by, note: str, at: dt.datetime | None = None) -> None:
        """The sending side withdraws the request (or the service its own proposal, or the case closed)."""
        self.status, self.decided_by, self.decided_at = TransferStatus.CANCELLED, by, at or timezone.now()
        self.note = note
        self.save(update_fields=["status", "decided_by", "decided_at", "note"])


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbal")
    WRITTEN = "written", _("Written (signed on paper)")
    UPLOADED = "uploaded_form", _("Uploaded signed form")


class DataCategory(models.TextChoices):
    """What a partner may see of a referred case, by the person's consent."""

    IDENTITY = "identity", _("Identity (name, date of birth, identifiers)")
    CONTACT = "contact", _("Contact details and emergency contacts")
    CUSTODY = "custody", _("Custody and removal")
    HEARINGS = "hearings", _("Hearings")
    NOTES = "notes", _("Notes, calls and visits")
    FAMILY = "family", _("Family relationships")


class ConsentQuerySet(ScopedQuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="ConsentHistory"
)
class Consent(FastLoad, models.Model):
    """The person's consent to share a case with one partner. Invariants: one active consent per case
    and partner (database constraint); ``scope`` is a non-empty subset of ``DataCategory``; an
    ``uploaded_form`` consent points at the uploaded document; withdrawal is final (a new consent is
    a new row) and ends every referral that rests on it."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="consents")
    partner = models.ForeignKey(
        "consulates.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="consents"
    )
    scope = ArrayField(
        models.CharField(max_length=10, choices=DataCategory.choices), verbose_name=_("data shared")
    )
    method = models.CharField(_("how it was given"), max_length=15, choices=ConsentMethod.choices)
    form_document = models.ForeignKey(
        "cases.Document",
        verbose_name=_("signed form"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    given_at = models.DateTimeField(_("given at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawal recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_note = models.TextField(_("withdrawal note"), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "partner"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_partner",
                violation_error_message=_(
                    "The person's consent for this partner is already recorded. Withdraw it first to change it."
                ),
            ),
            models.CheckConstraint(condition=~Q(scope=[]), name="consent_scope_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.partner_id}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def allows(self, name: str) -> bool:
        """``withdraw``: only while it stands (withdrawal is final)."""
        return name == "withdraw" and self.active

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(DataCategory.choices)
        return [str(labels.get(item, item)) for item in self.scope]


class ReferralStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting the partner's answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_REFERRAL = (ReferralStatus.PENDING, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)


class ReferralQuerySet(ScopedQuerySet):
    def active(self) -> ReferralQuerySet:
        return self.filter(status__in=ACTIVE_REFERRAL)

    def awaiting_answer_overdue(self, now: dt.datetime | None = None) -> ReferralQuerySet:
        cutoff = (now or timezone.now()) - dt.timedelta(hours=REFERRAL_ANSWER_HOURS)
        return self.filter(status=ReferralStatus.PENDING, referred_at__lte=cutoff)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="ReferralHistory"
)
class Referral(FastLoad, models.Model):
    """A case referred to a partner for one service. Lifecycle: pending -> accepted | declined;
    accepted -> in progress -> completed; the consulate may withdraw it while active. Invariants: rests
    on an active consent for the same case and partner; one active referral per case, partner and
    service (database constraint)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="referrals")
    partner = models.ForeignKey(
        "consulates.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="referrals"
    )
    consent = models.ForeignKey(
        Consent, verbose_name=_("consent"), on_delete=models.PROTECT, related_name="referrals"
    )
    service = models.CharField(_("service"), max_length=30, choices=PartnerService.choices)
    request_note = models.TextField(_("what is needed"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.PENDING
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("referred by"), on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(_("referred at"), default=timezone.now)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-referred_at", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["partner", "status"], name="referral_partner_status_idx"),
            models.Index(fields=["partner", "updated_at"], name="referral_partner_updated_idx"),
            models.Index(fields=["referred_at"], name="referral_pending_idx", condition=Q(status="pending")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "partner", "service"],
                condition=Q(status__in=["pending", "accepted", "in_progress"]),
                name="referral_one_active_per_service",
                violation_error_message=_("This case is already referred to this partner for this service."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.partner_id} ({self.service})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_REFERRAL

    # Which answers and steps each status allows (the partner's or the consulate's).
    TRANSITIONS = {
        "accept": (ReferralStatus.PENDING,),
        "decline": (ReferralStatus.PENDING,),
        "start": (ReferralStatus.ACCEPTED,),
        "complete": (ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS),
        "withdraw": ACTIVE_REFERRAL,
    }

    def allowed_transitions(self) -> list[str]:
        return [name for name, statuses in self.TRANSITIONS.items() if self.status in statuses]

    def allows(self, name: str) -> bool:
        return name in self.allowed_transitions()

    def withdraw(self, *, by, reason: str, at: dt.datetime | None = None) -> None:
        """End an active referral from the consulate's side: taken back, consent withdrawn, case closed."""
        self.status, self.withdrawn_by, self.withdrawn_at = ReferralStatus.WITHDRAWN, by, at or timezone.now()
        self.withdrawal_reason = reason
        self.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason", "updated_at"])

    @property
    def answer_overdue(self) -> bool:
        return self.status == ReferralStatus.PENDING and timezone.now() - self.referred_at >= dt.timedelta(
            hours=REFERRAL_ANSWER_HOURS
        )
