"""What each kind of workspace notification says, built when it is read, in the reader's language.

``rendered(notifications)`` loads the targets of a page of notifications with one query per kind of
target and returns one ``Shown`` per notification. A feature that notifies adds a kind
(``NotificationKind``), writes the rows in its service, and registers its renderer here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.incident_text import incident_summary, incident_when
from cases.models import CriticalIncident, Notification
from cases.models.notification import NotificationKind


@dataclass
class Shown:
    notification: Notification
    text: str
    url: str

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def _incidents(ids) -> dict:
    return CriticalIncident.objects.select_related("case__consulate", "facility__county").in_bulk(ids)


def _incident_text(notification: Notification, incident) -> tuple[str, str]:
    if incident is None:
        return _("A critical incident that is no longer recorded."), ""
    text = _("%(summary)s, on %(when)s.") % {
        "summary": incident_summary(incident),
        "when": incident_when(incident),
    }
    return text, reverse("workspace:case", args=[incident.case_id]) + f"#incident-{incident.pk}"


# kind -> (loader of its targets by ids, renderer of one notification and its target)
RENDERERS: dict[str, tuple[Callable, Callable]] = {
    NotificationKind.INCIDENT_RECORDED: (_incidents, _incident_text),
}


def rendered(notifications) -> list[Shown]:
    notifications = list(notifications)
    targets: dict[str, dict] = {}
    for kind, (load, _render) in RENDERERS.items():
        ids = {n.target_id for n in notifications if n.kind == kind}
        if ids:
            targets[kind] = load(ids)
    shown = []
    for notification in notifications:
        _load, render = RENDERERS[notification.kind]
        text, url = render(notification, targets.get(notification.kind, {}).get(notification.target_id))
        shown.append(Shown(notification, text, url))
    return shown
