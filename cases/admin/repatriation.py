"""Staff UI for the repatriation hand-off and the belongings the facility held.

On the case page: a hand-off panel, object tools (prepare, edit, confirm reception, print), the
belongings inline and the documents inline (``cases.admin.documents``). Beside it: the hand-off
form pages, the printable sheet (always in Spanish) and a read-only list of hand-offs with the
"unconfirmed 48 hours after removal" filter. Every write goes through ``cases.services.repatriation``.
"""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cases.access import AccessAction, record_access
from cases.admin import repatriation_forms as forms
from cases.admin.base import ServiceInlineMixin
from cases.admin.documents import CaseInlinePermissions, DocumentInline
from cases.models import Belonging, Case, RepatriationHandoff
from cases.models.removal import removal_means_text, removal_when_text
from cases.selectors.repatriation import case_handoff, handoff_sheet, handoffs_list, removal_warnings
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import can, reach
from staffsite.formats import in_words


def may_work(user, case: Case) -> bool:
    return can(user, "case.edit", case)


def may_confirm(user, case: Case) -> bool:
    """Reception in Mexico may be confirmed even after the case was closed (often it is closed as
    repatriated before the reception point answers): the case's own consulate, closed or not."""
    return can(user, "handoff.confirm", case)


def missing_for_handoff(case: Case) -> list[str]:
    """What the case still lacks before a hand-off can be prepared, in words for the page."""
    missing = []
    if not case.expected_removal_date:
        missing.append(gettext("the expected removal date"))
    if not case.reception_point_id:
        missing.append(gettext("the reception point"))
    return missing


def due_at_point(handoff: RepatriationHandoff) -> str:
    """The confirmation deadline in the reception point's zone, with the place named, where that zone
    differs from the consulate's (whose time the rest of the page shows); empty otherwise."""
    due = handoff.confirmation_due_at().astimezone(handoff.confirmation_zone())
    at_consulate = due.astimezone(zoneinfo.ZoneInfo(handoff.case.consulate.timezone))
    if due.utcoffset() == at_consulate.utcoffset():
        return ""  # the same clock (Nuevo Laredo and Laredo): nothing to tell apart
    return gettext("%(when)s, %(place)s time") % {
        "when": date_format(due, "DATETIME_FORMAT"),
        "place": handoff.reception_point.mx_city,
    }


def handoff_state(handoff: RepatriationHandoff | None) -> str:
    if handoff is None:
        return "none"
    return "confirmed" if handoff.confirmed_at else "prepared"


# --- Case page hooks --------------------------------------------------------------------------------


def removal_plan(case: Case) -> dict:
    """The case's removal in words: when (on the reception point's clock, the place named) and how."""
    return {
        "when": removal_when_text(
            case.expected_removal_date,
            case.expected_removal_time,
            case.reception_point,
            case.consulate.timezone,
        ),
        "means": removal_means_text(case.removal_mode, case.removal_carrier, case.removal_flight_number),
    }


def case_page_context(request, case) -> dict:
    handoff = case_handoff(user=request.user, case=case)
    return {
        "repatriation": {
            "handoff": handoff,
            "plan": removal_plan(case),
            "warnings": removal_warnings(user=request.user, case=case),
            "state": handoff_state(handoff),
            "overdue": bool(handoff and handoff.confirmation_overdue),
            "due_at": handoff.confirmation_due_at() if handoff else None,
            "due_at_point": due_at_point(handoff) if handoff else "",
            "missing": missing_for_handoff(case),
            "can_work": may_work(request.user, case),
        }
    }


def case_object_tools(request, case) -> list[tuple[str, str, str]]:
    handoff = (
        RepatriationHandoff.objects.visible_to(request.user).filter(case=case).only("confirmed_at").first()
    )
    tools = []
    if may_work(request.user, case):
        if handoff is None and not missing_for_handoff(case):
            tools.append(("handoff_prepare", _("Prepare hand-off"), _url("handoff", case)))
        elif handoff is not None and handoff.confirmed_at is None:
            tools.append(("handoff_edit", _("Edit hand-off"), _url("handoff", case)))
    if handoff is not None and handoff.confirmed_at is None and may_confirm(request.user, case):
        tools.append(("handoff_confirm", _("Confirm reception"), _url("handoff_confirm", case)))
    if handoff is not None:
        tools.append(("handoff_print", _("Print hand-off sheet"), _url("handoff_print", case)))
    return tools


