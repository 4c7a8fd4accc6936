"""HTML for the case page's read-only panels."""

from __future__ import annotations

import datetime as dt

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.timeline import timeline_entries
from staffsite.formats import decimal, in_words


def render_delay(delta) -> str:
    if delta is None:
        return "—"
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", round(hours)) % {"n": decimal(hours)}
    days = hours / 24
    return ngettext("%(n)s day", "%(n)s days", round(days)) % {"n": decimal(days)}


def _shown(value) -> str:
    if isinstance(value, dt.date):  # dates and times in words (a datetime is a date too)
        return in_words(value)
    return str(value)


def _details(entry) -> str:
    """What changed, with labels (``cases.timeline``): a status "from → to" and each changed field."""
    rows = [entry.moved] if entry.moved else []
    rows += [(change.label, _shown(change.old), _shown(change.new)) for change in entry.changes]
    return format_html_join("", "<br><small>{}: {} → {}</small>", rows)


def render_timeline(events) -> str:
    rows = [
        (
            in_words(entry.event.occurred_at),
            entry.kind,
            entry.actor,
            entry.text,
            _details(entry),
        )
        for entry in timeline_entries(events)
    ]
    if not rows:
        return _("No activity yet.")
    body = format_html_join(
        "",
        '<li class="timeline-item"><span class="timeline-when">{}</span> <strong>{}</strong> · {}'
        '<div class="timeline-text">{}{}</div></li>',
        rows,
    )
    return format_html('<ol class="timeline">{}</ol>', body)
