"""The audit trail in the staff UI: pghistory's events, read-only, for administrators.

Roles live in code (``consulates.access``), not in Django's permission tables, so the events admin
asks the same question as every other administrator-only page.

History rows hold encrypted identifiers and phones as ciphertext (``config.encryption``); the events
admin reads them as JSON, outside the model fields, so the changes column decrypts them for the
administrator. A value under a key no longer configured is shown as such, never as data.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin

from config import encryption
from config.admin_mixins import AdministratorOnlyAdmin


def decrypted(value):
    """``value`` (JSON from an event row) with every encrypted string decrypted."""
    if isinstance(value, dict):
        return {key: decrypted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decrypted(item) for item in value]
    if isinstance(value, str) and value.startswith(encryption.PREFIX + ":"):
        try:
            return encryption.decrypt(value)
        except encryption.DecryptionError:
            return str(_("[encrypted with a key that is not configured]"))
    return value


class AuditEventsAdmin(AdministratorOnlyAdmin, EventsAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_list_display(self, request):
        return ["changes" if name == "pgh_diff" else name for name in super().get_list_display(request)]

    @admin.display(description=_("changes"))
    def changes(self, obj):
        diff = decrypted(obj.pgh_diff)
        if not diff:
            return "—"
        return format_html("<code>{}</code>", diff)