def case_urls(model_admin) -> list:
    def view(function):
        def wrapped(request, object_id):
            return function(model_admin, request, object_id)

        wrapped.__name__ = function.__name__
        return model_admin.admin_site.admin_view(wrapped)

    return [
        path("<path:object_id>/handoff/", view(handoff_form_view), name="cases_case_handoff"),
        path(
            "<path:object_id>/handoff/confirm/", view(handoff_confirm_view), name="cases_case_handoff_confirm"
        ),
        path("<path:object_id>/handoff/print/", view(handoff_print_view), name="cases_case_handoff_print"),
    ]


def case_inlines(request, case) -> list:
    return [BelongingInline, DocumentInline]


def _url(name: str, case: Case) -> str:
    return reverse(f"admin:cases_case_{name}", args=[case.pk])


def _back_to_case(request, case: Case, message) -> HttpResponseRedirect:
    messages.error(request, message)
    return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))


# --- Hand-off pages ---------------------------------------------------------------------------------


def _case_or_404(model_admin, request, object_id) -> Case:
    case = model_admin.get_object(request, object_id)
    if case is None:
        raise Http404
    return case


def _page(model_admin, request, case, *, title, form, template, **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": case,
        "title": f"{title}: {case.reference}",
        "action_label": title,
        "form": form,
        **extra,
    }
    return TemplateResponse(request, f"admin/cases/repatriationhandoff/{template}", context)


def handoff_form_view(model_admin, request, object_id):
    """Prepare the hand-off, or edit it until the reception is confirmed."""
    case = _case_or_404(model_admin, request, object_id)
    if not may_work(request.user, case):
        return _back_to_case(request, case, _("This action is not available for this case now."))
    handoff = case_handoff(user=request.user, case=case)
    if handoff is None and missing_for_handoff(case):
        return _back_to_case(
            request,
            case,
            _("Record %(missing)s on the case before preparing the hand-off.")
            % {"missing": gettext(" and ").join(missing_for_handoff(case))},
        )
    if handoff is not None and handoff.confirmed_at is not None:
        return _back_to_case(
            request, case, _("The reception was already confirmed; the hand-off can no longer change.")
        )
    warnings = removal_warnings(user=request.user, case=case)
    form = forms.HandoffForm(
        request.POST if request.method == "POST" else None,
        instance=handoff,
        request=request,
        case=case,
        unseen_warnings=[w for w in warnings if w.ack is None],
    )
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Hand-off saved.") if handoff else _("Hand-off prepared."))
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
    title = _("Edit hand-off") if handoff else _("Prepare hand-off")
    return _page(
        model_admin,
        request,
        case,
        title=title,
        form=form,
        template="handoff_form.html",
        warnings=warnings,
        plan=removal_plan(case),
    )


def handoff_confirm_view(model_admin, request, object_id):
    case = _case_or_404(model_admin, request, object_id)
    handoff = case_handoff(user=request.user, case=case)
    if not may_confirm(request.user, case) or handoff is None:
        return _back_to_case(request, case, _("This action is not available for this case now."))
    if handoff.confirmed_at is not None:
        return _back_to_case(request, case, _("The reception was already confirmed."))
    form = forms.ConfirmReceptionForm(
        request.POST if request.method == "POST" else None, request=request, handoff=handoff
    )
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Reception in Mexico confirmed."))
        return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
    return _page(
        model_admin,
        request,
        case,
        title=_("Confirm reception"),
        form=form,
        template="confirm.html",
        handoff=handoff,
    )


def handoff_print_view(model_admin, request, object_id):
    """The sheet for the reception point: standalone HTML for printing, always in Spanish."""
    sheet = handoff_sheet(user=request.user, case_pk=_case_or_404(model_admin, request, object_id).pk)
    if sheet is None:
        raise Http404
    record_access(
        request,
        AccessAction.VIEW,
        case_id=sheet["case"].pk,
        person_id=sheet["case"].person_id,
        what="admin: hand-off sheet",
    )
    with translation.override("es"):
        context = {**sheet, "printed_at": timezone.now(), "back_url": _url("change", sheet["case"])}
        response = render(request, "cases/handoff_sheet.html", context)
    response["Content-Language"] = "es"
    response["Cache-Control"] = "no-store"
    return response


# --- Belongings inline ------------------------------------------------------------------------------


