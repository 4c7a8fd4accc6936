"""The access log in the staff UI: who read which record, when and from where, for administrators and
auditors. Rows name staff by name and username, cases by reference, and persons by their record number,
or by name for those who may see the values (``audit.values``); each record links to every read of it."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cases.admin import audit_words as words
from cases.admin.audit_filters import AUDIT_FILTERS, parse_case, parse_day, parse_persons, parse_user
from cases.admin.audit_trail import AuditorOrAdministratorAdmin
from cases.models import AccessLog


class AccessLogChangeList(ChangeList):
    def get_results(self, request):
        """The page's cases and persons named in one query each."""
        super().get_results(request)
        rows = list(self.result_list)
        names = words.RecordNames(
            request.user, (row.case_id for row in rows), (row.person_id for row in rows)
        )
        for row in rows:
            row.record_names = names
        self.result_list = rows


@admin.register(AccessLog)
class AccessLogAdmin(AuditorOrAdministratorAdmin, admin.ModelAdmin):
    list_display = [
        "when",
        "username",
        "partner",
        "action",
        "person_link",
        "case_link",
        "document_id",
        "resource",
        "ip_address",
    ]
    list_display_links = None
    list_filter = [*AUDIT_FILTERS, "action"]
    list_select_related = ["user", "partner"]
    list_per_page = 100
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return AccessLogChangeList

    def has_view_permission(self, request, obj=None):
        # The list is the page; a row has nothing more to show.
        return obj is None and super().has_view_permission(request, obj)

    def audit_filter(self, request, queryset, name, value):
        if name == "person":
            return queryset.filter(person_id__in=parse_persons(request.user, value))
        if name == "case":
            return queryset.filter(case_id=parse_case(value))
        if name == "user":
            return queryset.filter(user_id=parse_user(value))
        if name == "since":
            return queryset.filter(at__gte=parse_day(value, end=False))
        if name == "until":
            return queryset.filter(at__lt=parse_day(value, end=True))
        return queryset

    @admin.display(description=_("when"), ordering="at")
    def when(self, obj):
        return words.when_with_zone(obj.at)

    @admin.display(description=_("who"), ordering="user__username")
    def username(self, obj):
        if obj.user_id is None:
            return "—"
        if obj.user is None:
            return f"#{obj.user_id}"
        return words.user_words(obj.user.username, obj.user.first_name, obj.user.last_name)

    @admin.display(description=_("person"))
    def person_link(self, obj):
        if obj.person_id is None:
            return "—"
        return _filter_link("person", obj.person_id, obj.record_names.person(obj.person_id))

    @admin.display(description=_("case"))
    def case_link(self, obj):
        if obj.case_id is None:
            return "—"
        reference = obj.record_names.references.get(obj.case_id)
        return _filter_link("case", reference or obj.case_id, reference or f"#{obj.case_id}")

    @admin.display(description=_("what was read"))
    def resource(self, obj):
        return words.resource_words(obj.what)


def _filter_link(name: str, value, text: str):
    """A record links to every read of it (the same page, filtered)."""
    return words.record_link(reverse("admin:cases_accesslog_changelist"), name, value, text)
