from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases import services
from cases.admin import case_forms as forms
from cases.admin import crossoffice, handover, reminders, repatriation
from cases.admin.access_logging import AccessLoggedAdminMixin, access_log_link
from cases.admin.base import ServiceAdminMixin, add_service_errors
from cases.admin.case_actions import ACTIONS, available_actions, run_action
from cases.admin.case_inlines import HearingInline, TaskInline
from cases.admin.filters import AssigneeFilter, CustodyFilter, FlagsFilter, MyCasesFilter, OperationFilter
from cases.admin.timeline import render_delay, render_timeline
from cases.models import Case, Person
from cases.models.case import Status
from cases.models.work import HearingStatus
from cases.selectors import case_search_filter
from cases.services.lifecycle import closure_needs_approval
from consulates.admin_mixins import CaseWorkAdmin
from consulates.policy import can, reach
from consulates.zones import time_in_zone
from staffsite.formats import in_words


@admin.register(Case)
class CaseAdmin(AccessLoggedAdminMixin, ServiceAdminMixin, CaseWorkAdmin, admin.ModelAdmin):
    access_label = "case"
    list_display = [
        "reference",
        "person",
        "consulate",
        "category",
        "status",
        "priority",
        "assigned_to",
        "in_custody_flag",
        "last_activity_at",
    ]
    list_select_related = ["person", "consulate", "assigned_to"]
    list_filter = [
        MyCasesFilter,
        "status",
        "category",
        "priority",
        "consulate",
        AssigneeFilter,
        CustodyFilter,
        FlagsFilter,
        OperationFilter,
    ]
    search_fields = ["reference"]  # the real search is get_search_results
    search_help_text = _("Reference, person's name (accents ignored), CURP or A-number.")
    autocomplete_fields = ["person"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["assign_to_me"]
    change_form_template = "admin/cases/case/change_form.html"

    add_fieldsets = [
        (None, {"fields": ["person", "consulate", ("category", "subtype"), "priority", "summary"]}),
        (_("Custody"), {"fields": ["facility", "detained_since"]}),
        (
            _("Consular notification (art. 36)"),
            {
                "fields": [
                    ("arrested_at", "arresting_agency"),
                    "advised_at",
                    ("notification_request", "notification_request_at"),
                    ("consulate_notified_at", "notified_by"),
                    "first_contact_at",
                    "opposes_consular_action",
                    "opposition_note",
                ]
            },
        ),
    ]
    change_fieldsets = [
        (
            None,
            {
                "fields": [
                    ("reference", "status", "version"),
                    "person_panel",
                    ("consulate", "assigned_to"),
                    ("category", "subtype"),
                    "priority",
                    "summary",
                    "closure_panel",
                ]
            },
        ),
        (_("Custody"), {"fields": [("facility", "district"), ("detained_since", "released_on")]}),
        (
            _("Consular notification (art. 36)"),
            {
                "fields": [
                    ("arrested_at", "arresting_agency"),
                    "advised_at",
                    ("notification_request", "notification_request_at"),
                    ("consulate_notified_at", "notified_by"),
                    "first_contact_at",
                    "opposes_consular_action",
                    ("opposition_note", "opposition_recorded_at"),
                    "art36_delays",
                ]
            },
        ),
        (
            _("Removal and repatriation"),
            {
                "fields": [
                    ("expected_removal_date", "expected_removal_time"),
                    "reception_point",
                    ("removal_mode", "removal_carrier", "removal_flight_number"),
                ]
            },
        ),
        (_("Log a note, call or visit"), {"fields": ["note_kind", "note_text", "expected_version"]}),
        (_("Timeline"), {"fields": ["timeline"]}),
    ]
    change_readonly = [
        "reference",
        "status",
        "version",
        "person_panel",
        "consulate",
        "assigned_to",
        "closure_panel",
        "district",
        "art36_delays",
        "opposition_recorded_at",
        "timeline",
    ]

    # Querysets and choices: always what the user may see.

    def get_queryset(self, request):
        return Case.objects.visible_to(request.user)

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.pk, "person_id": obj.person_id}

    def has_change_permission(self, request, obj=None):
        # A closed case is read-only until it is reopened (the reopen action stays on its page);
        # otherwise the page offers a Save that can only fail on its hidden version field.
        return super().has_change_permission(request, obj) and can(request.user, "case.edit", obj)

    def get_search_results(self, request, queryset, search_term):
        return queryset.filter(case_search_filter(search_term)), False

    def get_list_filter(self, request):
        if reach(request.user).network:
            return self.list_filter
        return [f for f in self.list_filter if f != "consulate"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "person":
            # Only persons a case may be opened for (not one merely offered by a pending transfer).
            kwargs["queryset"] = Person.objects.openable_by(request.user)
            kwargs["error_messages"] = {
                "invalid_choice": _(
                    "Choose a person registered by your consulate or with a case of your consulate."
                )
            }
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = forms.CaseChangeForm if obj else forms.CaseAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets
        fieldsets = self.change_fieldsets
        if not self.has_change_permission(request, obj) or obj.status == Status.CLOSED:
            fieldsets = [
                (name, {**options, "fields": _read_only_fields(options["fields"])})
                for name, options in fieldsets
                if options["fields"] != ["note_kind", "note_text", "expected_version"]
            ]
        if not can(request.user, "technical.view"):
            # The record's version number guards concurrent saves (a hidden field does the work).
            fieldsets = [
                (name, {**options, "fields": _without(options["fields"], "version")})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        if obj.status == Status.CLOSED or not self.has_change_permission(request, obj):
            return [
                f for _name, options in self.get_fieldsets(request, obj) for f in _flatten(options["fields"])
            ]
        return self.change_readonly

    def get_inlines(self, request, obj):
        if obj is None:
            return []
        return [
            HearingInline,
            TaskInline,
            *crossoffice.case_inlines(request, obj),
            *repatriation.case_inlines(request, obj),
        ]

    def get_object(self, request, object_id, from_field=None):
        queryset = self.get_queryset(request).select_related(
            "person", "consulate", "assigned_to", "facility__county__consulate", "reception_point"
        )
        try:
            return queryset.get(pk=object_id)
        except (Case.DoesNotExist, ValueError, ValidationError):
            return None

    # Read-only panels of the case page.

    @admin.display(description=_("person"))
    def person_panel(self, obj):
        person = obj.person
        url = reverse("admin:cases_person_change", args=[person.pk])
        flags = ", ".join(person.vulnerabilities) or _("none recorded")
        return format_html(
            '<a href="{}"><strong>{}</strong></a><br>{}: {} · {}: {} · {}: {}<br>{}: {}',
            url,
            person.full_name,
            _("CURP"),
            person.curp or "—",
            _("A-number"),
            person.a_number_display or "—",
            _("born"),
            person.date_of_birth or "—",
            _("vulnerability"),
            flags,
        )

    @admin.display(description=_("subtype"))
    def subtype_label(self, obj):
        return obj.subtype_label or "—"

    @admin.display(description=_("district of the facility"))
    def district(self, obj):
        if not obj.facility_id:
            return "—"
        if obj.facility.county_id is None:
            return _("outside the network")
        district = obj.facility.county.consulate
        if district.pk != obj.consulate_id:
            return format_html(
                '<strong class="errornote-inline">{} ({})</strong>', district, _("another consulate")
            )
        return str(district)

    @admin.display(description=_("art. 36 delays"))
    def art36_delays(self, obj):
        delays = format_html(
            "{}: {}<br>{}: {}<br>{}: {}",
            _("arrest → advised of the right"),
            render_delay(obj.advice_delay),
            _("arrest → notification"),
            render_delay(obj.notification_delay),
            _("notification → first contact"),
            render_delay(obj.contact_delay),
        )
        if obj.art36_contact_overdue:
            return format_html(
                '{}<br><strong class="case-flag case-flag-art36">{}</strong>',
                delays,
                _(
                    "Network's internal target missed (not a treaty deadline): no consular contact 48 hours "
                    "after notification. Contact the person now."
                ),
            )
        return delays

    @admin.display(description=_("closure"))
    def closure_panel(self, obj):
        if obj.status == Status.OPEN or obj.status == Status.IN_PROGRESS:
            if closure_needs_approval(obj):
                return _("Closing this case needs a supervisor's approval (urgent or vulnerable person).")
            return "—"
        return format_html(
            "{}: {} · {}<br>{}",
            _("outcome"),
            obj.get_outcome_display(),
            in_words(obj.closed_at or obj.closure_requested_at),
            obj.outcome_notes,
        )

    @admin.display(description=_("timeline"))
    def timeline(self, obj):
        return render_timeline(obj.events.select_related("actor").order_by("-occurred_at", "-pk")[:200])

    @admin.display(description=_("in custody"), boolean=True)
    def in_custody_flag(self, obj):
        return obj.in_custody

    # Object actions: assign, close, approve, reject, reopen.

    def get_urls(self):
        return [
            path(
                "<path:object_id>/action/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="cases_case_action",
            ),
            *crossoffice.case_urls(self),
            *repatriation.case_urls(self),
            *handover.case_urls(self),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if obj is not None:
            extra_context["case_actions"] = [
                (name, ACTIONS[name][0], reverse("admin:cases_case_action", args=[obj.pk, name]))
                for name in available_actions(request.user, obj)
            ]
            upcoming = obj.hearings.filter(
                status=HearingStatus.SCHEDULED, starts_at__gte=timezone.now()
            ).select_related("court", "case__consulate", "case__facility__county__consulate")
            # On each court's clock, its zone named where it is not the page's ("10:00 (hora del Centro)").
            extra_context["upcoming_hearings"] = [
                (time_in_zone(hearing.starts_at, hearing.zone_name), hearing)
                for hearing in upcoming.order_by("starts_at")[:5]
            ]
            extra_context["open_tasks"] = obj.tasks.filter(done=False).select_related("assignee")[:10]
            extra_context["case_actions"] += [
                *crossoffice.case_object_tools(request, obj),
                *repatriation.case_object_tools(request, obj),
                *handover.case_object_tools(request, obj),
            ]
            extra_context.update(crossoffice.case_page_context(request, obj))
            extra_context.update(repatriation.case_page_context(request, obj))
            extra_context.update(handover.case_page_context(request, obj))
            extra_context.update(reminders.case_page_context(request, obj))
            extra_context["access_log_url"] = access_log_link(request, case=obj.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, object_id, action):
        case = self.get_object(request, object_id)
        if case is None or action not in ACTIONS:
            raise Http404
        if action not in available_actions(request.user, case):
            messages.error(request, _("This action is not available for this case now."))
            return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
        label, form_class, _action = ACTIONS[action]
        form = form_class(request.POST if request.method == "POST" else None, case=case)
        if request.method == "POST" and form.is_valid():
            try:
                case = run_action(action, request.user, case, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("%(action)s: done. The case is now %(status)s.")
                    % {"action": label, "status": case.get_status_display().lower()},
                )
                return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": case,
            "title": f"{label}: {case.reference}",
            "form": form,
            "action_label": label,
            "needs_approval": action == "close" and closure_needs_approval(case),
            "child_case": action == "close" and case.is_child_case,
        }
        return TemplateResponse(request, "admin/cases/case/action.html", context)

    @admin.action(description=_("Assign the selected cases to me"), permissions=["change"])
    def assign_to_me(self, request, queryset):
        done = 0
        for case in queryset.order_by("pk"):
            try:
                services.case_assign(actor=request.user, case=case, assignee=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.warning(
                    request, f"{case.reference}: {' '.join(getattr(exc, 'messages', [str(exc)]))}"
                )
        if done:
            messages.success(request, _("%(count)d cases assigned to you.") % {"count": done})


def _without(fields, name: str) -> list:
    """A fieldset's fields (names, or tuples of names on one line) without ``name``."""
    kept = []
    for item in fields:
        if isinstance(item, tuple | list):
            item = tuple(f for f in item if f != name)
            if item:
                kept.append(item)
        elif item != name:
            kept.append(item)
    return kept


def _read_only_fields(fields):
    """On a read-only page, choice codes without a model ``choices`` show through their label."""
    return [
        tuple(_read_only_fields(item))
        if isinstance(item, list | tuple)
        else ("subtype_label" if item == "subtype" else item)
        for item in fields
    ]


def _flatten(fields):
    for item in fields:
        if isinstance(item, (list, tuple)):
            yield from item
        else:
            yield item
