"""Custody as it happens: where a person was held, from when to when, as whom it was learnt from; and
the searches for a person (the locate history). The case's ``facility``, ``detained_since`` and
``released_on`` are the current values derived from the episodes (``cases.services.custody``)."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.case import Case
from cases.models.identity import ArrestingAgency
from consulates.loading import FastLoad
from consulates.policy import ScopedQuerySet


class CustodySource(models.TextChoices):
    ICE_LOCATOR = "ice_locator", _("ICE online detainee locator")
    FACILITY = "facility", _("The facility or jail")
    IMPORT = "import", _("Detainee list import")
    FAMILY = "family", _("Family")
    PARTNER = "partner", _("Partner organisation")
    PERSON = "person", _("The person")
    COURT = "court", _("Court")
    OTHER = "other", _("Other")
    LEGACY = "legacy", _("Recorded before the custody history")


# What staff may give as the source of what they record (the migration's own is not theirs to choose).
RECORDABLE_SOURCES = [
    (value, label) for value, label in CustodySource.choices if value != CustodySource.LEGACY
]


class EpisodeEnd(models.TextChoices):
    """How an episode ended: the person was moved to another facility, or released (the stay ended)."""

    MOVED = "moved", _("Moved to another facility")
    RELEASED = "released", _("Released")


class LocateWhere(models.TextChoices):
    ICE_LOCATOR = "ice_locator", _("ICE online detainee locator")
    FACILITY = "facility", _("Call to a detention facility or jail")
    COURT = "court", _("Immigration court information line")
    HOSPITAL = "hospital", _("Hospital")
    CONSULATE = "consulate", _("Another consulate")
    PARTNER = "partner", _("Partner organisation")
    OTHER = "other", _("Other")


class LocateResult(models.TextChoices):
    FOUND = "found", _("Found in custody")
    NOT_FOUND = "not_found", _("Not found")
    RELEASED = "released", _("Released")
    MINOR = "minor", _("A minor: the locator does not show minors")
    TRANSFERRED_OUT = "transferred_out", _("Moved out of the network's area")
    REMOVED = "removed", _("Already returned to Mexico")


LOCATED_RESULTS = (
    LocateResult.FOUND,
    LocateResult.RELEASED,
    LocateResult.TRANSFERRED_OUT,
    LocateResult.REMOVED,
)

# Where a search was made -> what a custody episode recorded from it names as its source.
SOURCE_OF_SEARCH = {
    LocateWhere.ICE_LOCATOR: CustodySource.ICE_LOCATOR,
    LocateWhere.FACILITY: CustodySource.FACILITY,
    LocateWhere.COURT: CustodySource.COURT,
    LocateWhere.PARTNER: CustodySource.PARTNER,
}


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="CustodyEpisodeHistory",
)
class CustodyEpisode(FastLoad, models.Model):
    """One period in one facility. Invariants (kept by ``cases.services.custody``): a case has at most one
    open episode (no end), and it is its latest; an episode ends ``moved`` when the next one starts, or
    ``released`` when the stay ended; the case's current custody is its latest episode's."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="custody_episodes"
    )
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        related_name="custody_episodes",
    )
    agency = models.CharField(
        _("custodial agency"), max_length=20, choices=ArrestingAgency.choices, blank=True
    )
    started_on = models.DateField(_("from"), null=True, blank=True)
    started_time = models.TimeField(_("time"), null=True, blank=True)
    ended_on = models.DateField(_("to"), null=True, blank=True)
    ended_by = models.CharField(_("ended by"), max_length=10, choices=EpisodeEnd.choices, blank=True)
    source = models.CharField(_("source of the information"), max_length=20, choices=CustodySource.choices)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["case", models.F("started_on").asc(nulls_first=True), "id"]
        verbose_name = _("custody episode")
        verbose_name_plural = _("custody episodes")
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="custody_one_open_episode"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(ended_on__gte=models.F("started_on")),
                name="custody_episode_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.facility_id} {self.started_on}–{self.ended_on or ''}"


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), model_name="CaseLocateHistory"
)
class CaseLocateAttempt(models.Model):
    """One search for the person of a case: where, with what, what it gave (as an inquiry's searches;
    those of the inquiry a case was opened from are copied here when it is converted)."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="locate_attempts"
    )
    where = models.CharField(_("where"), max_length=20, choices=LocateWhere.choices)
    searched_for = models.CharField(_("what was searched"), max_length=200, blank=True)
    result = models.CharField(_("result"), max_length=20, choices=LocateResult.choices)
    facility = models.ForeignKey(
        "consulates.DetentionFacility",
        verbose_name=_("facility"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    attempted_at = models.DateTimeField(_("when"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("officer"), on_delete=models.PROTECT, related_name="+"
    )
    from_inquiry = models.PositiveIntegerField(_("from inquiry"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["attempted_at", "id"]
        verbose_name = _("locate attempt")
        verbose_name_plural = _("locate attempts")

    def __str__(self) -> str:
        return f"{self.get_where_display()}: {self.get_result_display()}"
