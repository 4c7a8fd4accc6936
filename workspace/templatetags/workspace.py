"""Dates on the workspace pages: in words, in the user's language, and in the zone of the place they are
about (the zone is named when it is not the one the page is shown in)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.translation import gettext, ngettext

from consulates.zones import time_in_zone, zone_after_time
from consulates.zones import zone_label as zone_words

register = template.Library()


@register.simple_tag
def when(value, zone: str | None = None, style: str = "DATETIME_FORMAT"):
    """``value`` (an aware datetime) in ``zone`` (IANA name; default the active zone), as the locale
    writes it: "6 de diciembre de 2026 a las 14:30". The zone's name follows when it differs from the
    active one ("… 10:00 (hora del Centro)"; a zone without a name here, its abbreviation)."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return formats.date_format(value, "DATE_FORMAT" if style == "DATETIME_FORMAT" else style)
    active = timezone.get_current_timezone()
    target = zoneinfo.ZoneInfo(zone) if zone else active
    # A wall-clock time recorded without a zone (older timeline entries) is the place's.
    if timezone.is_naive(value):
        value = timezone.make_aware(value, target)
    local = timezone.localtime(value, target)
    text = formats.date_format(local, style)
    shows_time = style in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT", "TIME_FORMAT")
    if shows_time and zone and local.utcoffset() != timezone.localtime(value, active).utcoffset():
        text = f"{text} ({zone_after_time(zone) or local.tzname()})"
    return text


def when_named(value: dt.datetime, zone: str) -> str:
    """``value`` in ``zone`` with the zone always named ("10 de diciembre de 2026 a las 10:00 (hora del
    Centro)"): for texts read where the active zone is unknown (a calendar file, a message)."""
    return time_in_zone(value, zone, name=True)


@register.filter
def days_ago(value) -> str:
    """ "today", "yesterday" or "5 days ago" since ``value`` (a datetime), in the user's language."""
    if value is None:
        return ""
    days = (timezone.localdate() - timezone.localtime(value).date()).days
    if days <= 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    return ngettext("%(days)d day ago", "%(days)d days ago", days) % {"days": days}


@register.filter
def row_key(pk, prefix: str) -> str:
    """The key of a row's form on a page: ``task-12``."""
    return f"{prefix}-{pk}"


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key, "")


@register.filter
def staff_name(user) -> str:
    """A staff member as colleagues know them: full name, else the user name; empty for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


@register.simple_tag
def in_words(value, zone: str | None = None):
    """A value of a timeline entry: a date or time as ``when`` writes it, anything else as it is."""
    if isinstance(value, dt.date):
        return when(value, zone)
    return value


@register.filter
def control(field):
    """A form field's control; with an error, marked invalid and pointing at its message (the id
    ``<field id>-error`` of ``workspace/case/_field.html``)."""
    if not field.errors:
        return field.as_widget()
    return field.as_widget(attrs={"aria-invalid": "true", "aria-describedby": f"{field.auto_id}-error"})


@register.simple_tag
def zone_label(name: str) -> str:
    """A place's zone as people say it ("hora del Centro"): for a place whose clock is not the page's."""
    return zone_words(name)
