"""The admin's confirmations, as a person would write them: "La persona «Juana Pérez» se registró.",
"El caso «DAL-2026-000123» se actualizó.".

Django's Spanish catalogue writes "El {name} “{obj}” fue agregado", which reads "El persona … fue
agregado" for most of our models (persona, audiencia, canalización, entrega...). ``ConfirmationsMixin``
(part of every staff ModelAdmin through ``DeclaredLookupsOnlyAdmin``) replaces the add, change and delete
confirmations by a sentence whose subject is the record's kind with its article (``SUBJECTS``: "la
persona", "el caso"), in the user's language.

A record whose text is a name (a person, an emergency contact) travels in the messages cookie and the
change log as ``#<id>`` (``staffsite.admin_records``): the confirmation carries the record in its tags
(``record:<app.model>:<id>``), and ``{% staff_message %}`` (``templatetags/staff_messages.py``) shows the
record's own text on the page, to a user who may see that record, never storing it.

A model without a subject here keeps Django's sentence, worded without a gender in our catalogue
("Registro agregado: persona «…»."): listing those messages in ``REWORDED`` keeps ``makemessages`` from
dropping them as obsolete.
"""

from __future__ import annotations

from django.contrib import messages
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext_lazy, pgettext_lazy

REWORDED = (
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    ngettext_lazy(
        "%(count)s %(name)s was changed successfully.", "%(count)s %(name)s were changed successfully.", 1
    ),
)

# Model label -> the record's kind with its article, in the user's language.
SUBJECTS = {
    "auth.user": pgettext_lazy("confirmation subject", "the user"),
    "consulates.consulate": pgettext_lazy("confirmation subject", "the consulate"),
    "consulates.county": pgettext_lazy("confirmation subject", "the county"),
    "consulates.detentionfacility": pgettext_lazy("confirmation subject", "the detention facility"),
    "consulates.receptionpoint": pgettext_lazy("confirmation subject", "the reception point"),
    "consulates.consularpost": pgettext_lazy("confirmation subject", "the Mexican consulate in the US"),
    "consulates.immigrationcourt": pgettext_lazy("confirmation subject", "the court"),
    "consulates.partner": pgettext_lazy("confirmation subject", "the partner organisation"),
    "consulates.staffmembership": pgettext_lazy("confirmation subject", "the staff membership"),
    "consulates.partnermembership": pgettext_lazy("confirmation subject", "the partner membership"),
    "cases.case": pgettext_lazy("confirmation subject", "the case"),
    "cases.person": pgettext_lazy("confirmation subject", "the person"),
    "cases.task": pgettext_lazy("confirmation subject", "the task"),
    "cases.hearing": pgettext_lazy("confirmation subject", "the hearing"),
    "cases.transfer": pgettext_lazy("confirmation subject", "the transfer"),
    "cases.referral": pgettext_lazy("confirmation subject", "the referral"),
    "cases.repatriationhandoff": pgettext_lazy("confirmation subject", "the repatriation hand-off"),
    "cases.identifierreview": pgettext_lazy("confirmation subject", "the identifier review"),
    "cases.reminder": pgettext_lazy("confirmation subject", "the reminder"),
    "api.apitoken": pgettext_lazy("confirmation subject", "the API token"),
    "oauth2_provider.application": pgettext_lazy("confirmation subject", "the staff app"),
    "axes.accessattempt": pgettext_lazy("confirmation subject", "the failed sign-in counter"),
}

ADDED, CHANGED, DELETED = "added", "changed", "deleted"
RECORD_TAG = "record"


def confirmation(label_lower: str, what: str, text, *, url: str | None = None, then: str = ""):
    """The sentence for ``what`` happened to a record of ``label_lower`` shown as ``text`` (linked to
    ``url``), and ``then`` what the page offers next; ``None`` for a model without a subject."""
    subject = SUBJECTS.get(label_lower)
    if subject is None:
        return None
    sentence = {
        ADDED: _("%(subject)s “%(record)s” was registered."),
        CHANGED: _("%(subject)s “%(record)s” was updated."),
        DELETED: _("%(subject)s “%(record)s” was deleted."),
    }[what]
    record = format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)
    # The sentence is ours (no markup): escaping it, then putting the escaped record in, keeps it safe.
    message = format_html(
        sentence.replace("%(subject)s", "{subject}").replace("%(record)s", "{record}"),
        subject=capfirst(str(subject)),
        record=record,
    )
    return format_html("{} {}", message, then) if then else message


def record_tag(obj) -> str:
    return f"{RECORD_TAG}:{obj._meta.label_lower}:{obj.pk}"


class ConfirmationsMixin:
    """A ModelAdmin's add, change and delete confirmations in words (see the module's docstring)."""

    def response_add(self, request, obj, post_url_continue=None):
        request._staff_confirmation = (ADDED, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        request._staff_confirmation = (CHANGED, obj)
        return super().response_change(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        request._staff_confirmation = (DELETED, obj_display)
        return super().response_delete(request, obj_display, obj_id)

    def message_user(self, request, message, level=messages.INFO, extra_tags="", fail_silently=False):
        pending = getattr(request, "_staff_confirmation", None)
        if pending and level == messages.SUCCESS:
            request._staff_confirmation = None
            worded, tags = self._confirmation(request, *pending)
            if worded is not None:
                return super().message_user(
                    request, worded, level, " ".join(filter(None, [extra_tags, tags])), fail_silently
                )
        return super().message_user(request, message, level, extra_tags, fail_silently)

    def _confirmation(self, request, what, obj):
        label_lower = self.model._meta.label_lower
        if what == DELETED:
            return confirmation(label_lower, what, obj), ""
        from staffsite.admin_records import NameFreeAdminRecordsMixin, record_label

        text = record_label(obj) if isinstance(self, NameFreeAdminRecordsMixin) else str(obj)
        tags = record_tag(obj) if text != str(obj) else ""
        try:
            url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        except NoReverseMatch:
            url = None
        then = ""
        if "_continue" in request.POST and self.has_change_permission(request, obj):
            then = _("You may edit it again below.")
        elif "_addanother" in request.POST:
            then = _("You may add another below.")
        return confirmation(label_lower, what, text, url=url, then=then), tags
