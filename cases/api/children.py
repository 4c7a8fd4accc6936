"""A child's case for staff (decision 0029): the child-welfare agency's case (``/cases/{case}/child-welfare/``),
what the agency asked (``/cases/{case}/agency-requests/``) and the assessments of the child
(``/cases/{case}/child-assessments/``, each with the questions as worded in its form's version). Partners
see none of it. Writes: ``Idempotency-Key`` on POST, ``If-Match`` on PATCH; refusals in the one error shape
(``not_a_child`` and the closure's ``child_reception_unconfirmed`` answer 409)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.conditional import expected_version
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.models import AgencyRequest, Case, ChildAssessment, ChildWelfareCase
from cases.models.children import (
    AdvocateKind,
    AgeBasis,
    AgencyRequestKind,
    AgencyRequestStatus,
    Answer,
    ChildSituation,
    GuardianCheck,
)
from consulates.models import Partner, ReceptionPoint

CASE = OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="The case's id.")


class ChildWelfareSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = ChildWelfareCase
        fields = [
            "id",
            "case",
            "agency",
            "agency_name",
            "agency_case_number",
            "court_cause_number",
            "court_name",
            "caseworker_name",
            "caseworker_phone",
            "caseworker_email",
            "advocate_kind",
            "advocate_programme",
            "advocate_name",
            "advocate_phone",
            "advocate_email",
            "notes",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ChildWelfareInputSerializer(serializers.Serializer):
    agency = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(), help_text="An id of /partners/?kind=child_welfare."
    )
    agency_case_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    court_cause_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    court_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    caseworker_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
    caseworker_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    caseworker_email = serializers.EmailField(required=False, allow_blank=True)
    advocate_kind = serializers.ChoiceField(choices=AdvocateKind.choices, required=False, allow_blank=True)
    advocate_programme = serializers.PrimaryKeyRelatedField(
        queryset=Partner.objects.all(),
        required=False,
        allow_null=True,
        help_text="An id of /partners/?kind=casa.",
    )
    advocate_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
    advocate_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    advocate_email = serializers.EmailField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class AgencyRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgencyRequest
        fields = [
            "id",
            "case",
            "kind",
            "description",
            "status",
            "requested_on",
            "due_date",
            "task",
            "resolution",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AgencyRequestInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AgencyRequestKind.choices)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(
        choices=AgencyRequestStatus.choices, required=False, default=AgencyRequestStatus.OPEN
    )
    requested_on = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class AgencyRequestUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AgencyRequestStatus.choices, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    resolution = serializers.CharField(max_length=500, required=False, allow_blank=True)


class QuestionAnswerSerializer(serializers.Serializer):
    field = serializers.CharField()
    question = serializers.CharField()
    answer = serializers.CharField()


class ChildAssessmentSerializer(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField()

    class Meta:
        model = ChildAssessment
        fields = [
            "id",
            "case",
            "form_version",
            "situation",
            "age_basis",
            "age_notes",
            "victim_of_trafficking",
            "at_risk_of_trafficking",
            "fears_return",
            "can_decide_alone",
            "guardian_name",
            "guardian_relationship",
            "guardian_check",
            "dif_office",
            "dif_office_text",
            "notes",
            "complete",
            "assessed_at",
            "assessed_by",
            "questions",
        ]
        read_only_fields = fields

    @extend_schema_field(QuestionAnswerSerializer(many=True))
    def get_questions(self, obj):
        """The form's questions as worded in the assessment's version, with the answers in words."""
        fields = [q.field for q in obj.form.questions]
        return [
            {"field": field, "question": question, "answer": answer}
            for field, (question, answer) in zip(fields, obj.answers(), strict=True)
        ]


class ChildAssessmentInputSerializer(serializers.Serializer):
    situation = serializers.ChoiceField(choices=ChildSituation.choices)
    age_basis = serializers.ChoiceField(choices=AgeBasis.choices)
    age_notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    victim_of_trafficking = serializers.ChoiceField(choices=Answer.choices, default=Answer.UNKNOWN)
    at_risk_of_trafficking = serializers.ChoiceField(choices=Answer.choices, default=Answer.UNKNOWN)
    fears_return = serializers.ChoiceField(choices=Answer.choices, default=Answer.UNKNOWN)
    can_decide_alone = serializers.ChoiceField(choices=Answer.choices, default=Answer.UNKNOWN)
    guardian_name = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    guardian_relationship = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    guardian_check = serializers.ChoiceField(
        choices=GuardianCheck.choices, required=False, allow_blank=True, default=""
    )
    dif_office = serializers.PrimaryKeyRelatedField(
        queryset=ReceptionPoint.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="An id of /reception-points/ (those received by the DIF).",
    )
    dif_office_text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class _CaseRows(AccessLoggedViewSetMixin, ApiViewMixin, viewsets.GenericViewSet):
    """Rows of one case the caller may see (404 for a case they may not see)."""

    permission_classes = [IsStaffMember]
    model = None
    order = ("-pk",)

    def _case(self) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema: no case in the path
            return self.model.objects.none()
        return (
            self.model.objects.visible_to(self.request.user)
            .filter(case_id=self.kwargs["case_pk"])
            .order_by(*self.order)
        )

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id}

    def list(self, request, *args, **kwargs):
        self._case()
        return super().list(request, *args, **kwargs)

    def _respond(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        self.etag_object = obj
        return Response(self.serializer_class(obj).data, status=code)


_WRITE = {"parameters": [CASE, IF_MATCH]}
_CREATE = {"parameters": [CASE, IDEMPOTENCY_KEY]}


@extend_schema_view(
    list=extend_schema(tags=["children"], parameters=[CASE]),
    retrieve=extend_schema(tags=["children"], parameters=[CASE]),
    create=extend_schema(
        tags=["children"],
        request=ChildWelfareInputSerializer,
        responses={201: ChildWelfareSerializer},
        **_CREATE,
    ),
    partial_update=extend_schema(
        tags=["children"], request=ChildWelfareInputSerializer, responses=ChildWelfareSerializer, **_WRITE
    ),
)
class ChildWelfareViewSet(
    _CaseRows,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """The child-welfare agency's case on a child's case: at most one. POST records it (a second POST
    corrects the same record), PATCH corrects it with ``If-Match``."""

    serializer_class = ChildWelfareSerializer
    model = ChildWelfareCase
    access_label = "child welfare"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("agency")

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = ChildWelfareInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.child_welfare_record(actor=request.user, case=case, **data.validated_data)
        return self._respond(record, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        version = expected_version(request, record)
        data = ChildWelfareInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        record = services.child_welfare_record(
            actor=request.user, case=record.case_id, expected_version=version, **data.validated_data
        )
        return self._respond(record)


@extend_schema_view(
    list=extend_schema(tags=["children"], parameters=[CASE]),
    retrieve=extend_schema(tags=["children"], parameters=[CASE]),
    create=extend_schema(
        tags=["children"],
        request=AgencyRequestInputSerializer,
        responses={201: AgencyRequestSerializer},
        **_CREATE,
    ),
    partial_update=extend_schema(
        tags=["children"], request=AgencyRequestUpdateSerializer, responses=AgencyRequestSerializer, **_WRITE
    ),
)
class AgencyRequestViewSet(
    _CaseRows,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
):
    """What the child-welfare agency asked of the consulate, soonest due first. An open or in-progress
    request is a task of the case due on its due date; done or declined completes it."""

    serializer_class = AgencyRequestSerializer
    model = AgencyRequest
    access_label = "agency request"
    order = ("due_date", "pk")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = AgencyRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.agency_request_add(actor=request.user, case=case, **data.validated_data)
        return self._respond(obj, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        version = expected_version(request, obj)
        data = AgencyRequestUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        obj = services.agency_request_update(
            actor=request.user, request=obj, expected_version=version, **data.validated_data
        )
        return self._respond(obj)


@extend_schema_view(
    list=extend_schema(tags=["children"], parameters=[CASE]),
    retrieve=extend_schema(tags=["children"], parameters=[CASE]),
    create=extend_schema(
        tags=["children"],
        request=ChildAssessmentInputSerializer,
        responses={201: ChildAssessmentSerializer},
        **_CREATE,
    ),
)
class ChildAssessmentViewSet(
    _CaseRows, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin
):
    """The assessments of the child, latest first (the first is the current one, the others its history).
    Each is answered in the form's version of its day and read with that version's questions
    (``questions``). A new assessment is a POST; none is ever changed."""

    serializer_class = ChildAssessmentSerializer
    model = ChildAssessment
    access_label = "child assessment"
    order = ("-assessed_at", "-pk")
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().select_related("dif_office")

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = ChildAssessmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        obj = services.child_assess(actor=request.user, case=case, **data.validated_data)
        return self._respond(obj, status.HTTP_201_CREATED)
