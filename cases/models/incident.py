"""Critical incidents on a case (issue 21, decision 0028): a death or serious injury in custody, a medical
emergency, a hunger strike, a disappearance. Recording one notifies the consulate's supervisors and the
regional managers at once (the outbox's email and a workspace ``Notification``) and opens its checklist
of tasks (``Task.incident``)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from consulates.policy import ScopedQuerySet
from encryption.fields import EncryptedCharField
from staffsite.formats import in_words


class IncidentKind(models.TextChoices):
    DEATH = "death", _("Death in custody")
    SERIOUS_INJURY = "serious_injury", _("Serious injury in custody")
    MEDICAL_EMERGENCY = "medical_emergency", _("Medical emergency")
    HUNGER_STRIKE = "hunger_strike", _("Hunger strike")
    DISAPPEARANCE = "disappearance", _("Disappearance")


class IncidentSource(models.TextChoices):
    """How the consulate learnt of the incident."""

    FACILITY = "facility", _("The facility or jail")
    ICE = "ice", _("ICE (the field office or its notice)")
    HOSPITAL = "hospital", _("A hospital")
    FAMILY = "family", _("The family")
    PARTNER = "partner", _("A partner organisation")
    DETAINEE = "detainee", _("Another detained person")
    MEDIA = "media", _("The media")
    VISIT = "visit", _("A consular visit")
    OTHER = "other", _("Other")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="CriticalIncidentHistory",
)
class CriticalIncident(models.Model):
    """One critical incident of a case. ``occurred_at`` is an instant entered on the place's clock: the
    facility's zone, else (another place, named in ``place``) the consulate's (``zone_name``). Where it
    happened is a facility or a place in words, never both empty. ``description`` and ``closing_note``
    are the person's sensitive data: encrypted at rest (the history copies the ciphertext). Closed only with a
    note (a database check). Written only by ``cases.services.incidents``."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("when it happened"))
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    place = models.CharField(_("other place"), max_length=200, blank=True)
    source = models.CharField(
        _("how the consulate learnt of it"), max_length=12, choices=IncidentSource.choices
    )
    learned_at = models.DateTimeField(_("when the consulate learnt of it"))
    description = EncryptedCharField(_("what happened"), max_length=10_000)
    status = models.CharField(
        _("status"), max_length=8, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    closing_note = EncryptedCharField(_("closing note"), max_length=5000, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("critical incident")
        verbose_name_plural = _("critical incidents")
        indexes = [models.Index(fields=["occurred_at"], name="incident_occurred_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(facility__isnull=False) | ~models.Q(place=""),
                name="incident_has_a_place",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (models.Q(closed_at__isnull=False) & ~models.Q(closing_note="")),
                name="incident_closed_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {in_words(self.occurred_at)}"

    def allows(self, transition: str) -> bool:
        """The policy's state check (``incident.close``): only an open incident is closed."""
        return transition == "close" and self.status == IncidentStatus.OPEN

    @property
    def zone_name(self) -> str:
        """The place's zone: the facility's, else the consulate's."""
        if self.facility_id and self.facility.zone_name:
            return self.facility.zone_name
        return self.case.consulate.timezone

    @property
    def where(self) -> str:
        if self.facility_id:
            return f"{self.facility.name} ({self.facility.city}, {self.facility.state})"
        return self.place
