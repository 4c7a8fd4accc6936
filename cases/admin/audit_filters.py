"""The audit pages' filters typed by hand (person, case, user, from, until) and the parsing of what is typed
into them: shared by the audit trail and the access log."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.admin import audit_words as words
from cases.models import Case
from consulates.policy import can


class TypedFilter(admin.SimpleListFilter):
    """A sidebar filter with a text box. The admin applies it through ``model_admin.audit_filter``."""

    template = "admin/audit_typed_filter.html"
    input_type = "text"
    placeholder = ""

    def lookups(self, request, model_admin):
        return [(self.value(), self.value())] if self.value() else [("", "")]

    def has_output(self):
        return True

    def choices(self, changelist):
        others = changelist.get_filters_params()
        others.pop(self.parameter_name, None)
        yield {
            "hidden": [(name, value) for name, values in others.items() for value in _as_list(values)],
            "value": self.value() or "",
            "clear": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        return self.model_admin.audit_filter(request, queryset, self.parameter_name, value)

    def __init__(self, request, params, model, model_admin):
        self.model_admin = model_admin
        super().__init__(request, params, model, model_admin)


def _as_list(values):
    return values if isinstance(values, list | tuple) else [values]


class PersonIdFilter(TypedFilter):
    title = _("person (record number)")
    parameter_name = "person"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        if can(request.user, "audit.values"):  # names, for those who may see them
            self.title = _("person (name, CURP, A-number or record number)")


class CaseIdFilter(TypedFilter):
    title = _("case (reference)")
    parameter_name = "case"
    placeholder = "DAL-2026-000123"


class UserFilter(TypedFilter):
    title = _("user (username)")
    parameter_name = "user"


class SinceFilter(TypedFilter):
    title = _("from (date)")
    parameter_name = "since"
    input_type = "date"


class UntilFilter(TypedFilter):
    title = _("until (date, inclusive)")
    parameter_name = "until"
    input_type = "date"


AUDIT_FILTERS = [PersonIdFilter, CaseIdFilter, UserFilter, SinceFilter, UntilFilter]


def parse_id(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise IncorrectLookupParameters(value) from None
    if not 0 < number < 2**63:
        raise IncorrectLookupParameters(value)
    return number


def parse_persons(user, value: str) -> list[int]:
    """A record number, or the persons a name, CURP or A-number matches for those who may see names
    (``[0]`` when none: nothing matches)."""
    if value.isdigit():
        return [parse_id(value)]
    return words.matching_persons(user, value) or [0]


def parse_case(value: str) -> int:
    """A case id, or the id of the case with this reference (0 when there is none: nothing matches)."""
    if value.isdigit():
        return parse_id(value)
    return Case.objects.filter(reference=value.upper()).values_list("pk", flat=True).first() or 0


def parse_user(value: str) -> int:
    from django.contrib.auth import get_user_model

    if value.isdigit():
        return parse_id(value)
    return get_user_model().objects.filter(username=value).values_list("pk", flat=True).first() or 0


def parse_day(value: str, *, end: bool) -> dt.datetime:
    """The start of the day (or of the next day, for an inclusive end) in the current time zone."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise IncorrectLookupParameters(value) from None
    if end:
        day = day + dt.timedelta(days=1) if day < dt.date.max else day
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
