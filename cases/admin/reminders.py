"""Reminders in the staff UI: the case page lists its reminders; a list of failed and pending ones
across the network (scoped by ``visible_to``) offers a retry."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import services
from cases.models import Reminder
from cases.models.reminder import ReminderStatus
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import can

CASE_PAGE_LIMIT = 20


def recipient_label(reminder: Reminder) -> str:
    """Who, without the address: the person, the case's officer, the supervisors, a user, a partner."""
    key = reminder.recipient_key
    if key.startswith("person:"):
        return str(_("the person"))
    if key == "case-officer":
        return str(_("the case's officer"))
    if key == "supervisors":
        return str(_("the consulate's supervisors"))
    if key.startswith("partner:") and reminder.partner_id:
        return str(reminder.partner)
    if key.startswith("user:") and reminder.user_id:
        return reminder.user.get_full_name() or reminder.user.get_username()
    return key


def case_page_context(request, case) -> dict:
    reminders = list(
        Reminder.objects.visible_to(request.user)
        .filter(case=case)
        .select_related("user", "partner")
        .order_by("-due_at", "-pk")[:CASE_PAGE_LIMIT]
    )
    for reminder in reminders:
        reminder.recipient_label = recipient_label(reminder)
    return {"case_reminders": reminders}


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("attention", _("Failed or pending")), *ReminderStatus.choices, ("all", _("All"))]

    def choices(self, changelist):
        current = self.value() or "attention"  # the list opens on what needs attention
        for value, label in self.lookup_choices:
            yield {
                "selected": current == str(value),
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        value = self.value() or "attention"
        if value == "all":
            return queryset
        if value == "attention":
            return queryset.filter(status__in=[ReminderStatus.FAILED, ReminderStatus.PENDING])
        return queryset.filter(status=value)


@admin.register(Reminder)
class ReminderAdmin(CaseWorkAdmin, admin.ModelAdmin):
    list_display = ["due_at", "kind", "channel", "case_link", "recipient", "status", "attempts", "last_error"]
    list_filter = [StatusFilter, "kind", "channel"]
    list_select_related = ["case", "user", "partner"]
    ordering = ["-due_at", "-pk"]
    list_per_page = 100
    show_full_result_count = False
    actions = ["retry"]
    search_fields = ["case__reference"]
    search_help_text = _("Case reference.")
    # The row's page: what is sent to whom and how it went, never the outbox's keys and lease.
    fields = [
        "kind",
        "channel",
        "case_link",
        "recipient",
        "due_at",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return Reminder.objects.visible_to(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can(request.user, "reminder.retry"):
            actions.pop("retry", None)
        return actions

    @admin.display(description=_("case"), ordering="case__reference")
    def case_link(self, obj):
        if obj.case_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[obj.case_id]), obj.case.reference
        )

    @admin.display(description=_("recipient"))
    def recipient(self, obj):
        return recipient_label(obj)

    @admin.action(description=_("Send the selected reminders again"))
    def retry(self, request, queryset):
        done = 0
        for reminder in queryset.order_by("pk"):
            try:
                services.reminder_retry(actor=request.user, reminder=reminder)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.warning(request, f"#{reminder.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d reminder will be sent again within a minute.",
                    "%(count)d reminders will be sent again within a minute.",
                    done,
                )
                % {"count": done},
            )
