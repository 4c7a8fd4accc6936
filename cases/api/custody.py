"""Custody history and locate history of a case, for staff: list and record, each write through its
service (``cases.services.custody``, ``cases.services.locate``). Mixed into ``CaseViewSet`` so the case is
found (404 when not visible) and its access logged as for every other case action."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import services
from cases.api.persons import IDEMPOTENCY_KEY
from cases.models import CaseLocateAttempt, CustodyEpisode
from cases.models.custody import RECORDABLE_SOURCES, LocateResult, LocateWhere
from cases.models.identity import ArrestingAgency
from cases.services.custody import ORDER
from consulates.models import DetentionFacility


class CustodyEpisodeSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True)
    facility_state = serializers.CharField(source="facility.state", read_only=True)
    timezone = serializers.CharField(
        source="facility.zone_name", read_only=True, help_text="IANA zone of the facility."
    )

    class Meta:
        model = CustodyEpisode
        fields = [
            "id",
            "facility",
            "facility_name",
            "facility_state",
            "timezone",
            "agency",
            "started_on",
            "started_time",
            "ended_on",
            "ended_by",
            "source",
            "notes",
            "recorded_at",
            "recorded_by",
        ]
        read_only_fields = fields


class CustodyMoveSerializer(serializers.Serializer):
    facility = serializers.PrimaryKeyRelatedField(queryset=DetentionFacility.objects.all())
    since = serializers.DateField()
    time = serializers.TimeField(required=False, allow_null=True)
    agency = serializers.ChoiceField(choices=ArrestingAgency.choices, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=RECORDABLE_SOURCES)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class CustodyReleaseSerializer(serializers.Serializer):
    on = serializers.DateField()
    source = serializers.ChoiceField(choices=RECORDABLE_SOURCES)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class LocateAttemptSerializer(serializers.ModelSerializer):
    facility_name = serializers.CharField(source="facility.name", read_only=True, allow_null=True)

    class Meta:
        model = CaseLocateAttempt
        fields = [
            "id",
            "where",
            "searched_for",
            "result",
            "facility",
            "facility_name",
            "notes",
            "attempted_at",
            "officer",
            "from_inquiry",
        ]
        read_only_fields = fields


class LocateAttemptInputSerializer(serializers.Serializer):
    where = serializers.ChoiceField(choices=LocateWhere.choices)
    result = serializers.ChoiceField(choices=LocateResult.choices)
    searched_for = serializers.CharField(max_length=200, required=False, allow_blank=True)
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(), required=False, allow_null=True
    )
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    attempted_at = serializers.DateTimeField(required=False)
    record_custody = serializers.BooleanField(
        required=False, default=False, help_text="With a 'found' result, record the custody in the same step."
    )


class CustodyActionsMixin:
    """``custody`` (GET: the history; POST: a move), ``custody/release``, ``custody/verified`` and
    ``locate-attempts`` (GET, POST) on a case."""

    @extend_schema(tags=["custody"], responses=CustodyEpisodeSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="custody",
        url_name="custody",
        filterset_class=None,
        pagination_class=None,
    )
    def custody(self, request, pk=None, **kwargs):
        case = self.get_object()
        self.etag_object = None
        episodes = (
            CustodyEpisode.objects.visible_to(request.user)
            .filter(case=case)
            .select_related("facility__county")
            .order_by(*ORDER)
        )
        data = CustodyEpisodeSerializer(episodes, many=True).data
        self.record_read(request, case, what="api: custody history")
        return Response(data)

    @extend_schema(
        tags=["custody"], request=CustodyMoveSerializer, responses={201: CustodyEpisodeSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )  # fmt: skip
    @custody.mapping.post
    def custody_move(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = CustodyMoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = services.custody_move(actor=request.user, case=case, **data.validated_data)
        return self._created(CustodyEpisodeSerializer(episode).data)

    @extend_schema(
        tags=["custody"], request=CustodyReleaseSerializer, responses={201: CustodyEpisodeSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )  # fmt: skip
    @action(detail=True, methods=["post"], url_path="custody/release", url_name="custody-release")
    def custody_release(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = CustodyReleaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        episode = services.custody_release(actor=request.user, case=case, **data.validated_data)
        return self._created(CustodyEpisodeSerializer(episode).data)

    @extend_schema(tags=["custody"], request=None, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"], url_path="custody/verified", url_name="custody-verified")
    def custody_verified(self, request, pk=None, **kwargs):
        case = self.get_object()
        case = services.custody_verify(actor=request.user, case=case)
        return self._respond(case)

    @extend_schema(tags=["custody"], responses=LocateAttemptSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="locate-attempts",
        url_name="locate-attempts",
        filterset_class=None,
        pagination_class=None,
    )
    def locate_attempts(self, request, pk=None, **kwargs):
        case = self.get_object()
        self.etag_object = None
        attempts = (
            CaseLocateAttempt.objects.visible_to(request.user)
            .filter(case=case)
            .select_related("facility")
            .order_by("attempted_at", "pk")
        )
        data = LocateAttemptSerializer(attempts, many=True).data
        self.record_read(request, case, what="api: locate history")
        return Response(data)

    @extend_schema(
        tags=["custody"], request=LocateAttemptInputSerializer, responses={201: LocateAttemptSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )  # fmt: skip
    @locate_attempts.mapping.post
    def locate_attempt_record(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = LocateAttemptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attempt = services.locate_attempt_record(actor=request.user, case=case, **data.validated_data)
        return self._created(LocateAttemptSerializer(attempt).data)
