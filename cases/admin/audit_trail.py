"""The audit trail in the staff UI: pghistory's events, read-only, for administrators and auditors.

Roles live in code (``consulates.access``), not in Django's permission tables, so the audit pages ask
the same question as every other page. Both audit pages (this one and the access log) filter by
person, case, user and time range with the filters below (typed ids, a case reference, a username,
dates). An auditor sees who changed what and when, and which fields changed, but never the values:
the values are the records' personal data, which only administrators see.

History rows hold encrypted identifiers and phones as ciphertext (``encryption``); the events
admin reads them as JSON, outside the model fields, so the changes column decrypts them for the
administrator. A value under a key no longer configured is shown as such, never as data.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG, ORDER_VAR, PAGE_VAR
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin
from pghistory.admin.core import (
    EventModelFilter,
    EventsChangeList,
    LabelFilter,
    MethodFilter,
    ModelFilter,
    ObjFilter,
    _get_obj,
)

from audit.events import branch_windowed, known_labels
from cases.admin import audit_words as words
from cases.admin.audit_filters import (
    AUDIT_FILTERS,
    parse_case,
    parse_day,
    parse_persons,
    parse_user,
)
from cases.admin.audit_words import decrypted
from cases.models import Case, Person
from consulates.policy import can
from staffsite.admin_lookups import DeclaredLookupsOnlyAdmin


class AuditorOrAdministratorAdmin(DeclaredLookupsOnlyAdmin):
    """Read-only pages for administrators and auditors. Their lists filter only by their declared filters
    (``staffsite.admin_lookups``): never by a value inside an event's data, diff or context."""

    def has_module_permission(self, request):
        return can(request.user, "audit.view")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "audit.view")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- The events page ------------------------------------------------------------------------------------


class AuditEventsChangeList(EventsChangeList):
    def get_ordering(self, request, queryset):
        """Always newest first (``?o=`` is ignored): a chronological log, and the order that
        ``branch_windowed`` can serve at any size of history. Sorting by event or record type would make
        PostgreSQL compute every event in range first; the filters narrow by those instead."""
        return [*self.model_admin.ordering, "-pgh_slug"]

    def get_queryset(self, request):
        return self.model_admin.list_queryset(request, super().get_queryset(request))

    def get_results(self, request):
        """The names of the page's actors and records, one query per kind (events keep the user id in
        their context, and the case or person in their data)."""
        super().get_results(request)
        rows = list(self.result_list)
        users = words.user_names((row.pgh_context or {}).get("user") for row in rows)
        about = [words.event_case_and_person(row) for row in rows]
        names = words.RecordNames(request.user, (c for c, _p in about), (p for _c, p in about))
        for row in rows:
            user_id = (row.pgh_context or {}).get("user")
            row.actor_name = users.get(user_id, f"#{user_id}") if user_id is not None else "—"
            row.record_text = words.event_record(row, names)
        self.result_list = rows


# Without a person, case, user, record or dates, the page shows the last day: pghistory's events view
# computes each event's data and diff before sorting, so its cost follows the number of events in view
# (~15 µs each: the 5 million history rows a bulk load wrote in one day took 80 s; a normal day's
# thousands, a fraction of a second). Each table's time filter uses its index
# (``cases.history.index_event_times``).
DEFAULT_WINDOW = dt.timedelta(hours=24)
NARROWING_PARAMETERS = {"person", "case", "user", "since", "until", "obj"}
# Pages that ``branch_windowed`` can serve: by dates, history table or record type, and label (a ``?o=`` is
# ignored: the list is always newest first).
WINDOWED_PARAMETERS = {"since", "until", PAGE_VAR, ORDER_VAR, "label", "event_model", "model"}


class KnownEventModelFilter(EventModelFilter):
    """pghistory's history-table filter, for the tables it offers only: any other value would reach
    ``apps.get_model`` and answer 500."""

    def queryset(self, request, queryset):
        if self.value() and self.value() not in {str(value) for value, _title in self.lookup_choices}:
            raise IncorrectLookupParameters(self.value())
        return super().queryset(request, queryset)


TRANSLATED_FILTERS = {
    LabelFilter: words.worded(
        LabelFilter, _("kind of change"), lambda value, label: words.event_words(value)
    ),
    EventModelFilter: words.worded(KnownEventModelFilter, _("history table"), words.history_table),
    MethodFilter: words.worded(
        MethodFilter, _("which changes"), lambda value, label: words.METHODS.get(value, label)
    ),
    ObjFilter: type(ObjFilter.__name__, (ObjFilter,), {"title": _("record")}),
    ModelFilter: words.worded(ModelFilter, _("record type"), lambda value, label: words.model_words(value)),
}


def names_a_record(value: str) -> bool:
    """Does ``obj=<app.model>:<pk>`` name a record that exists (or name no model at all, which pghistory
    ignores)? pghistory loads that record for the page's title, and a missing one answered 500."""
    record = _get_obj(value)
    if record is None:
        return True
    try:
        return type(record)._base_manager.filter(pk=record.pk).exists()
    except (ValueError, TypeError, ValidationError):
        return False


class RecordCheckedEventsAdmin(EventsAdmin):
    """pghistory's events admin, answering an ``obj`` that names no record like any bad filter value
    (Django's "?e=1" page) instead of a 500. Below ``DeclaredLookupsOnlyAdmin``: undeclared parameters
    are refused first."""

    def changelist_view(self, request, extra_context=None):
        if not names_a_record(request.GET.get("obj") or ""):
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)


