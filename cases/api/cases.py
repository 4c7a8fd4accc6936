"""Cases for staff: list, retrieve, open, partial update, and one endpoint per case action, each calling
its service. A case the caller may not see is 404; an action the role may not take is 403."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, prefetch_related_objects
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api import statements
from api.conditional import expected_version
from api.pagination import TimelineCursor
from api.views import ApiViewMixin, CompiledListMixin
from cases import services
from cases.api import case_serializers as s
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.case_filters import CaseFilter, CaseSearchFilter, CaseSearchSerializer
from cases.api.custody import CustodyActionsMixin
from cases.api.handover import (
    CaseDetailSerializer,
    HandoverActionsMixin,
    handovers_of,
    handovers_prefetch,
)
from cases.api.permissions import IsStaffMember, caller_key
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.api.search import PostedSearchMixin, search_results_serializer
from cases.models import Case, CaseEvent, Document, Handover
from cases.models.work import EventKind
from cases.selectors.repatriation import removal_warnings
from consulates.models import Consulate
from consulates.policy import home_consulate

# A timeline's filters (``timeline_events``), beside its cursor paging.
TIMELINE_QUERY_PARAMS = ("kind", "since", "until")
TIMELINE_PARAMETERS = [
    OpenApiParameter("kind", str, many=True, enum=EventKind.values, description="Only these kinds."),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Events from this time."),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Events until this time."),
]

OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="When sent, a stale ETag is refused (412).",
)


def _user(pk):
    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({"assignee": [_("No active user with this id.")]})
    return user


@extend_schema_view(
    list=extend_schema(tags=["cases"]),
    search=extend_schema(
        tags=["cases"],
        summary="Search cases by reference, name, CURP or A-number (in the body, never in the address)",
        request=CaseSearchSerializer,
        responses=search_results_serializer("CaseSearchResults", s.CaseSerializer),
    ),
    retrieve=extend_schema(tags=["cases"], responses=CaseDetailSerializer),
    create=extend_schema(tags=["cases"], request=s.CaseCreateSerializer, parameters=[IDEMPOTENCY_KEY]),
    partial_update=extend_schema(tags=["cases"], request=s.CaseUpdateSerializer, parameters=[IF_MATCH]),
)
class CaseViewSet(
    HandoverActionsMixin,
    CustodyActionsMixin,
    PostedSearchMixin,
    AccessLoggedViewSetMixin,
    CompiledListMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Cases the caller may see (``visible_to``). Names, identifiers and references are searched with
    ``POST cases/search/``, so that they never appear in an address."""

    serializer_class = s.CaseSerializer
    permission_classes = [IsStaffMember]
    filterset_class = CaseFilter
    search_filterset_class = CaseSearchFilter
    search_serializer_class = CaseSearchSerializer
    access_label = "case"
    access_columns = ("person_id", "pk")
    # The list's parameters whose meaning is their text alone (``CompiledListMixin``).
    compiled_list_params = frozenset(
        {"status", "category", "priority", "assigned_to", "in_custody", "hearing_from", "hearing_to"}
        | {"updated_since", "ordering", "limit", "offset"}
    )
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        cases = (
            Case.objects.visible_to(self.request.user)
            .select_related("person", "consulate", "assigned_to")
            .order_by("-opened_at", "-pk")
        )
        if self.action in s.CASE_OUTPUT_ACTIONS:
            # A read: only the related columns the answer shows (no decrypting of identifiers it does not
            # show). A write loads whole rows for its service.
            cases = cases.only(*s.CASE_OUTPUT_COLUMNS)
        if self.action not in ("list", "search"):  # the detail, and what the actions answer
            cases = cases.prefetch_related(handovers_prefetch(self.request.user))
        return cases

    def compiled_caller(self):
        return caller_key(self.request.user)

    def compiled_retrieve(self, placeholder):
        # Its prefetch is ``compiled_related``, only for a case that has hand-overs at all (few have).
        any_handover = Exists(Handover.objects.filter(case_id=OuterRef("pk")))
        return self.get_queryset().filter(pk=placeholder).annotate(any_handover=any_handover)

    def compiled_related(self, case) -> None:
        user = self.request.user
        rows = []
        if case.any_handover:
            found = statements.statement(
                "case.handovers", self.compiled_caller(), lambda placeholder: handovers_of(user, placeholder)
            )
            if found is None:
                prefetch_related_objects([case], handovers_prefetch(user))
                return
            rows = found.run(case.pk)
        statements.attach([case], "handovers", rows, by="case_id")

    def get_serializer_class(self):
        if self.action in ("list", "search"):
            return super().get_serializer_class()
        return CaseDetailSerializer

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.pk, "person_id": obj.person_id}

    def _respond(self, case, code=status.HTTP_200_OK):
        case = self.get_queryset().filter(pk=case.pk).first() or case
        self.etag_object = case
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    def _created(self, data):
        self.etag_object = None  # the case's ETag changed with this; read the case again for the new one
        return Response(data, status=status.HTTP_201_CREATED)

    def _version(self, request, case):
        return expected_version(request, case) if request.headers.get("If-Match") else None

    def create(self, request, *args, **kwargs):
        data = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = values.pop("person")  # one the caller may see; the service decides whether it may open
        consulate = values.pop("consulate", None)
        if consulate is None:
            consulate_id = home_consulate(request.user)
            if consulate_id is None:
                raise ValidationError({"consulate": [_("Choose the consulate of the case.")]})

            consulate = Consulate.objects.get(pk=consulate_id)
        case = services.case_open(actor=request.user, person=person, consulate=consulate, **values)
        return self._respond(case, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        version = expected_version(request, case)
        data = s.CaseUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        case = services.case_update(
            actor=request.user, case=case, expected_version=version, **data.validated_data
        )
        return self._respond(case)

    # Case-level actions: the response is the case with its new ETag.

    @extend_schema(
        tags=["case actions"],
        request=s.AssignSerializer,
        responses=CaseDetailSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.AssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_assign(
            actor=request.user,
            case=case,
            assignee=_user(data.validated_data["assignee"]),
            expected_version=self._version(request, case),
        )
        return self._respond(case)

    @extend_schema(
        tags=["case actions"],
        request=s.CloseSerializer,
        responses=CaseDetailSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="request-closure")
    def request_closure(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_close_request(
            actor=request.user,
            case=case,
            expected_version=self._version(request, case),
            **data.validated_data,
        )
        return self._respond(case)

    @extend_schema(
        tags=["case actions"],
        request=None,
        responses=CaseDetailSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="approve-closure")
    def approve_closure(self, request, pk=None, **kwargs):
        case = self.get_object()
        case = services.case_close_approve(
            actor=request.user, case=case, expected_version=self._version(request, case)
        )
        return self._respond(case)

    @extend_schema(
        tags=["case actions"],
        request=s.ReasonSerializer,
        responses=CaseDetailSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], url_path="reject-closure")
    def reject_closure(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_close_reject(
            actor=request.user,
            case=case,
            reason=data.validated_data["reason"],
            expected_version=self._version(request, case),
        )
        return self._respond(case)

    @extend_schema(
        tags=["case actions"],
        request=s.ReasonSerializer,
        responses=CaseDetailSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_reopen(
            actor=request.user,
            case=case,
            reason=data.validated_data["reason"],
            expected_version=self._version(request, case),
        )
        return self._respond(case)

    # Actions that create something: 201 with the new thing.

    @extend_schema(
        tags=["case actions"],
        request=s.NoteSerializer,
        responses={201: s.EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.NoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.case_note_add(actor=request.user, case=case, **data.validated_data)
        return self._created(s.EventSerializer(event).data)

    @extend_schema(
        tags=["case actions"],
        request=s.HearingInputSerializer,
        responses={201: s.StaffHearingSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def hearings(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.HearingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        if values.get("proceeding") is not None:  # one of this case's: another's is not told apart from none
            values["proceeding"] = case.proceedings.filter(pk=values["proceeding"]).first()
            if values["proceeding"] is None:
                raise ValidationError({"proceeding": [_("Choose an open proceeding of this case.")]})
        hearing = services.hearing_schedule(actor=request.user, case=case, **values)
        return self._created(s.StaffHearingSerializer(hearing).data)

    @extend_schema(
        tags=["case actions"],
        request=s.TaskInputSerializer,
        responses={201: s.TaskSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.TaskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["assignee"] = _user(values.get("assignee"))
        task = services.task_add(actor=request.user, case=case, **values)
        return self._created(s.TaskSerializer(task).data)

    @extend_schema(
        tags=["case actions"],
        request=s.TransferInputSerializer,
        responses={201: s.TransferSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def transfers(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_request(actor=request.user, case=case, **data.validated_data)
        return self._created(s.TransferSerializer(transfer).data)

    @extend_schema(
        tags=["case actions"],
        request=s.ConsentInputSerializer,
        responses={201: s.ConsentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def consents(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.ConsentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        document_id = values.pop("form_document", None)
        document = None
        if document_id is not None:
            document = Document.objects.visible_to(request.user).filter(pk=document_id, case=case).first()
            if document is None:
                raise ValidationError({"form_document": [_("Choose a document of this case.")]})
        consent = services.consent_record(actor=request.user, case=case, form_document=document, **values)
        return self._created(s.ConsentSerializer(consent).data)

    @extend_schema(
        tags=["case actions"],
        request=s.ReferralInputSerializer,
        responses={201: s.ReferralSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def referrals(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = s.ReferralInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_create(actor=request.user, case=case, **data.validated_data)
        return self._created(s.ReferralSerializer(referral).data)

    @extend_schema(
        methods=["GET"],
        tags=["cases"],
        responses=s.RemovalWarningSerializer(many=True),
        description="Warnings about a vulnerable person's removal to the case's reception point, each with "
        "who recorded seeing it, when and why the removal goes ahead.",
    )
    @extend_schema(
        methods=["POST"],
        tags=["case actions"],
        request=s.ReasonSerializer,
        responses=s.CaseSerializer,
        parameters=[IDEMPOTENCY_KEY],
        description="Record that you saw the warnings not yet seen, and why the removal goes ahead.",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="removal-warnings",
        pagination_class=None,
        filterset_class=None,
    )
    def removal_warnings(self, request, pk=None, **kwargs):
        case = self.get_object()
        if request.method == "POST":
            data = s.ReasonSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            services.removal_warnings_acknowledge(
                actor=request.user, case=case, reason=data.validated_data["reason"]
            )
            return self._respond(case)
        self.etag_object = None
        warnings = removal_warnings(user=request.user, case=case)
        self.record_read(request, case, what="api: removal warnings")
        return Response(
            s.RemovalWarningSerializer([s.RemovalWarningSerializer.of(w) for w in warnings], many=True).data
        )

    @extend_schema(
        tags=["cases"],
        responses=s.EventSerializer(many=True),
        parameters=TIMELINE_PARAMETERS,
    )
    @action(detail=True, methods=["get"], pagination_class=TimelineCursor, filterset_class=None)
    def timeline(self, request, pk=None, **kwargs):
        case = self.get_object()
        self.etag_object = None
        events = timeline_events(request, CaseEvent.objects.visible_to(request.user).filter(case=case))
        page = self.paginate_queryset(events)
        response = self.get_paginated_response(s.EventSerializer(page, many=True).data)
        self.record_read(request, case, what="api: case timeline")
        return response


def timeline_events(request, queryset):
    """Filter a timeline by ``kind`` (repeatable) and ``since``/``until`` (ISO times)."""

    kinds = request.query_params.getlist("kind")
    unknown = set(kinds) - set(EventKind.values)
    if unknown:
        raise ValidationError(
            {"kind": [_("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(sorted(unknown))}]}
        )
    if kinds:
        queryset = queryset.filter(kind__in=kinds)
    bounds = Q()
    for name, lookup in (("since", "occurred_at__gte"), ("until", "occurred_at__lte")):
        raw = request.query_params.get(name)
        if raw:
            try:
                value = parse_datetime(raw)
                # In UTC: PostgreSQL refuses offsets beyond 15:59 that Python parses.
                value = value.astimezone(dt.UTC) if value is not None and value.tzinfo else value
            except (ValueError, OverflowError):
                value = None
            if value is None:
                raise ValidationError({name: [_("Enter a date and time in ISO 8601 format.")]})
            bounds &= Q(**{lookup: value})
    return queryset.filter(bounds).select_related("actor")
