"""The webhook delivery log: every partner's event webhooks and webhook reminders, for administrators
(``webhook.delivery.view``), per partner, with a retry of the failed ones (``webhook.delivery.retry``).
The rows are the outbox's own (``WebhookDelivery`` is a proxy of ``Reminder``): nothing is kept twice."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cases import services
from cases.models import WebhookDelivery
from cases.models.reminder import EVENT_TYPES, ReminderKind
from consulates.admin_mixins import RecordsAdmin
from consulates.policy import can
from staffsite.admin_records import NameFreeAdminRecordsMixin

# What the log's "event" filter offers: the events, and the two reminders partners receive.
PARTNER_REMINDERS = (ReminderKind.HEARING_PARTNER_2D, ReminderKind.REFERRAL_PARTNER_72H)


class EventFilter(admin.SimpleListFilter):
    title = _("event")
    parameter_name = "event"

    def lookups(self, request, model_admin):
        labels = dict(ReminderKind.choices)
        events = [(kind, f"{labels[kind]} · {EVENT_TYPES[kind]}") for kind in EVENT_TYPES]
        return [*events, *((kind, labels[kind]) for kind in PARTNER_REMINDERS)]

    def queryset(self, request, queryset):
        if self.value() in {*EVENT_TYPES, *PARTNER_REMINDERS}:
            return queryset.filter(kind=self.value())
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RecordsAdmin, NameFreeAdminRecordsMixin, admin.ModelAdmin):
    list_display = [
        "due_at",
        "partner",
        "event",
        "case_link",
        "status",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["partner", EventFilter, "status"]
    # The row's page (read only): what was sent to whom and how it went, never a lease or a subject key.
    fields = [
        "partner",
        "event",
        "case_link",
        "status",
        "attempts",
        "last_error",
        "due_at",
        "sent_at",
        "webhook_id",
    ]
    readonly_fields = fields
    list_select_related = ["case", "partner"]
    ordering = ["-due_at", "-pk"]
    list_per_page = 100
    view_action = "webhook.delivery.view"
    show_full_result_count = False
    actions = ["retry"]

    def get_queryset(self, request):
        return WebhookDelivery.objects.visible_to(request.user)

    def history_view(self, request, object_id, extra_context=None):
        # Refused before the row is looked up (Django looks first, and redirects when it sees nothing).
        if not self.has_view_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not can(request.user, "webhook.delivery.retry"):
            actions.pop("retry", None)
        return actions

    @admin.display(description=_("event"), ordering="kind")
    def event(self, obj):
        """What happened, in the reader's language, and the event type the partner's system receives."""
        if obj.kind in EVENT_TYPES:
            return format_html("{}<br><code>{}</code>", obj.get_kind_display(), EVENT_TYPES[obj.kind])
        return obj.get_kind_display()

    @admin.display(description=_("case"), ordering="case__reference")
    def case_link(self, obj):
        if obj.case_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[obj.case_id]), obj.case.reference
        )

    @admin.display(description="webhook-id")
    def webhook_id(self, obj):
        return f"reminder-{obj.pk}"

    @admin.action(description=_("Send the selected webhooks again"))
    def retry(self, request, queryset):
        done = 0
        for delivery in queryset.order_by("pk"):
            try:
                services.webhook_delivery_retry(actor=request.user, reminder=delivery)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.warning(request, f"#{delivery.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            messages.success(
                request,
                ngettext(
                    "%(count)d webhook will be sent again within a minute.",
                    "%(count)d webhooks will be sent again within a minute.",
                    done,
                )
                % {"count": done},
            )
