"""List filters that refuse what they do not know.

django-filter ignores a query parameter it has no filter for, so ``?stauts=open`` (a typo) or a filter
a list does not have answers every row the caller may see, as if unfiltered; an export or a sync built
on it would hold more than asked for, and a partner sending ``?search=<name>`` would believe it searched.
``StrictFilterBackend`` answers such a list request 400 with a field error on each unknown parameter.
Known are the list's filters, its paging parameters, ``format`` and what a view lists in
``extra_query_params``.
"""

from __future__ import annotations

import copy

import django_filters
import django_filters.rest_framework
from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings


def _filter_parameters(filterset_class) -> set[str]:
    names = set()
    for name, filter_ in filterset_class.base_filters.items():
        suffixes = getattr(filter_.field_class.widget, "suffixes", None)
        names |= {f"{name}_{suffix}" if suffix else name for suffix in suffixes} if suffixes else {name}
    return names


def _paging_parameters(view) -> set[str]:
    paginator = getattr(view, "paginator", None)
    names = {
        getattr(paginator, attribute, None)
        for attribute in (
            "limit_query_param",
            "offset_query_param",
            "cursor_query_param",
            "page_query_param",
            "page_size_query_param",
        )
    }
    return {name for name in names if name}


def _refuse_unknown(request, known: set[str], message: str) -> None:
    known = {name for name in known if name}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        text = message % {"known": ", ".join(sorted(known)) or "-"}
        raise ValidationError({name: [text] for name in unknown})


class StrictFilterBackend(DjangoFilterBackend):
    """Lists take their filters and paging; a detail action named in the view's ``detail_query_params``
    (``{"retrieve": (), "timeline": ("kind", "since", "until")}``) takes those and its paging only."""

    def filter_queryset(self, request, queryset, view):
        action = getattr(view, "action", None)
        if action == "list":
            filterset_class = self.get_filterset_class(view, queryset)
            known = _paging_parameters(view) | set(getattr(view, "extra_query_params", ()))
            known.add(api_settings.URL_FORMAT_OVERRIDE)
            if filterset_class is not None:
                known |= _filter_parameters(filterset_class)
            _refuse_unknown(request, known, _("Unknown parameter. This list takes: %(known)s."))
        elif action in getattr(view, "detail_query_params", {}):
            known = set(view.detail_query_params[action]) | {api_settings.URL_FORMAT_OVERRIDE}
            if action != "retrieve":
                known |= _paging_parameters(view)
            _refuse_unknown(request, known, _("Unknown parameter. This address takes: %(known)s."))
        if action != "list":
            # A list's filters narrow lists: looking up one record by its id (a detail, an action on it)
            # is not filtered by them (and does not pay for building the list's FilterSet).
            return queryset
        return super().filter_queryset(request, queryset, view)


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """One or more values of a choice (``?status=open&status=in_progress``), without ``DISTINCT``.

    django-filter's ``MultipleChoiceFilter`` adds ``DISTINCT`` by default, for filters that follow a
    to-many relation; on a column of the listed table it only makes PostgreSQL sort every matching row to
    drop duplicates there cannot be. Every list uses this one (``tests/api/test_filters_distinct.py``)."""

    def __init__(self, *args, distinct: bool = False, **kwargs):
        super().__init__(*args, distinct=distinct, **kwargs)


class FilterForm(forms.Form):
    """The form a list's filters are validated with. It is never rendered and its fields are never changed,
    so each request's form shares its class's fields instead of deep-copying them all (with their widgets,
    choices and querysets), as a form that is shown must."""

    def __init__(self, *args, **kwargs):
        base_fields = self.base_fields
        self.base_fields = {}  # Django's __init__ deep-copies these: nothing to copy
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.fields = dict(base_fields)


class FilterSet(django_filters.rest_framework.FilterSet):
    """django-filter's FilterSet, built for less per request: each filter is copied (not deep-copied,
    with everything it references), the form class is made once per FilterSet class, not on every
    request, and its form shares its fields (``FilterForm``). That holds because no filter's form field
    depends on the request (no callable querysets: ``tests/api/test_filters_distinct.py``). Every list's
    FilterSet derives from this one."""

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # django-filter's own __init__, with a copy of each filter instead of a deep copy of them all.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # re-binds its FilterMethod to this copy

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            fields = {name: filter_.field for name, filter_ in self.filters.items()}
            form_class = type(f"{type(self).__name__}Form", (FilterForm,), fields)
            type(self)._form_class = form_class
        return form_class
