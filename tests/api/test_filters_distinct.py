"""No list query says ``DISTINCT`` unless it must: every filter of every API list filters columns of the
listed table or through a sub-query, so none of them may make PostgreSQL sort the whole result to drop
duplicates that cannot exist (django-filter's ``MultipleChoiceFilter`` does by default)."""

from __future__ import annotations

import importlib
import pkgutil

import django_filters
import pytest

import cases.api
import consulates.api

# Filters that follow a to-many relation and so need DISTINCT, with the reason: none today.
NEEDS_DISTINCT: dict[str, str] = {}


def _filtersets() -> set[type]:
    for package in (cases.api, consulates.api):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    found, stack = set(), [django_filters.FilterSet]
    while stack:
        for subclass in stack.pop().__subclasses__():
            stack.append(subclass)
            if subclass.__module__.startswith(("cases.", "consulates.", "api.")):
                found.add(subclass)
    return found


def test_no_filter_of_any_list_adds_distinct():
    filtersets = _filtersets()
    assert len(filtersets) >= 8  # the walk found the API's filter sets
    offenders = [
        f"{filterset.__module__}.{filterset.__name__}.{name}"
        for filterset in filtersets
        for name, filter_ in filterset.base_filters.items()
        if filter_.distinct and f"{filterset.__name__}.{name}" not in NEEDS_DISTINCT
    ]
    assert not offenders, offenders


@pytest.mark.django_db
def test_the_case_list_query_has_no_distinct():
    from rest_framework.test import APIRequestFactory

    from cases.api.case_filters import CaseFilter
    from cases.models import Case

    request = APIRequestFactory().get(
        "/api/v1/cases/", {"status": ["open", "in_progress"], "priority": "high"}
    )
    queryset = CaseFilter(request.GET, queryset=Case.objects.all(), request=request).qs
    assert "DISTINCT" not in str(queryset.query).upper()
    assert "priority" in str(queryset.query)


def test_every_list_filterset_is_the_apis_and_none_depends_on_the_request():
    """``api.filters.FilterSet`` copies filters shallowly and builds its form class once per class: right
    only while no filter's form field depends on the request (a callable queryset would)."""
    from api.filters import FilterSet

    filtersets = _filtersets() - {FilterSet}
    assert filtersets
    for filterset in filtersets:
        assert issubclass(filterset, FilterSet), filterset
        for name, filter_ in filterset.base_filters.items():
            queryset = getattr(filter_, "queryset", None)
            assert queryset is None or not callable(queryset) or hasattr(queryset, "model"), (filterset, name)


@pytest.mark.django_db
def test_two_requests_do_not_share_a_filters_state():
    from cases.api.case_filters import CaseFilter
    from cases.models import Case

    first = CaseFilter(data={"status": ["open"]}, queryset=Case.objects.all())
    second = CaseFilter(data={"status": ["closed"]}, queryset=Case.objects.all())
    assert first.is_valid()
    assert second.is_valid()
    assert first.form.cleaned_data["status"] == ["open"]
    assert second.form.cleaned_data["status"] == ["closed"]
    assert first.filters["status"] is not second.filters["status"]
    assert first.filters["status"].parent is first
    assert second.filters["status"].parent is second
    assert "open" in str(first.qs.query)
    assert "closed" in str(second.qs.query)
    # A filter with a method calls it on its own FilterSet, not on the class's prototype filter.
    assert first.filters["in_custody"].filter.f is first.filters["in_custody"]


@pytest.mark.django_db
def test_a_refused_filter_leaves_the_next_requests_form_untouched():
    from cases.api.case_filters import CaseFilter
    from cases.models import Case

    refused = CaseFilter(data={"status": ["nonsense"], "facility": "999999"}, queryset=Case.objects.all())
    assert not refused.is_valid()
    assert set(refused.errors) == {"status", "facility"}
    accepted = CaseFilter(data={"status": ["open"]}, queryset=Case.objects.all())
    assert accepted.is_valid(), accepted.errors
    assert accepted.form.fields["status"] is refused.form.fields["status"]  # shared, and unharmed
