"""The Mexican consulates in the US in the staff UI: every staff member reads them (the hand-over form
lists those outside the network), administrators correct them (the loader then keeps the edit)."""

from django.contrib import admin

from consulates.admin.network import CuratedOnSaveMixin
from consulates.admin_mixins import ReferenceDataAdmin
from consulates.models import ConsularPost


@admin.register(ConsularPost)
class ConsularPostAdmin(CuratedOnSaveMixin, ReferenceDataAdmin, admin.ModelAdmin):
    list_display = ["name", "title_confirmed", "city", "state", "kind", "in_network", "consulate", "basis"]
    list_filter = ["in_network", "title_confirmed", "state", "kind", "basis"]
    search_fields = ["name", "city", "state"]
    list_select_related = ["consulate"]
    readonly_fields = ["in_network", "consulate", "curated"]
    fields = [
        ("name", "title_confirmed"),
        ("city", "state"),
        "website",
        "kind",
        "in_network",
        "consulate",
        "basis",
        "source",
        "notes",
        "curated",
    ]
