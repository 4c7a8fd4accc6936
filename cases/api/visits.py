"""Facility visits and formal requests for staff (decision 0026): ``/visits/`` (plan, read, change with
``If-Match``; ``interviews`` and ``checklist`` record the visit's interviews and conditions at once) and
``/formal-requests/`` (record, read, correct, ``send``, ``answer``, ``withdraw``). Partners see none of
it. Who may do what is the policy's (``visit.plan``, ``visit.record``, ``request.record``)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.conditional import expected_version
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.models import Case, ChecklistItemAnswer, FacilityVisit, FormalRequest, VisitInterview
from cases.models.formal_request import TEXT_MAX, AuthorityKind, RequestKind
from cases.models.visits import NOTE_MAX, ConditionAnswer, InterviewNeed, VisitStatus
from consulates.models import DetentionFacility


class InterviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitInterview
        fields = ["id", "case", "seen", "findings", "need", "needs", "recorded_at"]
        read_only_fields = fields


class ChecklistAnswerSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="The item's text in the checklist's version.")

    class Meta:
        model = ChecklistItemAnswer
        fields = ["id", "key", "text", "answer", "note"]
        read_only_fields = fields


class ChecklistSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="checklist_version.number", read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)
    answers = ChecklistAnswerSerializer(many=True, read_only=True)


class VisitSerializer(serializers.ModelSerializer):
    interviews = InterviewSerializer(many=True, read_only=True)
    checklist = serializers.SerializerMethodField()

    class Meta:
        model = FacilityVisit
        fields = [
            "id",
            "consulate",
            "facility",
            "planned_for",
            "officers",
            "status",
            "notes",
            "version",
            "interviews",
            "checklist",
        ]
        read_only_fields = fields

    @extend_schema_field(ChecklistSerializer(allow_null=True))
    def get_checklist(self, visit):
        checklist = visit.checklist if hasattr(visit, "checklist") else None
        return ChecklistSerializer(checklist).data if checklist is not None else None


def _staff():
    return get_user_model().objects.filter(is_active=True)


class VisitInputSerializer(serializers.Serializer):
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(), help_text="An id of /facilities/."
    )
    planned_for = serializers.DateField()
    officers = serializers.PrimaryKeyRelatedField(queryset=_staff(), many=True, required=False)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VisitChangeSerializer(serializers.Serializer):
    planned_for = serializers.DateField(required=False)
    officers = serializers.PrimaryKeyRelatedField(queryset=_staff(), many=True, required=False)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)


class InterviewRowSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="A case on the visit's list.")
    seen = serializers.BooleanField(default=False)
    findings = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")
    need = serializers.ChoiceField(
        choices=InterviewNeed.choices, required=False, allow_blank=True, default=""
    )
    needs = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class InterviewsInputSerializer(serializers.Serializer):
    interviews = InterviewRowSerializer(many=True, allow_empty=False)


class ChecklistRowSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    answer = serializers.ChoiceField(choices=ConditionAnswer.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class VisitChecklistInputSerializer(serializers.Serializer):
    answers = ChecklistRowSerializer(many=True)


_VISIT_WRITE = {"parameters": [IF_MATCH], "responses": VisitSerializer}


@extend_schema_view(
    list=extend_schema(tags=["visits"]),
    retrieve=extend_schema(tags=["visits"]),
    create=extend_schema(
        tags=["visits"],
        parameters=[IDEMPOTENCY_KEY],
        request=VisitInputSerializer,
        responses={201: VisitSerializer},
    ),
    partial_update=extend_schema(tags=["visits"], request=VisitChangeSerializer, **_VISIT_WRITE),
)
class VisitViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The facility visits the caller sees (their consulate's; managers every one), newest first, each
    with its interviews and checklist. Writes need ``If-Match`` with the visit's ETag."""

    permission_classes = [IsStaffMember]
    serializer_class = VisitSerializer
    access_label = "visit"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            FacilityVisit.objects.visible_to(self.request.user)
            .select_related("checklist__checklist_version")
            .prefetch_related(
                "officers",
                Prefetch("interviews", VisitInterview.objects.order_by("pk")),
                Prefetch("checklist__answers", ChecklistItemAnswer.objects.order_by("position")),
            )
            .order_by("-planned_for", "-pk")
        )

    def access_ids(self, obj) -> dict:
        return {}

    def _respond(self, visit, code=status.HTTP_200_OK):
        visit = self.get_queryset().get(pk=visit.pk)
        self.etag_object = visit
        return Response(VisitSerializer(visit).data, status=code)

    def create(self, request, *args, **kwargs):
        data = VisitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.visit_plan(actor=request.user, **data.validated_data)
        return self._respond(visit, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        version = expected_version(request, visit)
        data = VisitChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        visit = services.visit_update(
            actor=request.user, visit=visit, expected_version=version, **data.validated_data
        )
        return self._respond(visit)

    @extend_schema(tags=["visits"], request=InterviewsInputSerializer, **_VISIT_WRITE)
    @action(detail=True, methods=["post"])
    def interviews(self, request, *args, **kwargs):
        visit = self.get_object()
        version = expected_version(request, visit)
        data = InterviewsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows = [dict(row, case_id=row.pop("case")) for row in data.validated_data["interviews"]]
        services.visit_interviews_record(actor=request.user, visit=visit, rows=rows, expected_version=version)
        return self._respond(visit)

    @extend_schema(tags=["visits"], request=VisitChecklistInputSerializer, **_VISIT_WRITE)
    @action(detail=True, methods=["post"])
    def checklist(self, request, *args, **kwargs):
        visit = self.get_object()
        version = expected_version(request, visit)
        data = VisitChecklistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {
            row["key"]: {"answer": row["answer"], "note": row["note"]}
            for row in data.validated_data["answers"]
        }
        services.visit_checklist_record(
            actor=request.user, visit=visit, answers=answers, expected_version=version
        )
        return self._respond(visit)


class FormalRequestSerializer(serializers.ModelSerializer):
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = FormalRequest
        fields = [
            "id",
            "consulate",
            "authority_kind",
            "authority_name",
            "kind",
            "case",
            "facility",
            "details",
            "status",
            "overdue",
            "sent_on",
            "due_on",
            "answered_on",
            "response",
            "owner",
            "from_checklist_item",
            "from_interview",
            "documents",
            "version",
        ]
        read_only_fields = fields


class RequestInputSerializer(serializers.Serializer):
    authority_kind = serializers.ChoiceField(choices=AuthorityKind.choices)
    authority_name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    case = serializers.IntegerField(required=False, allow_null=True, help_text="An id of /cases/.")
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(), required=False, allow_null=True
    )
    details = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")
    sent_on = serializers.DateField(required=False, allow_null=True, help_text="Given: the request is sent.")
    due_on = serializers.DateField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=_staff(), required=False, allow_null=True)


