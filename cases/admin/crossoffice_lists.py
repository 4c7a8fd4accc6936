"""The Transfer and Referral lists (the supervisors' incoming-transfer queue, referrals awaiting an
answer) and their read-only pages, with the decision and lifecycle actions the viewer may take."""

from __future__ import annotations

import re

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases import services
from cases.admin import crossoffice_forms as forms
from cases.admin.crossoffice import (
    REFERRAL_ACTIONS,
    TRANSFER_ACTIONS,
    action_links,
    referral_actions,
    render_action_page,
    run_form,
    transfer_actions,
)
from cases.models import Case, Referral, Transfer
from cases.models.crossoffice import REFERRAL_ANSWER_HOURS, TransferStatus
from cases.selectors import person_search_filter
from cases.selectors.crossoffice import referrals_for_list, transfers_for_list
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import home_consulate

_REFERENCE_LIKE = r"^[A-Za-z]{3}-\d{4}-\d{6}$"


def _search(queryset, term: str):
    """A full case reference finds its rows; anything else searches the person's name or identifiers."""
    term = (term or "").strip()
    if re.match(_REFERENCE_LIKE, term):
        return queryset.filter(case__reference=term.upper())
    return queryset.filter(person_search_filter(term, prefix="case__person__"))


class ReadOnlyCaseWorkAdmin(CaseWorkAdmin, admin.ModelAdmin):
    """Listed and read here, written from the case page or the action pages (through the services)."""

    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        return _search(queryset, search_term), False

    @admin.display(description=gettext_lazy("person"), ordering="case__person__paternal_surname")
    def person_name(self, obj):
        return obj.case.person.full_name

    def _case_link(self, obj, visible: bool):
        if not visible:
            return obj.case.reference
        url = reverse("admin:cases_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.reference)

    def _action_view(self, request, object_id, action, *, labels, available, form, call, done_url):
        obj = self.get_object(request, object_id)
        if obj is None or action not in labels:
            raise Http404
        page_url = reverse(f"admin:cases_{self.model._meta.model_name}_change", args=[obj.pk])
        if action not in available(obj):
            messages.error(request, _("This action is not available now."))
            return HttpResponseRedirect(page_url)
        bound = form(request.POST if request.method == "POST" else None, action=action)
        result = run_form(request, bound, lambda data: call(obj, data))
        if result is not None:
            messages.success(request, _("%(action)s: done.") % {"action": labels[action][0]})
            return HttpResponseRedirect(done_url(obj))
        crumbs = [
            (
                self.model._meta.verbose_name_plural,
                reverse(f"admin:cases_{self.model._meta.model_name}_changelist"),
            ),
            (str(self.row_title(obj)), page_url),
        ]
        return render_action_page(
            request,
            self,
            case=obj.case,
            form=bound,
            label=labels[action][0],
            crumbs=crumbs,
            case_link=self.case_visible(request, obj),
            subject=obj,
        )

    def case_visible(self, request, obj) -> bool:
        return True

    def row_title(self, obj) -> str:
        return obj.case.reference

    def object_actions(self, request, obj) -> list[tuple[str, str, str]]:
        return []

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The read-only page, titled by its case (not the model's id-based ``str``), with the actions
        the viewer may take as buttons in the object-tools bar."""
        obj = self.get_object(request, object_id)
        extra = {"object_actions": [], "object_title": ""}
        if obj is not None:
            extra = {
                "object_actions": self.object_actions(request, obj),
                "object_title": self.row_title(obj),
                "subtitle": self.row_title(obj),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})


# Transfers


class DirectionFilter(admin.SimpleListFilter):
    title = gettext_lazy("direction")
    parameter_name = "direction"

    def lookups(self, request, model_admin):
        return [
            ("incoming", gettext_lazy("Incoming to my consulate")),
            ("outgoing", gettext_lazy("Outgoing from my consulate")),
        ]

    def queryset(self, request, queryset):
        consulate_id = home_consulate(request.user)
        if self.value() == "incoming":
            return queryset.filter(to_consulate_id=consulate_id)
        if self.value() == "outgoing":
            return queryset.filter(from_consulate_id=consulate_id)
        return queryset


class TransferStatusFilter(admin.SimpleListFilter):
    """Pending by default: the list opens as the queue of transfers waiting for a decision."""

    title = gettext_lazy("status")
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*TransferStatus.choices, (self.ALL, gettext_lazy("All"))]

    def value(self):
        return super().value() or TransferStatus.PENDING

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        if self.value() in TransferStatus.values:
            return queryset.filter(status=self.value())
        return queryset.none()

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


@admin.register(Transfer)
class TransferAdmin(ReadOnlyCaseWorkAdmin):
    list_display = [
        "case_link",
        "person_name",
        "from_consulate",
        "to_consulate",
        "short_reason",
        "automatic",
        "requested_by",
        "requested_at",
        "status",
        "age",
    ]
    # The first column links to the case: the transfer's own page opens from its reason (the default
    # link on the first column would wrap the case link in another, leaving an empty, invisible link).
    list_display_links = ["short_reason"]
    list_filter = [DirectionFilter, TransferStatusFilter, "automatic"]
    search_fields = ["case__reference"]  # the real search is get_search_results
    search_help_text = gettext_lazy("Case reference, or the person's name, CURP or A-number.")
    fields = [
        "case_link",
        "person_name",
        ("from_consulate", "to_consulate"),
        "reason",
        "automatic",
        ("status", "age"),
        ("requested_by", "requested_at"),
        ("decided_by", "decided_at"),
        "note",
    ]
    readonly_fields = ["case_link", "person_name", "age"]
    change_form_template = "admin/cases/transfer/change_form.html"
    change_list_template = "admin/cases/transfer/change_list.html"

    def get_queryset(self, request):
        return transfers_for_list(user=request.user)

    def get_list_filter(self, request):
        if home_consulate(request.user):
            return self.list_filter
        return ["from_consulate", "to_consulate", TransferStatusFilter, "automatic"]

    def case_visible(self, request, obj) -> bool:
        return obj.case_visible

    @admin.display(description=gettext_lazy("case"), ordering="case__reference")
    def case_link(self, obj):
        return self._case_link(obj, obj.case_visible)

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, obj):
        return Truncator(obj.reason).chars(80)

    @admin.display(description=gettext_lazy("waiting for"), ordering="-requested_at")
    def age(self, obj):
        if obj.status != TransferStatus.PENDING:
            return "—"
        return timesince(obj.requested_at, depth=1)

    def row_title(self, obj) -> str:
        return f"{obj.case.reference}: {obj.from_consulate} → {obj.to_consulate}"

    def changelist_view(self, request, extra_context=None):
        url = reverse("admin:cases_transfer_changelist")
        queues = []
        if home_consulate(request.user):
            queues = [
                (_("Incoming, awaiting decision"), f"{url}?direction=incoming&status=pending"),
                (_("Outgoing, awaiting decision"), f"{url}?direction=outgoing&status=pending"),
            ]
        return super().changelist_view(request, {**(extra_context or {}), "transfer_queues": queues})

    def object_actions(self, request, obj) -> list[tuple[str, str, str]]:
        return action_links(
            transfer_actions(request.user, obj), TRANSFER_ACTIONS, "admin:cases_transfer_action", obj.pk
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="cases_transfer_action",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, object_id, action):
        user = request.user
        calls = {
            "accept": lambda t, d: services.transfer_accept(actor=user, transfer=t, note=d.get("note", "")),
            "reject": lambda t, d: services.transfer_reject(actor=user, transfer=t, note=d.get("note", "")),
            "cancel": lambda t, d: services.transfer_cancel(actor=user, transfer=t, note=d.get("note", "")),
        }
        return self._action_view(
            request,
            object_id,
            action,
            labels=TRANSFER_ACTIONS,
            available=lambda t: transfer_actions(user, t),
            form=forms.TransferDecisionForm,
            call=lambda t, d: calls[action](t, d),
            done_url=lambda t: self._after_decision(user, t),
        )

    @staticmethod
    def _after_decision(user, transfer) -> str:
        """Back to the case while the user still sees it (it may have left with the transfer)."""
        if Case.objects.visible_to(user).filter(pk=transfer.case_id).exists():
            return reverse("admin:cases_case_change", args=[transfer.case_id])
        return reverse("admin:cases_transfer_changelist")


# Referrals


class AnswerOverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [
            (
                "1",
                gettext_lazy("Awaiting the partner's answer over %(hours)d h")
                % {"hours": REFERRAL_ANSWER_HOURS},
            )
        ]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(pk__in=Referral.objects.awaiting_answer_overdue().values("pk"))
        return queryset


@admin.register(Referral)
class ReferralAdmin(ReadOnlyCaseWorkAdmin):
    list_display = [
        "case_link",
        "person_name",
        "partner",
        "service",
        "status",
        "overdue_flag",
        "referred_by",
        "referred_at",
        "responded_at",
    ]
    list_display_links = ["partner"]  # the first column links to the case (see TransferAdmin)
    list_filter = [AnswerOverdueFilter, "status", ("partner", admin.RelatedOnlyFieldListFilter), "service"]
    search_fields = ["case__reference"]
    search_help_text = gettext_lazy("Case reference, or the person's name, CURP or A-number.")
    fields = [
        "case_link",
        "person_name",
        ("partner", "service"),
        ("status", "overdue_flag"),
        "request_note",
        "consent_scope",
        ("referred_by", "referred_at"),
        ("responded_by", "responded_at"),
        "decline_reason",
        ("completed_at", "outcome_note"),
        ("withdrawn_by", "withdrawn_at"),
        "withdrawal_reason",
    ]
    readonly_fields = ["case_link", "person_name", "overdue_flag", "consent_scope"]
    change_form_template = "admin/cases/referral/change_form.html"

    def get_queryset(self, request):
        return referrals_for_list(user=request.user)

    @admin.display(description=gettext_lazy("case"), ordering="case__reference")
    def case_link(self, obj):
        return self._case_link(obj, True)  # a referral is visible only with its case

    @admin.display(description=gettext_lazy("answer overdue"), boolean=True)
    def overdue_flag(self, obj):
        return obj.answer_overdue

    @admin.display(description=gettext_lazy("data shared"))
    def consent_scope(self, obj):
        scope = ", ".join(obj.consent.scope_labels)
        if obj.consent.withdrawn_at:
            return format_html('{} <strong class="case-flag">({})</strong>', scope, _("consent withdrawn"))
        return scope

    def row_title(self, obj) -> str:
        return f"{obj.case.reference} → {obj.partner}"

    def object_actions(self, request, obj) -> list[tuple[str, str, str]]:
        return action_links(
            referral_actions(request.user, obj, obj.case),
            REFERRAL_ACTIONS,
            "admin:cases_referral_action",
            obj.pk,
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="cases_referral_action",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request, object_id, action):
        user = request.user
        calls = {
            "accept": lambda r, d: services.referral_accept(actor=user, referral=r),
            "decline": lambda r, d: services.referral_decline(
                actor=user, referral=r, reason=d.get("reason", "")
            ),
            "start": lambda r, d: services.referral_start(actor=user, referral=r, note=d.get("note", "")),
            "complete": lambda r, d: services.referral_complete(
                actor=user, referral=r, outcome_note=d.get("outcome_note", "")
            ),
            "withdraw": lambda r, d: services.referral_withdraw(
                actor=user, referral=r, reason=d.get("reason", "")
            ),
        }
        return self._action_view(
            request,
            object_id,
            action,
            labels=REFERRAL_ACTIONS,
            available=lambda r: referral_actions(user, r, r.case),
            form=forms.ReferralAnswerForm,
            call=lambda r, d: calls[action](r, d),
            done_url=lambda r: reverse("admin:cases_case_change", args=[r.case_id]),
        )


__all__ = ["ReferralAdmin", "TransferAdmin"]
