"""What a critical incident is called in a message or a notification, in the active language: its kind,
where and when (on the place's clock, in words). No person's name, identifier or the description: these
texts travel by email and sit in lists."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from consulates.zones import time_in_zone


def incident_when(incident) -> str:
    """When it happened on the place's clock, in words, its zone named ("... (hora del Centro)")."""
    return time_in_zone(incident.occurred_at, incident.zone_name, name=True)


def incident_where(incident) -> str:
    return incident.where or _("a place not recorded")


def incident_summary(incident) -> str:
    """ "Muerte bajo custodia en Prairieland Detention Center (Alvarado, TX), caso DAL-2026-000123"."""
    return _("%(kind)s at %(where)s, case %(reference)s") % {
        "kind": incident.get_kind_display(),
        "where": incident_where(incident),
        "reference": incident.case.reference,
    }


def case_link(case_id: int) -> str:
    return f"{settings.SITE_URL}{reverse('workspace:case', args=[case_id])}#incidents"
