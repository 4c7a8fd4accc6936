"""Read-only reference data: consulates, counties with their district, facilities, reception points,
partners. Every authenticated caller (staff or partner) may read it."""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from api.filters import FilterSet
from api.views import ApiViewMixin
from consulates.api import serializers
from consulates.models import (
    ConsularPost,
    Consulate,
    County,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    ReceptionPoint,
)


class CountyFilter(FilterSet):
    consulate = filters.ModelChoiceFilter(
        queryset=Consulate.objects.all(), help_text="District consulate id."
    )

    class Meta:
        model = County
        fields = ["consulate", "state", "fips"]


class FacilityFilter(FilterSet):
    district_consulate = filters.ModelChoiceFilter(
        field_name="county__consulate", queryset=Consulate.objects.all(), help_text="District consulate id."
    )

    class Meta:
        model = DetentionFacility
        fields = ["district_consulate", "state", "active"]


class CourtFilter(FilterSet):
    class Meta:
        model = ImmigrationCourt
        fields = ["kind", "state", "timezone", "active"]


class ConsularPostFilter(FilterSet):
    class Meta:
        model = ConsularPost
        fields = ["in_network", "state"]


class PartnerFilter(FilterSet):
    service = filters.CharFilter(field_name="services", lookup_expr="contains", method="filter_service")
    consulate = filters.ModelChoiceFilter(field_name="consulates", queryset=Consulate.objects.all())

    class Meta:
        model = Partner
        fields = ["service", "consulate", "active", "kind"]

    def filter_service(self, queryset, name, value):
        return queryset.filter(services__contains=[value])


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class ConsulateViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The consulates of the network (Texas, Oklahoma and New Mexico), with their time zone."""

    queryset = Consulate.objects.order_by("city", "pk")
    serializer_class = serializers.ConsulateSerializer


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class CountyViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The counties of the consular districts, each with the consulate whose district it belongs to."""

    queryset = County.objects.select_related("consulate").order_by("state", "name", "pk")
    serializer_class = serializers.CountySerializer
    filterset_class = CountyFilter


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class DetentionFacilityViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Immigration detention facilities in the districts, with their county (and so their consulate)."""

    queryset = DetentionFacility.objects.select_related("county__consulate").order_by("name", "pk")
    serializer_class = serializers.DetentionFacilitySerializer
    filterset_class = FacilityFilter


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class ReceptionPointViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Mexican reception points for repatriations (Mexican state and city)."""

    queryset = ReceptionPoint.objects.order_by("mx_state", "mx_city", "pk")
    serializer_class = serializers.ReceptionPointSerializer


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class ImmigrationCourtViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Immigration courts, hearing locations in detention facilities and federal district court divisions,
    each with its IANA time zone (a hearing's time is the court's wall clock)."""

    queryset = ImmigrationCourt.objects.order_by("state", "city", "name", "pk")
    serializer_class = serializers.ImmigrationCourtSerializer
    filterset_class = CourtFilter


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class ConsularPostViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The 53 Mexican consulates in the US as sourced; those outside the network (``in_network=false``)
    are where a case is handed over (``POST cases/{id}/handover/``)."""

    queryset = ConsularPost.objects.order_by("state", "city", "pk")
    serializer_class = serializers.ConsularPostSerializer
    filterset_class = ConsularPostFilter


@extend_schema_view(list=extend_schema(tags=["reference"]), retrieve=extend_schema(tags=["reference"]))
class PartnerViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Partner organisations: NGOs, and the child-welfare agencies and CASA programmes of children's cases
    (``kind``): the services they offer and the consulates they work with."""

    queryset = Partner.objects.prefetch_related(
        Prefetch("consulates", queryset=Consulate.objects.only("pk"))
    ).order_by("name", "pk")
    serializer_class = serializers.PartnerSerializer
    filterset_class = PartnerFilter
