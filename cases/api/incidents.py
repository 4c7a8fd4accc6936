"""Critical incidents of a case for staff (``/cases/{case}/incidents/``: list, retrieve, record, close
with ``If-Match``) and one's workspace notifications (``/notifications/``: list, mark read). Partners see
none of it (decision 0028)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404  # a malformed id is a 404, not a 500
from rest_framework.response import Response

from api.conditional import expected_version
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.models import Case, CriticalIncident, Notification, Task
from cases.models.incident import IncidentKind, IncidentSource
from cases.notifications import rendered
from consulates.models import DetentionFacility

CASE = OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="The case's id.")


class ChecklistTaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "kind", "title", "due_date", "assignee", "done", "completed_at"]
        read_only_fields = fields


class IncidentSerializer(serializers.ModelSerializer):
    tasks = ChecklistTaskSerializer(many=True, read_only=True)
    zone = serializers.CharField(source="zone_name", read_only=True, help_text="The place's IANA time zone.")

    class Meta:
        model = CriticalIncident
        fields = [
            "id",
            "case",
            "kind",
            "occurred_at",
            "zone",
            "facility",
            "place",
            "source",
            "learned_at",
            "description",
            "status",
            "closing_note",
            "closed_at",
            "closed_by",
            "recorded_by",
            "recorded_at",
            "version",
            "tasks",
        ]
        read_only_fields = fields


class IncidentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IncidentKind.choices)
    occurred_at = serializers.DateTimeField(help_text="With its UTC offset: the instant it happened.")
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(),
        required=False,
        allow_null=True,
        help_text="An id of /facilities/; else name the place in `place`.",
    )
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    source = serializers.ChoiceField(choices=IncidentSource.choices)
    learned_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    description = serializers.CharField(max_length=10_000)


class IncidentCloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


@extend_schema_view(
    list=extend_schema(tags=["incidents"], parameters=[CASE]),
    retrieve=extend_schema(tags=["incidents"], parameters=[CASE]),
    create=extend_schema(
        tags=["incidents"],
        parameters=[CASE, IDEMPOTENCY_KEY],
        request=IncidentInputSerializer,
        responses={201: IncidentSerializer},
    ),
)
class IncidentViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The critical incidents of one case the caller may see (404 otherwise), newest first, each with its
    checklist. Recording one notifies the consulate's supervisors and the regional managers."""

    permission_classes = [IsStaffMember]
    serializer_class = IncidentSerializer
    access_label = "incident"
    http_method_names = ["get", "post", "head", "options"]

    def _case(self) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no case in the path
            return CriticalIncident.objects.none()
        return (
            CriticalIncident.objects.visible_to(self.request.user)
            .filter(case_id=self.kwargs["case_pk"])
            .select_related("facility__county", "case__consulate")
            .prefetch_related(Prefetch("tasks", Task.objects.order_by("due_date", "pk")))
            .order_by("-occurred_at", "-pk")
        )

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id}

    def _respond(self, incident, code=status.HTTP_200_OK):
        incident = self.get_queryset().get(pk=incident.pk)
        self.etag_object = incident
        return Response(IncidentSerializer(incident).data, status=code)

    def list(self, request, *args, **kwargs):
        self._case()  # 404 for a case the caller may not see
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = IncidentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_record(actor=request.user, case=case, **data.validated_data)
        return self._respond(incident, status.HTTP_201_CREATED)

    @extend_schema(
        tags=["incidents"],
        parameters=[CASE, IF_MATCH],
        request=IncidentCloseSerializer,
        responses=IncidentSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        incident = self.get_object()
        version = expected_version(request, incident)
        data = IncidentCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        incident = services.incident_close(
            actor=request.user, incident=incident, expected_version=version, **data.validated_data
        )
        return self._respond(incident)


class NotificationSerializer(serializers.ModelSerializer):
    """``text``: what it says, built now in the caller's language (Accept-Language). A list renders its
    page's texts at once (``context["shown"]``: one query per kind of target)."""

    text = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "case", "target_type", "target_id", "text", "created_at", "read_at"]
        read_only_fields = fields

    def get_text(self, obj) -> str:
        shown = self.context.get("shown", {}).get(obj.pk)
        return (shown or rendered([obj])[0]).text


UNREAD = OpenApiParameter("unread", bool, description="true: only the notifications not read yet.")


@extend_schema_view(
    list=extend_schema(tags=["notifications"], parameters=[UNREAD]),
    retrieve=extend_schema(tags=["notifications"]),
)
class NotificationViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The caller's own workspace notifications, newest first (``unread=true``: only those not read)."""

    permission_classes = [IsStaffMember]
    serializer_class = NotificationSerializer
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        rows = Notification.objects.visible_to(self.request.user).order_by("-created_at", "-pk")
        if self.request.query_params.get("unread") == "true":
            rows = rows.filter(read_at__isnull=True)
        return rows

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = page if page is not None else list(self.get_queryset())
        shown = {item.notification.pk: item for item in rendered(rows)}
        data = NotificationSerializer(
            rows, many=True, context={**self.get_serializer_context(), "shown": shown}
        ).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        tags=["notifications"], request=None, parameters=[IDEMPOTENCY_KEY], responses=NotificationSerializer
    )
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        notification = get_object_or_404(Notification.objects.visible_to(request.user), pk=kwargs["pk"])
        notification = services.notification_mark_read(actor=request.user, notification=notification)
        return Response(NotificationSerializer(notification, context=self.get_serializer_context()).data)
