"""The staff UI's lists filter only by what they declare.

Django's admin turns every query parameter of a list's address that names a local field into a lookup
(``?given_names__startswith=J``), JSON keys included: the sidebar's filters are a convenience, not a
limit. A user who may read a list but not every value of its rows (an auditor reading the audit trail,
whose rows hold the records' data as JSON) could recover those values one letter at a time.

So every list accepts exactly the parameters its declared filters read (``list_filter``,
``date_hierarchy``), the links other pages are declared to make into it (``accept_list_links``), and the
parameters Django handles itself (search, sorting, paging, popups). Anything else answers 400 with a page
that says so, before any query runs. Lookups into JSON fields, and into pghistory's ``pgh_data``,
``pgh_diff`` and ``pgh_context``, are refused even where a filter would declare them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.admin import widgets
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.contrib.admin.filters import (
    AllValuesFieldListFilter,
    BooleanFieldListFilter,
    ChoicesFieldListFilter,
    DateFieldListFilter,
    EmptyFieldListFilter,
    FieldListFilter,
    RelatedFieldListFilter,
    SimpleListFilter,
)
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.admin.views.main import ERROR_FLAG, IGNORED_PARAMS, PAGE_VAR
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.constants import LOOKUP_SEP
from django.shortcuts import render
from django.utils.translation import gettext as _

from staffsite.admin_messages import ConfirmationsMixin
from staffsite.admin_search import SEARCH_KEY_VAR

logger = logging.getLogger(__name__)

# Never a lookup, whatever a filter declares: the event's data, its diff and its context.
REFUSED_FIELDS = frozenset({"pgh_data", "pgh_diff", "pgh_context"})

# What Django's list handles itself (search, sorting, paging, popups...), never a lookup.
NOT_LOOKUPS = frozenset({*IGNORED_PARAMS, PAGE_VAR, ERROR_FLAG, SEARCH_KEY_VAR})

_list_links: dict[str, frozenset[str]] = {}


def accept_list_links(model_label: str, parameters: Iterable[str]) -> None:
    """Let the list of ``model_label`` ("app.model") accept ``parameters`` beyond its filters: the
    parameters of the links other pages make into it (a report's figure opening the cases it counts)."""
    label = model_label.lower()
    _list_links[label] = _list_links.get(label, frozenset()) | frozenset(parameters)


def field_filter_parameters(model, path: str, filter_class=None) -> set[str]:
    """The parameters Django's filter of the field at ``path`` reads (its ``expected_parameters()``,
    known without building the filter, which would query its choices)."""
    field = get_fields_from_path(model, path)[-1]
    if filter_class is None:
        filter_class = next(cls for test, cls in FieldListFilter._field_list_filters if test(field))
    if issubclass(filter_class, RelatedFieldListFilter):
        return {f"{path}__{field.target_field.name}__exact", f"{path}__isnull"}
    if issubclass(filter_class, DateFieldListFilter):
        return {f"{path}__gte", f"{path}__lt", *([f"{path}__isnull"] if field.null else [])}
    if issubclass(filter_class, EmptyFieldListFilter):
        return {f"{path}__isempty"}
    if issubclass(filter_class, AllValuesFieldListFilter):
        return {path, f"{path}__isnull"}
    if issubclass(filter_class, BooleanFieldListFilter | ChoicesFieldListFilter):
        return {f"{path}__exact", f"{path}__isnull"}
    return set()  # a filter class unknown here declares nothing: its parameters are refused


def reaches_json(model, lookup: str) -> bool:
    """Does ``lookup`` read a JSON field (or an event's data, diff or context) anywhere along its path?"""
    for part in lookup.split(LOOKUP_SEP):
        if part in REFUSED_FIELDS:
            return True
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if isinstance(field, models.JSONField):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


class DeclaredLookupsOnlyAdmin(ConfirmationsMixin):
    """Mix into every ModelAdmin (before ``admin.ModelAdmin``). Every staff ModelAdmin has it, so it also
    brings the confirmations in words (``staffsite.admin_messages``)."""

    def declared_lookups(self, request) -> frozenset[str]:
        names = set(_list_links.get(self.model._meta.label_lower, ()))
        for item in self.get_list_filter(request):
            if isinstance(item, type) and issubclass(item, SimpleListFilter):
                names.add(item.parameter_name)
            elif isinstance(item, list | tuple):
                names |= field_filter_parameters(self.model, item[0], item[1])
            elif isinstance(item, str):
                names |= field_filter_parameters(self.model, item)
        if self.date_hierarchy:
            names |= {f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")}
        return frozenset(names)

    def lookup_allowed(self, lookup, value, request=None):
        if reaches_json(self.model, lookup):
            return False
        if self._limits_choices(lookup, value):
            return True
        return request is not None and lookup in self.declared_lookups(request)

    def _limits_choices(self, lookup, value) -> bool:
        """A raw-id widget's popup filters the list by the ``limit_choices_to`` of a foreign key to this
        model, written in code (as Django's own ``lookup_allowed`` accepts)."""
        for fk_lookup in self.model._meta.related_fkey_lookups:
            if callable(fk_lookup):
                fk_lookup = fk_lookup()
            if (lookup, value) in widgets.url_params_from_lookup_dict(fk_lookup).items():
                return True
        return False

    def changelist_view(self, request, extra_context=None):
        # Checked first, before a page does any work of its own with its parameters (the audit trail's
        # loads the record named by ``obj``); Django checks again when it builds the list.
        if not self.has_view_or_change_permission(request) or not self._undeclared(request):
            try:
                return super().changelist_view(request, extra_context)
            except DisallowedModelAdminLookup:
                pass
        # The parameters' names are not logged: a hand-typed address may hold anything.
        logger.warning(
            "refused an undeclared filter on the %s list (user %s)",
            self.model._meta.label_lower,
            getattr(request.user, "pk", None),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("This list cannot be filtered that way"),
            "opts": self.model._meta,
            "list_url": request.path,
        }
        return render(request, "admin/undeclared_filter.html", context, status=400)

    def _undeclared(self, request) -> bool:
        return any(
            not self.lookup_allowed(name, value, request)
            for name, values in request.GET.lists()
            if name not in NOT_LOOKUPS
            for value in values
        )
