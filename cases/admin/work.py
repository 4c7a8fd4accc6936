"""Cross-case lists: my tasks, upcoming hearings. Edited on the case page, listed here."""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.models import Hearing, Task
from consulates.admin_mixins import CaseWorkAdmin
from consulates.zones import time_in_zone


class ReadOnlyListAdmin(CaseWorkAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("case"), ordering="case__reference")
    def case_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[obj.case_id]), obj.case.reference
        )


class TaskDueFilter(admin.SimpleListFilter):
    title = _("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("My open tasks")),
            ("mine_due", _("Mine, due today or overdue")),
            ("overdue", _("Overdue")),
            ("open", _("Open")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "mine_due":
            return queryset.filter(assignee=request.user, done=False, due_date__lte=today)
        if self.value() == "mine":
            return queryset.filter(assignee=request.user, done=False)
        if self.value() == "overdue":
            return queryset.filter(done=False, due_date__lt=today)
        if self.value() == "open":
            return queryset.filter(done=False)
        return queryset


@admin.register(Task)
class TaskAdmin(ReadOnlyListAdmin, admin.ModelAdmin):
    list_display = ["title", "case_link", "due_date", "assignee", "done"]
    list_select_related = ["case", "assignee"]
    list_filter = [TaskDueFilter, "done"]
    search_fields = ["title", "case__reference"]
    list_per_page = 50
    fields = ["title", "case_link", "due_date", "assignee", "done", "completed_at", "completed_by_name"]
    readonly_fields = fields

    def get_queryset(self, request):
        return Task.objects.visible_to(request.user)

    @admin.display(description=_("completed by"))
    def completed_by_name(self, obj):
        user = obj.completed_by
        return (user.get_full_name() or user.get_username()) if user else "—"


class UpcomingFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("7", _("Next 7 days")), ("30", _("Next 30 days")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() in ("7", "30"):
            return queryset.filter(
                starts_at__gte=now, starts_at__lt=now + timezone.timedelta(days=int(self.value()))
            )
        if self.value() == "past":
            return queryset.filter(starts_at__lt=now)
        return queryset


class MyHearingsFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("me", _("Hearings of my cases"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(case__assigned_to=request.user)
        return queryset


@admin.register(Hearing)
class HearingAdmin(ReadOnlyListAdmin, admin.ModelAdmin):
    list_display = ["held_at", "kind", "case_link", "location", "status"]
    list_select_related = ["case__consulate", "case__facility__county__consulate", "court"]
    list_filter = [UpcomingFilter, MyHearingsFilter, "status", "kind"]
    search_fields = ["case__reference", "location"]
    date_hierarchy = "starts_at"
    list_per_page = 50

    def get_queryset(self, request):
        return Hearing.objects.visible_to(request.user)

    @admin.display(description=_("starts at"), ordering="starts_at")
    def held_at(self, obj):
        """The court's local time, its zone named where it is not the page's."""
        return time_in_zone(obj.starts_at, obj.zone_name)
