"""Role-based permissions for the staff UI, shared by every app's ModelAdmins.

Django's per-model permission tables are not used for domain models: what a role may do is decided
in code, from ``consulates.access``, so the admin, the API and the reports agree.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from consulates.policy import can
from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin
from staffsite.admin_records import NameFreeAdminRecordsMixin
from staffsite.admin_search import PostedSearchAdminMixin


class ReferenceDataAdmin(DeclaredLookupsOnlyAdmin, PostedSearchAdminMixin):
    """Reference data (network, partners): every staff member reads, administrators edit.

    Rows loaded from ``consulates/data`` keep their sources' own notes, in English and for whoever
    maintains the data (``technical.view``): the ``source`` field, and a loaded row's ``notes`` or
    ``description`` until an administrator rewrites it (the row is then ``curated``)."""

    # Web addresses typed without a scheme are https (Django 6's default, chosen now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    source_fields = ("source",)
    loaded_text_fields = ("notes", "description")

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if can(request.user, "technical.view"):
            return fields
        hidden = set(self.source_fields)
        if obj is None or not getattr(obj, "curated", True):
            hidden |= set(self.loaded_text_fields)
        return [name for name in fields if name not in hidden]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in self.source_fields:
            formfield.label = _("Sources of the loaded data")
            formfield.help_text = _(
                "Internal notes for administrators, as the sources give them (often in English)."
            )
        return formfield

    def has_module_permission(self, request):
        return can(request.user, "reference.view")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.view")

    def has_add_permission(self, request):
        return can(request.user, "reference.manage")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_delete_permission(self, request, obj=None):
        return False


class AdministratorOnlyAdmin(ReferenceDataAdmin):
    def has_module_permission(self, request):
        return can(request.user, "reference.manage")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "reference.manage")

    def has_delete_permission(self, request, obj=None):
        return can(request.user, "reference.manage")


class RecordsAdmin(DeclaredLookupsOnlyAdmin):
    """A record the staff UI only shows (token uses, webhook deliveries): seen by whoever the policy
    action ``view_action`` allows; nobody adds, changes or deletes a row of it from the staff UI."""

    view_action = ""

    def has_module_permission(self, request):
        return can(request.user, self.view_action)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.view_action)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseWorkAdmin(DeclaredLookupsOnlyAdmin, NameFreeAdminRecordsMixin, PostedSearchAdminMixin):
    """Case work: staff read what ``visible_to`` lets them; officers, supervisors and administrators
    write through the services; nothing is deleted from the staff UI. The change log and the success
    messages name no one (``staffsite.admin_records``)."""

    def has_module_permission(self, request):
        return can(request.user, "staff.enter")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "staff.enter")

    def has_add_permission(self, request):
        return can(request.user, "case.work")

    def has_change_permission(self, request, obj=None):
        return can(request.user, "case.work")

    def has_delete_permission(self, request, obj=None):
        return False
