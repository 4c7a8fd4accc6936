"""How and when a person is removed to Mexico (decision 0025): the mode of the removal (bus with its
carrier, on foot across a port of entry, a flight with its number, other), the time on the reception
point's clock, and the officers' acknowledgement of a warning about a vulnerable person's removal."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pghistory
from django.conf import settings
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consulates.policy import ScopedQuerySet


class RemovalMode(models.TextChoices):
    BUS = "bus", _("Bus")
    ON_FOOT = "on_foot", _("On foot across a port of entry")
    FLIGHT = "flight", _("Flight")
    OTHER = "other", _("Other")


# The kinds of reception point each mode can reach ("other" reaches any): a flight lands at an airport;
# a bus or a person on foot crosses at a land port.
MODE_POINT_KINDS = {
    RemovalMode.BUS: ("land_port",),
    RemovalMode.ON_FOOT: ("land_port",),
    RemovalMode.FLIGHT: ("airport",),
}


class RemovalMeans(models.Model):
    """The mode of a removal and what identifies the vehicle: a bus's carrier (if known), a flight's
    number. Shared by the case (the planned removal) and its hand-off (which follows the case)."""

    removal_mode = models.CharField(
        _("removal mode"), max_length=10, choices=RemovalMode.choices, blank=True, db_default=""
    )
    removal_carrier = models.CharField(
        _("bus carrier"), max_length=120, blank=True, db_default="", help_text=_("If known.")
    )
    removal_flight_number = models.CharField(_("flight number"), max_length=12, blank=True, db_default="")

    class Meta:
        abstract = True


def removal_zone_name(point, consulate_timezone: str) -> str:
    """The zone a removal time is on: the reception point's, else the consulate's (decisions 0018, 0020)."""
    return (point.timezone if point is not None else "") or consulate_timezone


def removal_moment(day: dt.date, time: dt.time | None, zone_name: str) -> dt.datetime:
    """The instant of a removal on ``day`` at ``time`` on the clock of ``zone_name``. Without a time, the
    start of the day there: the earliest the removal can be, so nothing counted from it comes late."""
    return dt.datetime.combine(day, time or dt.time(0), tzinfo=zoneinfo.ZoneInfo(zone_name))


def removal_when_text(day: dt.date | None, time: dt.time | None, point, consulate_timezone: str) -> str:
    """The removal's date in words, and its time on the reception point's clock with the place named:
    "12 de mayo de 2026 a las 22:30, hora de Tapachula". Empty without a date."""
    if day is None:
        return ""
    if time is None:
        return date_format(day, "DATE_FORMAT")
    zone = removal_zone_name(point, consulate_timezone)
    when = date_format(removal_moment(day, time, zone), "DATETIME_FORMAT")
    if point is None:
        return when
    return gettext("%(when)s, %(place)s time") % {"when": when, "place": point.mx_city}


def removal_means_text(mode: str, carrier: str = "", flight_number: str = "") -> str:
    """The mode in words with what identifies the vehicle: "Vuelo AM 1234", "Autobús (Transportes
    del Norte)". Empty without a mode."""
    if not mode:
        return ""
    label = str(RemovalMode(mode).label)
    if mode == RemovalMode.FLIGHT and flight_number:
        return f"{label} {flight_number}"
    if mode == RemovalMode.BUS and carrier:
        return f"{label} ({carrier})"
    return label


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    model_name="RemovalWarningAckHistory",
)
class RemovalWarningAck(models.Model):
    """An officer saw a warning about a vulnerable person's removal (outside the point's agreed hours, a
    point not designated or no longer offered, an unaccompanied child where DIF does not receive) and
    recorded why the removal goes ahead. ``key`` names the warning with what it is about (the point, the
    time), so a change of plan raises a new warning that needs its own acknowledgement. Never edited: a
    new plan gets new rows; the case's timeline and the history keep every one."""

    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="removal_warning_acks",
    )
    key = models.CharField(_("warning"), max_length=200)
    warning = models.TextField(_("warning shown"))
    reason = models.TextField(_("why the removal goes ahead"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("seen by"), on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("seen at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["acknowledged_at", "pk"]
        verbose_name = _("removal warning seen")
        verbose_name_plural = _("removal warnings seen")
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="removal_warning_ack_unique"),
        ]

    def __str__(self) -> str:
        return self.warning