class RequestChangeSerializer(serializers.Serializer):
    authority_kind = serializers.ChoiceField(choices=AuthorityKind.choices, required=False)
    authority_name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=RequestKind.choices, required=False)
    details = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(queryset=_staff(), required=False)


class SendSerializer(serializers.Serializer):
    sent_on = serializers.DateField()
    due_on = serializers.DateField(required=False, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    answered_on = serializers.DateField()
    response = serializers.CharField(max_length=TEXT_MAX)


class EmptySerializer(serializers.Serializer):
    pass


_REQUEST_WRITE = {"parameters": [IF_MATCH], "responses": FormalRequestSerializer}


@extend_schema_view(
    list=extend_schema(tags=["formal requests"]),
    retrieve=extend_schema(tags=["formal requests"]),
    create=extend_schema(
        tags=["formal requests"],
        parameters=[IDEMPOTENCY_KEY],
        request=RequestInputSerializer,
        responses={201: FormalRequestSerializer},
    ),
    partial_update=extend_schema(tags=["formal requests"], request=RequestChangeSerializer, **_REQUEST_WRITE),
)
class FormalRequestViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The formal requests the caller sees (their consulate's; managers every one), newest first.
    ``overdue``: sent, unanswered, past its due day on the clock of the place it is about."""

    permission_classes = [IsStaffMember]
    serializer_class = FormalRequestSerializer
    access_label = "formal request"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            FormalRequest.objects.visible_to(self.request.user)
            .select_related("facility__county__consulate", "case__facility__county__consulate", "consulate")
            .prefetch_related("documents")
            .order_by("-created_at", "-pk")
        )

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id} if obj.case_id else {}

    def _respond(self, request_row, code=status.HTTP_200_OK):
        request_row = self.get_queryset().get(pk=request_row.pk)
        self.etag_object = request_row
        return Response(FormalRequestSerializer(request_row).data, status=code)

    def create(self, request, *args, **kwargs):
        data = RequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        case_id = values.pop("case", None)
        case = None
        if case_id is not None:
            case = Case.objects.visible_to(request.user).filter(pk=case_id).first()
            if case is None:
                raise serializers.ValidationError(
                    {"case": [_("No case with this number is visible to you.")]}
                )
        created = services.request_create(actor=request.user, case=case, **values)
        return self._respond(created, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        row = self.get_object()
        version = expected_version(request, row)
        data = RequestChangeSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        row = services.request_update(
            actor=request.user, request=row, expected_version=version, **data.validated_data
        )
        return self._respond(row)

    @extend_schema(tags=["formal requests"], request=SendSerializer, **_REQUEST_WRITE)
    @action(detail=True, methods=["post"])
    def send(self, request, *args, **kwargs):
        row = self.get_object()
        version = expected_version(request, row)
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.request_send(
            actor=request.user, request=row, expected_version=version, **data.validated_data
        )
        return self._respond(row)

    @extend_schema(tags=["formal requests"], request=AnswerSerializer, **_REQUEST_WRITE)
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        row = self.get_object()
        version = expected_version(request, row)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.request_answer(
            actor=request.user, request=row, expected_version=version, **data.validated_data
        )
        return self._respond(row)

    @extend_schema(tags=["formal requests"], request=EmptySerializer, **_REQUEST_WRITE)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        row = self.get_object()
        version = expected_version(request, row)
        row = services.request_withdraw(actor=request.user, request=row, expected_version=version)
        return self._respond(row)
