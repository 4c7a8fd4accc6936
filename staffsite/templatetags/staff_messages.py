"""``{% staff_message message %}``: a message of the staff UI as its reader should see it.

A confirmation about a record whose text is a name carries ``#<id>`` and the tag
``record:<app.model>:<id>`` (``staffsite.admin_messages``): the name never travels in the messages cookie.
Here, while the page is rendered, the record's own text replaces ``#<id>`` for a user whose
``visible_to`` scope holds the record (one query, on the page after a save); anyone else keeps ``#<id>``.
"""

from __future__ import annotations

import re

from django import template
from django.apps import apps
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from staffsite.admin_messages import RECORD_TAG

register = template.Library()


def _record(tags: str, user):
    for tag in (tags or "").split():
        kind, _sep, rest = tag.partition(":")
        if kind != RECORD_TAG:
            continue
        label, _sep, pk = rest.rpartition(":")
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return None, None
        manager = model._default_manager
        if not pk.isdigit() or not hasattr(manager, "visible_to"):
            return None, None
        return f"#{pk}", manager.visible_to(user).filter(pk=int(pk)).first()
    return None, None


@register.simple_tag(takes_context=True)
def staff_message(context, message):
    text = conditional_escape(getattr(message, "message", message))
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return mark_safe(capfirst(text))  # noqa: S308 - escaped above
    label, record = _record(getattr(message, "extra_tags", ""), user)
    if record is not None:
        text = re.sub(rf"(?<![\w#]){re.escape(label)}(?!\d)", escape(str(record)).replace("\\", r"\\"), text)
    return mark_safe(capfirst(text))  # noqa: S308 - escaped above, the record's text escaped here
