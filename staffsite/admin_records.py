"""What the staff UI keeps about an admin save names no one.

Django's admin writes ``str(obj)`` into its change log (``django_admin_log.object_repr`` and, for inline
rows, the ``change_message`` JSON) and into the success message, which travels in the messages cookie.
For a person, an emergency contact, an SMS opt-out, a document or a task, ``str(obj)`` is a name, a
phone number or free text. This mixin writes ``#<id>`` instead wherever the model's text is not known to
be free of personal data (the change log shows the model's name beside it, and links to the record).
"""

from __future__ import annotations

import json

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

# Models whose ``__str__`` is a reference, a kind and a date, or ids: safe to keep in logs and messages.
PLAIN_TEXT_MODELS = {
    "cases.case",
    "cases.hearing",
    "cases.reminder",
    "cases.transfer",
    "cases.referral",
    "cases.consent",
    "cases.repatriationhandoff",
    "cases.caseevent",
}


def record_label(obj) -> str:
    """``str(obj)`` where that is known to hold no personal data, else ``#<id>``."""
    if obj._meta.label_lower in PLAIN_TEXT_MODELS:
        return str(obj)
    return f"#{obj.pk}"


def _inline_objects(formsets):
    """The inline rows in the order Django's ``construct_change_message`` lists them."""
    for formset in formsets or []:
        yield from formset.new_objects
        for changed, _fields in formset.changed_objects:
            yield changed
        yield from formset.deleted_objects


class NameFreeAdminRecordsMixin:
    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        inline = iter(_inline_objects(formsets))
        for entry in message:
            for part in entry.values():
                if isinstance(part, dict) and "object" in part:
                    part["object"] = record_label(next(inline))
        return message

    def _log(self, request, objects, action_flag, message=""):
        if isinstance(message, list):
            message = json.dumps(message)
        entries = [
            LogEntry(
                user_id=request.user.pk,
                content_type_id=get_content_type_for_model(obj).pk,
                object_id=obj.pk,
                object_repr=record_label(obj)[:200],
                action_flag=action_flag,
                change_message=message,
            )
            for obj in objects
        ]
        if len(entries) == 1:
            entries[0].save()
            return entries[0]
        return LogEntry.objects.bulk_create(entries)

    def log_addition(self, request, obj, message):
        return self._log(request, [obj], ADDITION, message)

    def log_change(self, request, obj, message):
        return self._log(request, [obj], CHANGE, message)

    def log_deletions(self, request, queryset):
        return self._log(request, list(queryset), DELETION)

    # The success messages ("The person “…” was added successfully.") name the object too.
    def response_add(self, request, obj, post_url_continue=None):
        request._admin_record_text = (str(obj), record_label(obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        request._admin_record_text = (str(obj), record_label(obj))
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        return super().response_delete(request, f"#{obj_id}", obj_id)

    def message_user(self, request, message, *args, **kwargs):
        text, label = getattr(request, "_admin_record_text", ("", ""))
        if text and text != label:
            if isinstance(message, SafeData):  # built with format_html: the name is in it escaped
                message = mark_safe(str(message).replace(escape(text), escape(label)))  # noqa: S308
            else:
                message = str(message).replace(text, label)
        return super().message_user(request, message, *args, **kwargs)
