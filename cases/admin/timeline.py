"""HTML for the case page's read-only panels."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.models import Case
from staffsite.formats import decimal, in_words


def render_delay(delta) -> str:
    if delta is None:
        return "—"
    hours = delta.total_seconds() / 3600
    if hours < 48:
        return ngettext("%(n)s hour", "%(n)s hours", round(hours)) % {"n": decimal(hours)}
    days = hours / 24
    return ngettext("%(n)s day", "%(n)s days", round(days)) % {"n": decimal(days)}


def _label(name: str, value: str) -> str:
    """Show a stored change in the reader's language: field names and choice codes get their labels."""
    if not value:
        return "—"
    try:
        field = Case._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    return str(dict(field.flatchoices).get(value, value)) if field.choices else value


def _field_name(name: str) -> str:
    try:
        return str(Case._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def _details(event) -> str:
    changes = event.payload.get("changes") if isinstance(event.payload, dict) else None
    if not changes:
        return ""
    return format_html_join(
        "",
        "<br><small>{}: {} → {}</small>",
        ((_field_name(name), _label(name, old), _label(name, new)) for name, (old, new) in changes.items()),
    )


def render_timeline(events) -> str:
    rows = [
        (
            in_words(event.occurred_at),
            event.get_kind_display(),
            (event.actor.get_full_name() or event.actor.get_username()) if event.actor else _("system"),
            event.text,
            _details(event),
        )
        for event in events
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
