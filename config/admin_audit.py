"""The audit trail in the staff UI: pghistory's events, read-only, for administrators.

Roles live in code (``consulates.access``), not in Django's permission tables, so the events admin
asks the same question as every other administrator-only page.
"""

from pghistory.admin import EventsAdmin

from config.admin_mixins import AdministratorOnlyAdmin


class AuditEventsAdmin(AdministratorOnlyAdmin, EventsAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
