"""The case page's inline rows in the staff admin: hearings and tasks, changed through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from cases.admin import case_forms as forms
from cases.admin.base import ServiceInlineMixin
from cases.models import Hearing, Task
from consulates.policy import can
from consulates.zones import time_in_zone


class InlinePermissions:
    """Rows of a case: staff read them; those who work the case's consulate change them while it is
    open (another consulate's supervisor reads a case offered to it by a pending transfer, but cannot
    change it)."""

    def has_view_permission(self, request, obj=None):
        return can(request.user, "staff.enter")

    def has_add_permission(self, request, obj=None):
        return can(request.user, "case.edit", obj)

    def has_change_permission(self, request, obj=None):
        return can(request.user, "case.edit", obj)

    def has_delete_permission(self, request, obj=None):
        return False


class HearingInline(ServiceInlineMixin, InlinePermissions, admin.TabularInline):
    model = Hearing
    form = forms.HearingForm
    extra = 0
    fields = ["kind", "court", "starts_at", "location", "notes", "status", "outcome", "cancel_reason"]
    readonly_fields = ["status"]
    verbose_name_plural = _("hearings")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("court")
        if field is not None:
            courts = [("", field.empty_label), *((court.pk, str(court)) for court in field.queryset)]
            formset.form = type(formset.form.__name__, (formset.form,), {"court_choices": courts})
        return formset

    def get_queryset(self, request):
        # Each row's time is shown on its court's clock (else the place's): their zones come with the rows.
        return (
            super().get_queryset(request).select_related("court", "case__consulate", "case__facility__county")
        )

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # Read only: the time on the court's clock, its zone named where it is not the page's.
        return ["held_at" if f == "starts_at" else f for f in self.fields if f != "cancel_reason"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "held_at"]

    @admin.display(description=_("starts at"))
    def held_at(self, obj):
        return time_in_zone(obj.starts_at, obj.zone_name) if obj.starts_at else "—"


class TaskInline(ServiceInlineMixin, InlinePermissions, admin.TabularInline):
    model = Task
    form = forms.TaskForm
    extra = 0
    fields = ["title", "due_date", "assignee", "done", "completed_at"]
    readonly_fields = ["completed_at"]

    def get_queryset(self, request):
        # A read-only page (manager, closed case) prints each task's assignee: one query, not one per task.
        return super().get_queryset(request).select_related("assignee")
