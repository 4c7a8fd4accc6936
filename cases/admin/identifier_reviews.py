"""The identifier reviews: CURPs and A-numbers entered on a record while a person the officer could not
see already held them. Listed for the administrators and the consulate owning that person, read-only,
resolved with the list's actions (through ``services.identifier_review_resolve``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cases import services
from cases.models import IdentifierReview
from cases.models.identifier_review import ReviewResolution
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import can


@admin.register(IdentifierReview)
class IdentifierReviewAdmin(CaseWorkAdmin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "existing_person_link",
        "requesting_consulate",
        "entered_by",
        "attempted_record",
        "status",
        "resolution",
    ]
    list_display_links = ["created_at"]
    list_filter = ["status", "kind"]
    list_select_related = ["existing_person", "requesting_consulate", "requested_by"]
    list_per_page = 50
    show_full_result_count = False
    # The identifier's value is never shown: the person holding it shows it on their own page.
    fields = [
        ("kind", "status"),
        "existing_person_link",
        ("requesting_consulate", "entered_by", "created_at"),
        "attempted_record",
        ("resolution", "resolution_note"),
        ("resolved_by", "resolved_at"),
    ]
    readonly_fields = [
        "kind",
        "status",
        "existing_person_link",
        "requesting_consulate",
        "entered_by",
        "created_at",
        "attempted_record",
        "resolution",
        "resolution_note",
        "resolved_by",
        "resolved_at",
    ]
    actions = ["resolve_duplicate", "resolve_dismissed", "record_identifier"]

    def get_queryset(self, request):
        return IdentifierReview.objects.visible_to(request.user)

    # A role that may not read reviews at all is refused (403) before any record is looked up.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def has_module_permission(self, request):
        return can(request.user, "identifier_review.view")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "identifier_review.view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_resolve_permission(self, request):
        return can(request.user, "identifier_review.resolve")

    def has_record_permission(self, request):
        return can(request.user, "identifier_review.record")

    @admin.display(description=gettext_lazy("person holding it"))
    def existing_person_link(self, obj):
        url = reverse("admin:cases_person_change", args=[obj.existing_person_id])
        return format_html('<a href="{}">{}</a>', url, obj.existing_person.full_name)

    @admin.display(description=gettext_lazy("entered by"))
    def entered_by(self, obj):
        return obj.requested_by.get_full_name() or obj.requested_by.get_username()

    @admin.display(description=gettext_lazy("record it was entered on"))
    def attempted_record(self, obj):
        # Another consulate's record: named by its number only.
        if obj.attempted_person_id is None:
            return "—"
        return _("Record #%(id)s") % {"id": obj.attempted_person_id}

    @admin.display(description=gettext_lazy("record it was entered on"))
    def attempted_record_link(self, obj):
        if obj.attempted_person_id is None:
            return "—"
        url = reverse("admin:cases_person_change", args=[obj.attempted_person_id])
        return format_html('<a href="{}">{}</a>', url, self.attempted_record(obj))

    def _for_administrators(self, request, names):
        """Administrators open the record the identifier was entered on; others read its number."""
        if not can(request.user, "identifier_review.record"):
            return names
        swap = {"attempted_record": "attempted_record_link"}
        return [swap.get(name, name) if isinstance(name, str) else name for name in names]

    def get_list_display(self, request):
        return self._for_administrators(request, super().get_list_display(request))

    def get_fields(self, request, obj=None):
        return self._for_administrators(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._for_administrators(request, super().get_readonly_fields(request, obj))

    def _resolve(self, request, queryset, resolution: str) -> None:
        done = 0
        for review in queryset.order_by("pk"):
            try:
                services.identifier_review_resolve(actor=request.user, review=review, resolution=resolution)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = " ".join(getattr(exc, "messages", [str(exc)]))
                messages.warning(request, f"{review}: {text}")
        if done:
            text = ngettext("%(count)d review resolved.", "%(count)d reviews resolved.", done)
            messages.success(request, text % {"count": done})

    @admin.action(description=ReviewResolution.DUPLICATE.label, permissions=["resolve"])
    def resolve_duplicate(self, request, queryset):
        self._resolve(request, queryset, ReviewResolution.DUPLICATE)

    @admin.action(description=ReviewResolution.DISMISSED.label, permissions=["resolve"])
    def resolve_dismissed(self, request, queryset):
        self._resolve(request, queryset, ReviewResolution.DISMISSED)

    @admin.action(description=gettext_lazy("Record the identifier on the new record"), permissions=["record"])
    def record_identifier(self, request, queryset):
        self._resolve(request, queryset, ReviewResolution.RECORDED)
