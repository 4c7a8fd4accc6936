"""Reception points in Mexico where repatriated nationals are received (``consulates/data/
repatriation_points.csv``: the 2016 Local Repatriation Arrangements, the repatriation airports of
2025-26, the inland México te abraza centres). Imported into ``consulates.models``."""

from __future__ import annotations

import zoneinfo

import pghistory
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulates.loading import FastLoad


class ReceptionPointQuerySet(models.QuerySet):
    def offered(self):
        """Points a NEW hand-off or case may name; the others stay for the records that already do."""
        return self.filter(offered=True)

    def designated_operating(self):
        """Offered points of the 2016 arrangements that the sources report receiving people (the demo's)."""
        return self.offered().filter(
            designated_2016__in=["yes", "inferred"], status__in=["active", "reduced"]
        )


@pghistory.track()
class ReceptionPoint(FastLoad, models.Model):
    """A Mexican-side point where repatriated nationals are received."""

    class Kind(models.TextChoices):
        LAND_PORT = "land_port", _("Land port of entry")
        AIRPORT = "airport", _("Airport")
        INLAND_CENTRE = "inland_centre", _("Reception centre inland")

    class Designation(models.TextChoices):
        YES = "yes", _("Designated")
        INFERRED = "inferred", _("Designated (inferred from the sources)")
        NO = "no", _("Not designated")

    class Receiver(models.TextChoices):
        INM = "inm", _("INM repatriation module")
        DIF = "dif", _("DIF (unaccompanied children)")
        MTA = "mta", _("México te abraza centre")
        CAIM = "caim", _("CAIM (comprehensive care centre for migrants)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        REDUCED = "reduced", _("Reduced")
        CLOSED = "closed", _("Closed")
        NOT_DESIGNATED = "not_designated", _("Not a designated point")

    NOT_OFFERABLE = (Status.CLOSED, Status.NOT_DESIGNATED)

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    mx_city = models.CharField(_("city (Mexico)"), max_length=120)
    mx_state = models.CharField(_("state (Mexico)"), max_length=80)
    us_counterpart = models.CharField(_("US counterpart"), max_length=200, blank=True)
    designated_2016 = models.CharField(
        _("designated under the 2016 local arrangements"),
        max_length=10,
        choices=Designation.choices,
        blank=True,
    )
    designation_text = models.CharField(_("designation, as sourced"), max_length=200, blank=True)
    receivers = ArrayField(
        models.CharField(max_length=10, choices=Receiver.choices),
        verbose_name=_("who receives"),
        default=list,
        blank=True,
    )
    receives = models.TextField(_("who receives, as sourced"), blank=True)
    agreed_hours = models.CharField(_("agreed hours, as sourced"), max_length=200, blank=True)
    hours_from = models.TimeField(_("receives from"), null=True, blank=True)
    hours_to = models.TimeField(_("receives until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, blank=True)
    status_text = models.CharField(_("status, as sourced"), max_length=300, blank=True)
    status_date = models.CharField(
        _("status date, as sourced"),
        max_length=60,
        blank=True,
        help_text=_("As the source gives it: a day, a month or a year."),
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=40,
        blank=True,
        help_text=_("The zone of the place, e.g. America/Mexico_City. Empty: the consulate's zone is used."),
    )
    offered = models.BooleanField(
        _("offered for new hand-offs"),
        default=True,
        help_text=_(
            "Points closed or not designated stay for the records that name them, but are not offered."
        ),
    )
    basis = models.CharField(_("basis"), max_length=40, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    source = models.TextField(_("source"), blank=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    objects = ReceptionPointQuerySet.as_manager()

    class Meta:
        ordering = ["mx_state", "mx_city"]
        verbose_name = _("reception point")
        verbose_name_plural = _("reception points")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        errors = {}
        if self.timezone:
            try:
                zoneinfo.ZoneInfo(self.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                errors["timezone"] = _("Enter a time zone name such as America/Mexico_City.")
        if self.offered and self.status in self.NOT_OFFERABLE:
            errors["offered"] = _("A point that is closed or not designated cannot be offered.")
        if (self.hours_from is None) != (self.hours_to is None):
            errors["hours_to"] = _("Give both the first and the last hour, or neither.")
        if errors:
            raise ValidationError(errors)

    @property
    def receivers_labels(self) -> list[str]:
        labels = dict(self.Receiver.choices)
        return [str(labels.get(r, r)) for r in self.receivers]

    def zone(self, fallback: str) -> zoneinfo.ZoneInfo:
        """The point's own zone, or ``fallback`` (the consulate's) when none is recorded."""
        return zoneinfo.ZoneInfo(self.timezone or fallback)
