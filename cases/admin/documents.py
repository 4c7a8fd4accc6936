"""Case documents on the case page: upload through ``document_upload``, list with a download link.

The stored file is never linked by its storage URL (there is no media route): existing documents are
read-only rows whose link goes to the access-checked download view (``cases.views``)."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.admin.base import ServiceInlineMixin
from cases.admin.repatriation_forms import DocumentForm
from cases.models import Document
from consulates.policy import can
from staffsite.formats import in_words


class CaseInlinePermissions:
    """Rows of a case: staff read them; those who work the case's consulate add while it is open."""

    def has_view_permission(self, request, obj=None):
        return can(request.user, "staff.enter")

    def has_add_permission(self, request, obj=None):
        return _may_write(request, obj)

    def has_change_permission(self, request, obj=None):
        return _may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


def _may_write(request, case) -> bool:
    return can(request.user, "case.edit", case)


class DocumentInline(ServiceInlineMixin, CaseInlinePermissions, admin.TabularInline):
    model = Document
    form = DocumentForm
    extra = 0
    fields = [
        "kind",
        "description",
        "upload",
        "original_name",
        "size_label",
        "uploaded",
        "checksum",
        "download",
    ]
    readonly_fields = ["original_name", "size_label", "uploaded", "checksum", "download"]

    def has_change_permission(self, request, obj=None):
        return False  # a document is uploaded, never edited: existing rows are read-only

    def get_fields(self, request, obj=None):
        hidden = set() if self.has_add_permission(request, obj) else {"upload"}
        if not can(request.user, "technical.view"):
            hidden.add("checksum")  # a fingerprint for those who run the system, not for case work
        return [f for f in self.fields if f not in hidden]

    def get_queryset(self, request):
        return Document.objects.visible_to(request.user).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def upload(self, obj):
        """An existing row's file column (new rows have the upload field): the file is fetched from the
        row's download link, never shown here (without this the column read "None")."""
        return "—"

    @admin.display(description=_("size"))
    def size_label(self, obj):
        return filesizeformat(obj.size) if obj.pk else "—"

    @admin.display(description=_("uploaded"))
    def uploaded(self, obj):
        if obj.pk is None:
            return "—"
        who = obj.uploaded_by.get_full_name() or obj.uploaded_by.get_username()
        return f"{in_words(obj.uploaded_at)} · {who}"

    @admin.display(description=_("SHA-256"))
    def checksum(self, obj):
        if obj.pk is None:
            return "—"
        return format_html('<code title="{}">{}…</code>', obj.sha256, obj.sha256[:12])

    @admin.display(description=_("download"))
    def download(self, obj):
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}" download>{}</a>',
            reverse("cases:document_download", args=[obj.pk]),
            gettext("Download"),
        )
