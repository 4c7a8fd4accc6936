"""The access log in the staff UI: who read which record, when and from where, for administrators and
auditors. Rows name records by id (each id links to every read of that record) and people by staff
username only: nothing of the records themselves."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.admin.audit_trail import (
    AUDIT_FILTERS,
    AuditorOrAdministratorAdmin,
    parse_case,
    parse_day,
    parse_id,
    parse_user,
)
from cases.models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(AuditorOrAdministratorAdmin, admin.ModelAdmin):
    list_display = [
        "at",
        "username",
        "partner",
        "action",
        "person_link",
        "case_link",
        "document_id",
        "what",
        "ip_address",
    ]
    list_display_links = None
    list_filter = [*AUDIT_FILTERS, "action"]
    list_select_related = ["user", "partner"]
    list_per_page = 100
    show_full_result_count = False

    def has_view_permission(self, request, obj=None):
        # The list is the page; a row has nothing more to show.
        return obj is None and super().has_view_permission(request, obj)

    def audit_filter(self, request, queryset, name, value):
        if name == "person":
            return queryset.filter(person_id=parse_id(value))
        if name == "case":
            return queryset.filter(case_id=parse_case(value))
        if name == "user":
            return queryset.filter(user_id=parse_user(value))
        if name == "since":
            return queryset.filter(at__gte=parse_day(value, end=False))
        if name == "until":
            return queryset.filter(at__lt=parse_day(value, end=True))
        return queryset

    @admin.display(description=_("user"), ordering="user__username")
    def username(self, obj):
        if obj.user_id is None:
            return "—"
        return obj.user.username if obj.user else f"#{obj.user_id}"

    @admin.display(description=_("person"))
    def person_link(self, obj):
        return _filter_link("person", obj.person_id)

    @admin.display(description=_("case"))
    def case_link(self, obj):
        return _filter_link("case", obj.case_id)


def _filter_link(name: str, pk: int | None):
    """An id links to every read of that record (the same page, filtered): useful to administrators and
    auditors alike, and it shows nothing of the record itself."""
    if pk is None:
        return "—"
    return format_html(
        '<a href="{}?{}={}">#{}</a>', reverse("admin:cases_accesslog_changelist"), name, pk, pk
    )
