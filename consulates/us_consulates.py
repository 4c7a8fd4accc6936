"""The Mexican consular posts in the United States (``consulates/data/us_mexican_consulates.csv``): the 13
of this network and the 40 outside it, to which a case is handed over when its person is moved out of
the network's district (docs/decisions/0022-handover-outside-network.md). Reference data: every staff
member reads it, administrators correct it in the staff UI (the row is then ``curated`` and
``load_network`` keeps the edit). ``kind`` is filled only where a source says consulate general or
consulate; it stays empty elsewhere, as the file leaves it."""

from __future__ import annotations

import pghistory
from django.db import models
from django.utils.translation import gettext_lazy as _

from consulates.choices import Basis
from consulates.loading import FastLoad


class ConsularPostQuerySet(models.QuerySet):
    def outside_network(self):
        """The posts a case can be handed over to: every Mexican consulate in the US but the network's."""
        return self.filter(in_network=False)


@pghistory.track()
class ConsularPost(FastLoad, models.Model):
    """A Mexican consulate in the US. ``consulate`` links the 13 posts of this network to their
    ``Consulate``; ``in_network`` is the file's ``in_tx_ok_nm_network``."""

    class Kind(models.TextChoices):
        GENERAL = "consulate general", _("Consulate general")
        CAREER = "consulate", _("Consulate")

    name = models.CharField(_("name"), max_length=160)
    title_confirmed = models.BooleanField(
        _("title of the post confirmed"),
        default=True,
        help_text=_("Unticked where the sources do not confirm the post's title (consulate general or not)."),
    )
    city = models.CharField(_("city"), max_length=120)
    state = models.CharField(_("state"), max_length=2, help_text=_("US state or territory (two letters)."))
    website = models.URLField(_("website"), blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=Kind.choices,
        blank=True,
        help_text=_("Empty where the sources do not say whether it is a consulate general or a consulate."),
    )
    in_network = models.BooleanField(_("in this network (Texas, Oklahoma, New Mexico)"), default=False)
    consulate = models.OneToOneField(
        "consulates.Consulate",
        verbose_name=_("consulate of the network"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consular_post",
    )
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    source = models.TextField(_("source"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    curated = models.BooleanField(_("edited by staff"), default=False)

    objects = ConsularPostQuerySet.as_manager()

    class Meta:
        ordering = ["state", "city"]
        verbose_name = _("Mexican consulate in the US")
        verbose_name_plural = _("Mexican consulates in the US")
        constraints = [
            models.UniqueConstraint(fields=["state", "city"], name="consularpost_one_per_city"),
            models.CheckConstraint(
                condition=models.Q(consulate__isnull=True) | models.Q(in_network=True),
                name="consularpost_linked_only_in_network",
            ),
        ]

    def __str__(self) -> str:
        return self.name
