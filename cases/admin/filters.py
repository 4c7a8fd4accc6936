"""List filters of the staff case list."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Operation
from cases.models.case import Status
from cases.reports.common import operation_title
from cases.selectors import assignable_users
from consulates.policy import holders, home_consulate


class MyCasesFilter(admin.SimpleListFilter):
    title = _("assignment")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("me", _("My cases")), ("me_open", _("My open cases")), ("none", _("Unassigned"))]

    def queryset(self, request, queryset):
        if self.value() == "me_open":
            return queryset.filter(assigned_to=request.user).exclude(status=Status.CLOSED)
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "none":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    """Only the officers the user may see are offered."""

    title = _("assigned officer")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        own = home_consulate(request.user)
        users = assignable_users(own) if own else holders("case.assignee")
        return [
            (str(u.pk), u.get_full_name() or u.get_username())
            for u in users.order_by("first_name", "username")
        ]

    def queryset(self, request, queryset):
        if self.value():
            # A value that is no officer's (edited by hand) lists nothing.
            return queryset.filter(assigned_to_id=self.value()) if self.value().isdigit() else queryset.none()
        return queryset


class CustodyFilter(admin.SimpleListFilter):
    title = _("custody")
    parameter_name = "custody"

    def lookups(self, request, model_admin):
        return [("in", _("In custody")), ("out", _("Not in custody"))]

    def queryset(self, request, queryset):
        in_custody = Q(facility__isnull=False, released_on__isnull=True)
        if self.value() == "in":
            return queryset.filter(in_custody)
        if self.value() == "out":
            return queryset.exclude(in_custody)
        return queryset


class FlagsFilter(admin.SimpleListFilter):
    """The cases that need attention now: no consular contact 48 hours after the art. 36 notification (the
    network's internal target, ``Case.objects.art36_contact_overdue``)."""

    title = _("needs attention")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return [("art36", _("Network's internal target: no consular contact 48 h after notification"))]

    def queryset(self, request, queryset):
        if self.value() == "art36":
            return queryset.filter(pk__in=Case.objects.art36_contact_overdue().values("pk"))
        return queryset


class OperationFilter(admin.SimpleListFilter):
    """The cases of one enforcement operation (the reports' links carry it when an operation is
    chosen). Offered: the user's most recent operations, and the one chosen."""

    title = _("operation")
    parameter_name = "operation__id__exact"
    OFFERED = 15

    def lookups(self, request, model_admin):
        visible = Operation.objects.visible_to(request.user).select_related("consulate")
        offered = list(visible.order_by("-date", "-pk")[: self.OFFERED])
        chosen = self.value()
        if chosen and chosen.isdigit() and all(str(o.pk) != chosen for o in offered):
            offered += list(visible.filter(pk=chosen))
        return [(str(o.pk), operation_title(o)) for o in offered]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(operation_id=value) if value.isdigit() else queryset.none()
