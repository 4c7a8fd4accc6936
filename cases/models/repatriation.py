"""After removal: the hand-off to the Mexican reception point, and what the facility held."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.removal import RemovalMeans, removal_means_text, removal_when_text
from consulates.loading import FastLoad
from consulates.models import Consulate, ReceptionPoint
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField
from staffsite.formats import in_words

HANDOFF_CONFIRMATION_HOURS = 48


class IdentityDocument(models.TextChoices):
    CURP = "curp", _("CURP")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    VOTER_ID = "ine", _("Voter ID (INE)")
    PASSPORT = "passport", _("Mexican passport")
    MATRICULA = "matricula", _("Matrícula consular")
    OTHER_ID = "other_id", _("Other identification")


class HandoffQuerySet(ScopedQuerySet):
    def unconfirmed_overdue(self, now: dt.datetime | None = None):
        """Hand-offs not confirmed although the removal date ended 48 hours ago or more. The removal date
        is a day at the reception point, so the cut-off is computed per zone: the point's own (Tapachula
        is not on Central time), or the consulate's for a point whose zone is not recorded."""
        now = now or timezone.now()
        pending = self.filter(confirmed_at__isnull=True)
        matches = models.Q(pk__in=[])
        # The zones from the consulates and reception points: reading them through the hand-offs would
        # fetch a row per hand-off (the default ordering joins the DISTINCT).
        zones = set(Consulate.objects.order_by().values_list("timezone", flat=True).distinct())
        zones |= set(ReceptionPoint.objects.order_by().values_list("timezone", flat=True).distinct())
        for tz_name in zones - {""}:
            local_today = now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
            # removal date D ends at D+1 00:00 local; 48 hours later is D+3 00:00 local.
            latest = local_today - dt.timedelta(days=3)
            matches |= models.Q(reception_point__timezone=tz_name, removal_date__lte=latest)
            matches |= models.Q(
                reception_point__timezone="", case__consulate__timezone=tz_name, removal_date__lte=latest
            )
        return pending.filter(matches)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="HandoffHistory"
)
class RepatriationHandoff(FastLoad, RemovalMeans, models.Model):
    """What the reception point in Mexico needs to know to receive the person. One per case, prepared
    once the removal date and reception point are known; ``confirmed_at`` records that the reception
    point received the person. Unconfirmed 48 hours after the end of the removal date (a day at the
    reception point, in its zone), it is flagged."""

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="handoff"
    )
    removal_date = models.DateField(_("removal date"))
    removal_time = models.TimeField(
        _("removal time"), null=True, blank=True, help_text=_("Local time at the reception point.")
    )
    reception_point = models.ForeignKey(
        "consulates.ReceptionPoint",
        verbose_name=_("reception point"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Needs on arrival
    medical_needs = models.TextField(_("medical needs"), blank=True)
    medication = models.TextField(_("medication"), blank=True)
    disability = models.TextField(_("disability and support needed"), blank=True)
    minors_travelling = models.PositiveSmallIntegerField(_("minors travelling with the person"), default=0)
    minors_details = models.TextField(_("about the minors"), blank=True)
    needs_shelter = models.BooleanField(_("needs shelter"), default=False)
    needs_transport_home = models.BooleanField(_("needs transport home"), default=False)
    destination = models.CharField(
        _("destination in Mexico (municipality, state)"), max_length=160, blank=True
    )
    # Documents
    documents_held = ArrayField(
        models.CharField(max_length=20, choices=IdentityDocument.choices),
        verbose_name=_("documents the person has"),
        default=list,
        blank=True,
    )
    documents_missing = ArrayField(
        models.CharField(max_length=20, choices=IdentityDocument.choices),
        verbose_name=_("documents to issue on arrival"),
        default=list,
        blank=True,
    )
    # Family in Mexico
    family_contact_name = models.CharField(_("family contact in Mexico"), max_length=160, blank=True)
    family_contact_phone = EncryptedCharField(_("family contact phone"), max_length=30, blank=True)
    family_contact_relationship = models.CharField(_("relationship"), max_length=60, blank=True)
    belongings_notes = models.TextField(_("belongings travelling with the person"), blank=True)
    notes = models.TextField(_("other notes for the reception point"), blank=True)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("prepared by"), on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(_("prepared at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Confirmation of reception
    confirmed_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by_name = models.CharField(_("received by (reception point staff)"), max_length=160, blank=True)
    confirmation_notes = models.TextField(_("reception notes"), blank=True)
    confirmation_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmation recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = HandoffQuerySet.as_manager()

    class Meta:
        verbose_name = _("repatriation hand-off")
        verbose_name_plural = _("repatriation hand-offs")
        indexes = [
            models.Index(
                fields=["removal_date"],
                name="handoff_unconfirmed_idx",
                condition=models.Q(confirmed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {in_words(self.removal_date)}"

    def confirmation_zone(self) -> zoneinfo.ZoneInfo:
        """The reception point's zone (the consulate's if the point has none recorded)."""
        return self.reception_point.zone(self.case.consulate.timezone)

    def confirmation_due_at(self) -> dt.datetime:
        """48 hours after the end of the removal date, the day counted at the reception point."""
        tz = self.confirmation_zone()
        start = dt.datetime.combine(self.removal_date + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        return start + dt.timedelta(hours=HANDOFF_CONFIRMATION_HOURS)

    @property
    def removal_when(self) -> str:
        """The removal's date, and its time on the reception point's clock with the place named."""
        return removal_when_text(
            self.removal_date, self.removal_time, self.reception_point, self.case.consulate.timezone
        )

    @property
    def removal_means(self) -> str:
        return removal_means_text(self.removal_mode, self.removal_carrier, self.removal_flight_number)

    @property
    def confirmation_overdue(self) -> bool:
        return self.confirmed_at is None and timezone.now() >= self.confirmation_due_at()

    @property
    def documents_held_labels(self) -> list[str]:
        labels = dict(IdentityDocument.choices)
        return [str(labels.get(d, d)) for d in self.documents_held]

    @property
    def documents_missing_labels(self) -> list[str]:
        labels = dict(IdentityDocument.choices)
        return [str(labels.get(d, d)) for d in self.documents_missing]


class BelongingKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    MATRICULA = "matricula", _("Matrícula consular")
    IDENTIFICATION = "identification", _("Other identification")
    CASH = "cash", _("Cash")
    MEDICINE = "medicine", _("Medicine")
    PHONE = "phone", _("Mobile phone")
    OTHER = "other", _("Other")


class BelongingStatus(models.TextChoices):
    HELD = "held", _("Held by the facility")
    RETURNED = "returned", _("Returned to the person")
    MISSING = "missing", _("Missing")


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="BelongingHistory"
)
class Belonging(models.Model):
    """A document or belonging the detention facility took on intake. Recorded as held; marked returned
    or missing at release or removal (the change is final and on the timeline)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="belongings"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=BelongingKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (USD)"), max_digits=10, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=BelongingStatus.choices, default=BelongingStatus.HELD
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("marked at"), null=True, blank=True)
    resolution_note = models.CharField(_("note"), max_length=255, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("belonging held")
        verbose_name_plural = _("belongings held")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__isnull=True) | models.Q(amount__gte=0),
                name="belonging_amount_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.description or self.get_kind_display()