def _event_title(event) -> str:
    return f"{words.model_words(event.pgh_obj_model)} · {words.event_words(event.pgh_label)}"


class AuditEventsAdmin(AuditorOrAdministratorAdmin, RecordCheckedEventsAdmin):
    list_per_page = 50
    show_full_result_count = False
    # Newest first; within one table the same order as ``branch_windowed`` keeps (the admin adds the
    # slug last, which only separates equal ids of different tables).
    ordering = ["-pgh_created_at", "-pgh_id"]
    sortable_by = ()  # no column headers to sort by: see ``AuditEventsChangeList.get_ordering``

    @staticmethod
    def shows_default_window(request) -> bool:
        return not any((request.GET.get(name) or "").strip() for name in NARROWING_PARAMETERS)

    def list_queryset(self, request, queryset):
        """The list's rows (not an event page's): the last day by default, and for a page by time, table
        and label alone each history table's newest rows only (``branch_windowed``)."""
        since = until = None
        if self.shows_default_window(request):
            since = timezone.now() - DEFAULT_WINDOW
            queryset = queryset.filter(pgh_created_at__gte=since)
        label = request.GET.get("label") or None
        if set(request.GET) <= WINDOWED_PARAMETERS and (label is None or label in known_labels()):
            try:
                since = parse_day(request.GET["since"], end=False) if request.GET.get("since") else since
                until = parse_day(request.GET["until"], end=True) if request.GET.get("until") else None
                page = max(int(request.GET.get(PAGE_VAR, 1)), 1)
            except (IncorrectLookupParameters, ValueError):
                return queryset  # the changelist reports the bad value itself
            rows = page * self.list_per_page + 1
            queryset = branch_windowed(queryset, since=since, until=until, rows=rows, label=label)
        return queryset

    def get_changelist(self, request, **kwargs):
        return AuditEventsChangeList

    def get_list_filter(self, request):
        return [*AUDIT_FILTERS, *(TRANSLATED_FILTERS.get(f, f) for f in super().get_list_filter(request))]

    def get_list_display(self, request):
        columns = ["when", "event", "record_type", "record", "changed_fields"]
        if can(request.user, "audit.values"):
            columns.append("changes")  # the values themselves, decrypted: personal data, administrators only
        return [*columns, "actor", "page"]

    def get_list_display_links(self, request, list_display):
        # The event's page shows every value of the row: administrators only.
        return ["when"] if can(request.user, "audit.values") else None

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return can(request.user, "audit.values")
        return super().has_view_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and context.get("subtitle") and not can(request.user, "audit.values"):
            # pghistory titles an ``?obj=`` page with the record's own name (a person's full name): an
            # auditor gets the model and id instead.
            context["subtitle"] = request.GET.get("obj") or request.GET.get("model") or ""
        if context is not None and self.shows_default_window(request):
            context["subtitle"] = _(
                "The last 24 hours. Choose a person, a case, a user or dates to see other events."
            )
        return response

    # pghistory's own column names ("pgh created at") and filter titles are English only.
    @admin.display(description=_("when"))
    def when(self, obj):
        return words.when_with_zone(obj.pgh_created_at)

    @admin.display(description=_("what happened"))
    def event(self, obj):
        return words.event_words(obj.pgh_label)

    @admin.display(description=_("record type"))
    def record_type(self, obj):
        return words.model_words(obj.pgh_obj_model)

    @admin.display(description=_("record"))
    def record(self, obj):
        return getattr(obj, "record_text", None) or f"#{obj.pgh_obj_id}"

    @admin.display(description=_("changes"))
    def changes(self, obj):
        return words.changes_words(obj.pgh_obj_model, decrypted(obj.pgh_diff))

    @admin.display(description=_("changed fields"))
    def changed_fields(self, obj):
        return words.field_words(obj.pgh_obj_model, obj.pgh_diff or {})

    @admin.display(description=_("who"))
    def actor(self, obj):
        if hasattr(obj, "actor_name"):
            return obj.actor_name
        user_id = (obj.pgh_context or {}).get("user")  # an event's own page: its one user
        return words.user_names([user_id]).get(user_id, "—") if user_id is not None else "—"

    @admin.display(description=_("page"))
    def page(self, obj):
        return obj.url or "—"

    @admin.display(description=_("the record as it was saved"))
    def data(self, obj):
        return words.values_words(obj.pgh_obj_model, decrypted(obj.pgh_data or {}))

    # An event's own page (administrators): the same words as the list, and the record as it was saved.
    DETAIL = ["when", "event", "record_type", "record", "actor", "page", "changes", "data"]

    def get_fields(self, request, obj=None):
        return self.DETAIL

    def get_readonly_fields(self, request, obj=None):
        return self.DETAIL

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return words.titled_by(super().change_view(request, object_id, form_url, extra_context), _event_title)

    def history_view(self, request, object_id, extra_context=None):
        return words.titled_by(super().history_view(request, object_id, extra_context), _event_title)

    def audit_filter(self, request, queryset, name, value):
        if name == "person":
            return queryset.references(*(Person(pk=pk) for pk in parse_persons(request.user, value)))
        if name == "case":
            return queryset.references(Case(pk=parse_case(value)))
        if name == "user":
            return queryset.filter(pgh_context__user=parse_user(value))
        if name == "since":
            return queryset.filter(pgh_created_at__gte=parse_day(value, end=False))
        if name == "until":
            return queryset.filter(pgh_created_at__lt=parse_day(value, end=True))
        return queryset
