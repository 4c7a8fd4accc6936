"""A case's legal proceedings for staff (``/cases/{case}/proceedings/``): list, retrieve, record, correct
(``If-Match``), and record a decision, add a deadline, mark one met or waived, move the status. Partners
see none of it: their door shows the hearings the person's consent covers, as before (decision 0024)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.conditional import expected_version
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.models import Case, Hearing, Proceeding, ProceedingDeadline
from cases.models.proceeding import (
    CounselKind,
    DeadlineKind,
    DeadlineStatus,
    ProceedingKind,
    ProceedingOutcome,
    ProceedingStatus,
)
from consulates.models import ImmigrationCourt, Partner

CASE = OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="The case's id.")


class DeadlineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProceedingDeadline
        fields = ["id", "kind", "due_on", "description", "status", "resolved_at"]
        read_only_fields = fields


class ProceedingHearingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["id", "kind", "starts_at", "court", "location", "status"]
        read_only_fields = fields


class ProceedingSerializer(serializers.ModelSerializer):
    deadlines = DeadlineSerializer(many=True, read_only=True)
    hearings = ProceedingHearingSerializer(many=True, read_only=True)

    class Meta:
        model = Proceeding
        fields = [
            "id",
            "case",
            "kind",
            "status",
            "court",
            "court_name",
            "docket_number",
            "started_on",
            "decided_on",
            "outcome",
            "notes",
            "counsel_kind",
            "counsel_partner",
            "counsel_name",
            "counsel_firm",
            "g28_filed_on",
            "eoir28_filed_on",
            "version",
            "deadlines",
            "hearings",
        ]
        read_only_fields = fields


class ProceedingInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ProceedingKind.choices)
    court = serializers.PrimaryKeyRelatedField(
        queryset=ImmigrationCourt.objects.all(),
        required=False,
        allow_null=True,
        help_text="An id of /courts/.",
    )
    court_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    docket_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    started_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    counsel_kind = serializers.ChoiceField(choices=CounselKind.choices, required=False)
    counsel_partner = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(), required=False, allow_null=True, help_text="An id of /partners/."
    )
    counsel_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
    counsel_firm = serializers.CharField(max_length=160, required=False, allow_blank=True)
    g28_filed_on = serializers.DateField(required=False, allow_null=True)
    eoir28_filed_on = serializers.DateField(required=False, allow_null=True)


class DecisionInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ProceedingOutcome.choices)
    decided_on = serializers.DateField()
    departure_by = serializers.DateField(
        required=False, allow_null=True, help_text="With voluntary departure: the date to leave by."
    )


class DeadlineInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DeadlineKind.choices)
    due_on = serializers.DateField()
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DeadlineResolveSerializer(serializers.Serializer):
    deadline = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[DeadlineStatus.MET, DeadlineStatus.WAIVED])


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ProceedingStatus.choices)


_WRITE = {"parameters": [CASE, IF_MATCH], "responses": ProceedingSerializer}


@extend_schema_view(
    list=extend_schema(tags=["proceedings"], parameters=[CASE]),
    retrieve=extend_schema(tags=["proceedings"], parameters=[CASE]),
    create=extend_schema(
        tags=["proceedings"],
        parameters=[CASE, IDEMPOTENCY_KEY],
        request=ProceedingInputSerializer,
        responses={201: ProceedingSerializer},
    ),
    partial_update=extend_schema(tags=["proceedings"], request=ProceedingInputSerializer, **_WRITE),
)
class ProceedingViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The legal proceedings of one case the caller may see (404 otherwise), newest first, each with its
    hearings and deadlines. Writes need ``If-Match`` with the proceeding's ETag."""

    permission_classes = [IsStaffMember]
    serializer_class = ProceedingSerializer
    access_label = "proceeding"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _case(self) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no case in the path
            return Proceeding.objects.none()
        return (
            Proceeding.objects.visible_to(self.request.user)
            .filter(case_id=self.kwargs["case_pk"])
            .prefetch_related(
                Prefetch("deadlines", ProceedingDeadline.objects.order_by("due_on", "pk")),
                Prefetch("hearings", Hearing.objects.order_by("starts_at", "pk")),
            )
            .order_by("-started_on", "-pk")
        )

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id}

    def _respond(self, proceeding, code=status.HTTP_200_OK):
        proceeding = self.get_queryset().get(pk=proceeding.pk)
        self.etag_object = proceeding
        return Response(ProceedingSerializer(proceeding).data, status=code)

    def list(self, request, *args, **kwargs):
        self._case()  # 404 for a case the caller may not see
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = ProceedingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proceeding = services.proceeding_open(actor=request.user, case=case, **data.validated_data)
        return self._respond(proceeding, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        proceeding = self.get_object()
        version = expected_version(request, proceeding)
        data = ProceedingInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        proceeding = services.proceeding_update(
            actor=request.user, proceeding=proceeding, expected_version=version, **data.validated_data
        )
        return self._respond(proceeding)

    @extend_schema(tags=["proceedings"], request=DecisionInputSerializer, **_WRITE)
    @action(detail=True, methods=["post"])
    def decision(self, request, *args, **kwargs):
        proceeding = self.get_object()
        version = expected_version(request, proceeding)
        data = DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proceeding = services.proceeding_decide(
            actor=request.user, proceeding=proceeding, expected_version=version, **data.validated_data
        )
        return self._respond(proceeding)

    @extend_schema(tags=["proceedings"], request=StatusInputSerializer, **_WRITE)
    @action(detail=True, methods=["post"], url_path="status")
    def status_set(self, request, *args, **kwargs):
        proceeding = self.get_object()
        version = expected_version(request, proceeding)
        data = StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        proceeding = services.proceeding_status_set(
            actor=request.user, proceeding=proceeding, expected_version=version, **data.validated_data
        )
        return self._respond(proceeding)

    @extend_schema(
        tags=["proceedings"],
        request=DeadlineInputSerializer,
        parameters=[CASE, IDEMPOTENCY_KEY],
        responses={201: ProceedingSerializer},
    )
    @action(detail=True, methods=["post"])
    def deadlines(self, request, *args, **kwargs):
        proceeding = self.get_object()
        data = DeadlineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.deadline_add(actor=request.user, proceeding=proceeding, **data.validated_data)
        return self._respond(proceeding, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["proceedings"],
        request=DeadlineResolveSerializer,
        parameters=[CASE, IDEMPOTENCY_KEY],
        responses=ProceedingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="resolve-deadline")
    def resolve_deadline(self, request, *args, **kwargs):
        proceeding = self.get_object()
        data = DeadlineResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deadline = get_object_or_404(proceeding.deadlines.all(), pk=data.validated_data["deadline"])
        services.deadline_resolve(actor=request.user, deadline=deadline, status=data.validated_data["status"])
        return self._respond(proceeding)