class BelongingInline(ServiceInlineMixin, CaseInlinePermissions, admin.TabularInline):
    model = Belonging
    form = forms.BelongingForm
    extra = 0
    fields = ["kind", "description", "amount", "status", "resolve", "resolution_note", "resolution_info"]
    readonly_fields = ["status", "resolution_info"]
    verbose_name = _("belonging held by the facility")
    verbose_name_plural = _("belongings held by the facility")

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        return [f for f in self.fields if f != "resolve"]

    def get_queryset(self, request):
        return Belonging.objects.visible_to(request.user).select_related("recorded_by", "resolved_by")

    @admin.display(description=_("recorded / marked"))
    def resolution_info(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        recorded = format_html(
            "{} · {}",
            _when(obj.recorded_at),
            obj.recorded_by.get_full_name() or obj.recorded_by.get_username(),
        )
        if obj.resolved_at is None:
            return recorded
        return format_html(
            "{}<br>{} · {}",
            recorded,
            _when(obj.resolved_at),
            obj.resolved_by.get_full_name() or obj.resolved_by.get_username(),
        )


def _when(value) -> str:
    return in_words(value)


# --- The list of hand-offs --------------------------------------------------------------------------


class HandoffConfirmationFilter(admin.SimpleListFilter):
    title = _("reception")
    parameter_name = "reception"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Unconfirmed 48 h after removal")),
            ("pending", _("Awaiting confirmation")),
            ("confirmed", _("Confirmed")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.unconfirmed_overdue()
        if self.value() == "pending":
            return queryset.filter(confirmed_at__isnull=True)
        if self.value() == "confirmed":
            return queryset.filter(confirmed_at__isnull=False)
        return queryset


@admin.register(RepatriationHandoff)
class RepatriationHandoffAdmin(CaseWorkAdmin, admin.ModelAdmin):
    """Read-only: hand-offs are prepared, edited and confirmed from their case's page."""

    list_display = [
        "case_link",
        "person",
        "consulate",
        "removal_date",
        "reception_point",
        "reception_status",
        "prepared_by",
        "print_link",
    ]
    # The first column links to the case: the hand-off's page opens from its removal date (the default
    # link on the first column would wrap the case link in another, leaving an empty, invisible link).
    list_display_links = ["removal_date"]
    list_select_related = ["case__person", "case__consulate", "reception_point", "prepared_by"]
    list_filter = [HandoffConfirmationFilter, "case__consulate"]
    search_fields = ["case__reference"]
    list_per_page = 50
    show_full_result_count = False
    fields = [
        "case_link",
        "removal_date",
        "reception_point",
        "reception_status",
        "medical_needs",
        "medication",
        "disability",
        "minors_travelling",
        "minors_details",
        "needs_shelter",
        "needs_transport_home",
        "destination",
        "documents_held_list",
        "documents_missing_list",
        "family_contact_name",
        "family_contact_phone",
        "family_contact_relationship",
        "belongings_notes",
        "notes",
        "prepared_by",
        "prepared_at",
        "received_by_name",
        "confirmed_at",
        "confirmation_notes",
        "confirmation_recorded_by",
        "print_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return handoffs_list(user=request.user)

    def get_list_filter(self, request):
        if reach(request.user).network:
            return self.list_filter
        return [f for f in self.list_filter if f != "case__consulate"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("case"), ordering="case__reference")
    def case_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:cases_case_change", args=[obj.case_id]), obj.case.reference
        )

    @admin.display(description=_("person"))
    def person(self, obj):
        return obj.case.person.full_name

    @admin.display(description=_("consulate"), ordering="case__consulate")
    def consulate(self, obj):
        return obj.case.consulate.city

    @admin.display(description=_("reception"))
    def reception_status(self, obj):
        if obj.confirmed_at:
            return format_html(
                "{} {} · {}", gettext("Confirmed"), _when(obj.confirmed_at), obj.received_by_name
            )
        if obj.confirmation_overdue:
            return format_html(
                '<strong class="case-flag case-flag-handoff">{}</strong>',
                gettext("Unconfirmed 48 h after removal"),
            )
        return gettext("Awaiting confirmation")

    @admin.display(description=_("documents the person has"))
    def documents_held_list(self, obj):
        return ", ".join(obj.documents_held_labels) or "—"

    @admin.display(description=_("documents to issue on arrival"))
    def documents_missing_list(self, obj):
        return ", ".join(obj.documents_missing_labels) or "—"

    @admin.display(description=_("hand-off sheet"))
    def print_link(self, obj):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            _url("handoff_print", obj.case),
            gettext("Print"),
        )
