"""Courts where nationals' cases are heard: EOIR immigration courts, adjudication centres and hearing
locations inside detention facilities (``immigration_courts.csv``), and the divisions of the federal
district courts (``federal_district_courts.csv``, for habeas petitions and criminal cases). One model
with a ``kind`` (docs/decisions/0017-courts-one-model.md). Each court carries its own IANA zone: a
hearing's time is the court's wall clock. Loaded by ``manage.py load_network``; a row staff edit is
``curated`` and kept."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulates.choices import Basis, State
from consulates.loading import FastLoad
from consulates.zones import validate_zone


class CourtKind(models.TextChoices):
    IMMIGRATION_COURT = "immigration_court", _("Immigration court")
    ADJUDICATION_CENTER = "immigration_adjudication_center", _("Immigration adjudication centre")
    HEARING_LOCATION = "hearing_location", _("Hearing location in a detention facility")
    FEDERAL_DISTRICT = "federal_district_court", _("Federal district court")


IMMIGRATION_KINDS = (CourtKind.IMMIGRATION_COURT, CourtKind.ADJUDICATION_CENTER, CourtKind.HEARING_LOCATION)


@pghistory.track()
class ImmigrationCourt(FastLoad, models.Model):
    """A court or hearing location, in its own zone. ``control_court`` is the court that runs a hearing
    location's docket, where the data names one of the loaded courts (``control_court_note`` keeps the
    data's words either way). Federal courts fill ``district``, ``abbreviation`` and ``division``."""

    name = models.CharField(_("name"), max_length=160, unique=True)
    kind = models.CharField(_("kind"), max_length=40, choices=CourtKind.choices)
    city = models.CharField(_("city"), max_length=120)
    state = models.CharField(_("state"), max_length=2, choices=State.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    district = models.CharField(_("federal district"), max_length=80, blank=True)
    abbreviation = models.CharField(_("abbreviation"), max_length=20, blank=True)
    division = models.CharField(_("division"), max_length=80, blank=True)
    detained_docket = models.CharField(_("detained docket"), max_length=255, blank=True)
    inside_facility = models.CharField(_("inside the facility"), max_length=160, blank=True)
    control_court = models.ForeignKey(
        "self",
        verbose_name=_("control court"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hearing_locations",
    )
    control_court_note = models.CharField(_("control court (as the source says)"), max_length=160, blank=True)
    timezone = models.CharField(_("timezone"), max_length=40, validators=[validate_zone])
    phone = models.CharField(_("phone"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=160, blank=True)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    class Meta:
        ordering = ["state", "city", "name"]
        verbose_name = _("court")
        verbose_name_plural = _("courts")

    def __str__(self) -> str:
        return self.name
