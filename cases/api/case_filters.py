"""Filters of the case list (query string) and of the case search (POST body)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import DateTimeField, IsoDateTimeFilter
from api.filters import ChoicesFilter, FilterSet
from cases.api.search import PageSerializer
from cases.categories import Category
from cases.models import Case, Hearing, Person
from cases.models.case import Priority, Status
from cases.models.work import HearingStatus
from cases.selectors import case_search_filter
from consulates.models import Consulate, DetentionFacility

ASSIGNED_TO = r"^(me|none|[0-9]{1,18})$"


@extend_schema_field({"type": "string", "pattern": ASSIGNED_TO})
class AssignedToFilter(filters.CharFilter):
    """``me``, ``none`` or a user id: the schema says so, so that clients (and schemathesis) know which
    strings are taken."""


class CaseFilter(FilterSet):
    status = ChoicesFilter(choices=Status.choices)
    category = ChoicesFilter(choices=Category.choices)
    priority = ChoicesFilter(choices=Priority.choices)
    consulate = filters.ModelChoiceFilter(queryset=Consulate.objects.all())
    assigned_to = AssignedToFilter(
        method="filter_assigned_to", help_text="A user id, `me`, or `none` for unassigned cases."
    )
    in_custody = filters.BooleanFilter(method="filter_in_custody")
    facility = filters.ModelChoiceFilter(queryset=DetentionFacility.objects.all())
    hearing_from = IsoDateTimeFilter(
        method="filter_hearing", help_text="Has a scheduled hearing from this time."
    )
    hearing_to = IsoDateTimeFilter(
        method="filter_hearing", help_text="Has a scheduled hearing until this time."
    )
    updated_since = IsoDateTimeFilter(field_name="last_activity_at", lookup_expr="gte")
    ordering = filters.OrderingFilter(
        fields=(
            ("opened_at", "opened_at"),
            ("last_activity_at", "last_activity_at"),
            ("reference", "reference"),
        ),
    )

    class Meta:
        model = Case
        fields = []

    def filter_assigned_to(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assigned_to=self.request.user)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if re.fullmatch(ASSIGNED_TO, value):
            return queryset.filter(assigned_to_id=int(value))
        raise ValidationError({"assigned_to": "Use a user id, `me` or `none`."})

    def filter_in_custody(self, queryset, name, value):
        condition = Q(facility__isnull=False, released_on__isnull=True)
        return queryset.filter(condition) if value else queryset.exclude(condition)

    def filter_hearing(self, queryset, name, value):
        return queryset  # applied together in filter_queryset, so both bounds hit the same hearing

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = self.form.cleaned_data.get("hearing_from"), self.form.cleaned_data.get("hearing_to")
        if start or end:
            hearings = Hearing.objects.filter(status=HearingStatus.SCHEDULED)
            if start:
                hearings = hearings.filter(starts_at__gte=start)
            if end:
                hearings = hearings.filter(starts_at__lte=end)
            queryset = queryset.filter(pk__in=hearings.values("case_id"))
        return queryset


class CaseSearchFilter(CaseFilter):
    """The list's filters and the personal ones, applied by ``POST cases/search/`` from its body."""

    search = filters.CharFilter(method="filter_search")
    curp = filters.CharFilter(method="filter_curp")
    a_number = filters.CharFilter(method="filter_a_number")

    def filter_search(self, queryset, name, value):
        return queryset.filter(case_search_filter(value))

    def filter_curp(self, queryset, name, value):
        return queryset.filter(person__in=Person.objects.with_curp(value).values("pk"))

    def filter_a_number(self, queryset, name, value):
        return queryset.filter(person__in=Person.objects.with_a_number(value).values("pk"))


ORDERINGS = [f"{sign}{name}" for name in ("opened_at", "last_activity_at", "reference") for sign in ("", "-")]


class CaseSearchSerializer(PageSerializer):
    """Body of ``POST cases/search/``: any of the list's filters, and ``limit``/``offset``."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Reference, name words (accents ignored), CURP or A-number.",
    )
    curp = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="Exact CURP.")
    a_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Exact A-number, with or without dashes."
    )
    status = serializers.ListField(child=serializers.ChoiceField(choices=Status.choices), required=False)
    category = serializers.ListField(child=serializers.ChoiceField(choices=Category.choices), required=False)
    priority = serializers.ListField(child=serializers.ChoiceField(choices=Priority.choices), required=False)
    consulate = serializers.PrimaryKeyRelatedField(queryset=Consulate.objects.all(), required=False)
    assigned_to = serializers.RegexField(
        ASSIGNED_TO,
        required=False,
        help_text="A user id, `me`, or `none` for unassigned cases.",
    )
    in_custody = serializers.BooleanField(required=False, allow_null=True, default=None)
    facility = serializers.PrimaryKeyRelatedField(queryset=DetentionFacility.objects.all(), required=False)
    hearing_from = DateTimeField(required=False, help_text="Has a scheduled hearing from this time.")
    hearing_to = DateTimeField(required=False, help_text="Has a scheduled hearing until this time.")
    updated_since = DateTimeField(required=False, help_text="Activity at or after this time.")
    ordering = serializers.ListField(
        child=serializers.ChoiceField(choices=ORDERINGS), required=False, max_length=3
    )
