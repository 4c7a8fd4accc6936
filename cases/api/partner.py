"""The partner side: my referrals, with only the data the person consented to share, and the answers
and updates a partner gives. What it may read of each is cases/api/partner_serializers.py."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from api import statements
from api.conditional import claimed_version, if_match
from api.fields import IsoDateTimeFilter
from api.filters import ChoicesFilter, FilterSet
from api.pagination import TimelineCursor
from api.parsers import MultiPartParser
from api.schema import ETAG_HEADER
from api.views import ApiViewMixin, CompiledListMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.case_serializers import EventSerializer, ReasonSerializer
from cases.api.cases import OPTIONAL_IF_MATCH, TIMELINE_PARAMETERS, TIMELINE_QUERY_PARAMS, timeline_events
from cases.api.partner_serializers import (
    PARTNER_OUTPUT_COLUMNS,
    DocumentSerializer,
    DocumentUploadSerializer,
    OutcomeSerializer,
    PartnerNoteOptionalSerializer,
    PartnerNoteSerializer,
    PartnerReferralSerializer,
)
from cases.api.permissions import IsPartnerMember, caller_key
from cases.api.persons import IDEMPOTENCY_KEY
from cases.downloads import document_response
from cases.models import CaseEvent, EmergencyContact, Hearing, Referral
from cases.models.crossoffice import DataCategory, ReferralStatus
from cases.models.document import Document
from cases.models.work import HearingStatus
from consulates.models import Partner
from consulates.policy import partner_of
from consulates.services import partner_webhook_secret_rotate


# What a shared case shows beside its own row (``SharedCaseSerializer``), from the referral, the case or
# the person (``to``: the path to them).
def _contacts(to: str = "case__person__") -> Prefetch:
    return Prefetch(f"{to}emergency_contacts", queryset=EmergencyContact.objects.order_by("pk"))


def _hearings(to: str = "case__") -> Prefetch:
    scheduled = Hearing.objects.filter(status=HearingStatus.SCHEDULED).order_by("starts_at")
    return Prefetch(f"{to}hearings", queryset=scheduled)


def _contacts_of(person_ids):
    return _contacts(to="").queryset.filter(statements.any_of("person_id", person_ids))


def _hearings_of(case_ids):
    return _hearings(to="").queryset.filter(statements.any_of("case_id", case_ids))


class PartnerReferralFilter(FilterSet):
    status = ChoicesFilter(choices=ReferralStatus.choices)
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Referral
        fields = ["status", "service", "updated_since"]


def _expected_updated_at(request, referral: Referral) -> str | None:
    """``If-Match`` on a partner action is optional, as on the staff's case actions: when sent, the
    version the caller read (412 for an ETag of another resource, or garbage); the service compares it
    with the referral under lock, so of two callers holding the same ETag exactly one wins."""
    if not request.headers.get("If-Match") or if_match(request) == "*":
        return None
    return claimed_version(request, referral)


def _action_schema(request, description: str):
    """A state change of the referral: answers the referral with its new ``ETag``."""
    return extend_schema(
        tags=["partner"],
        description=description,
        request=request,
        responses=PartnerReferralSerializer,
        parameters=[OPTIONAL_IF_MATCH, IDEMPOTENCY_KEY, ETAG_HEADER],
    )


@extend_schema_view(
    list=extend_schema(tags=["partner"]),
    retrieve=extend_schema(tags=["partner"], parameters=[ETAG_HEADER]),
)
class PartnerReferralViewSet(
    AccessLoggedViewSetMixin,
    CompiledListMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """For partner organisations: the referrals made to the caller's organisation, with what the consulate
    shared under the person's consent. Accept or decline a new referral, start and complete the work,
    add notes and documents; the consulate follows each step on the case's timeline. Each retrieve is
    recorded in the access log. A referral's answer carries its ``ETag``; send it back in ``If-Match``
    with an action to be refused (412) if the referral changed meanwhile."""

    serializer_class = PartnerReferralSerializer
    access_label = "partner referral"
    permission_classes = [IsPartnerMember]
    scope_family = None  # no staff app's token reaches the partners' door (oauth.scopes)
    filterset_class = PartnerReferralFilter
    # The list's parameters whose meaning is their text alone (``CompiledListMixin``).
    compiled_list_params = frozenset({"status", "service", "updated_since", "limit", "offset"})
    # A referral's detail and timeline take only what they declare (and their paging): 400 otherwise.
    detail_query_params = {
        "retrieve": (),
        "timeline": TIMELINE_QUERY_PARAMS,
        "list_documents": (),
        "document": (),
    }

    def get_queryset(self):
        referrals = Referral.objects.visible_to(self.request.user)
        if self.action in ("list", "retrieve"):
            # A read: only the columns the answer can show (no decrypting of what it never shows).
            referrals = referrals.only(*PARTNER_OUTPUT_COLUMNS)
        referrals = referrals.select_related(
            "consent", "case__person", "case__facility", "case__reception_point"
        ).order_by("-updated_at", "-pk")
        if self.action == "list":
            return referrals  # the page's shared contacts and hearings: ``page_related``
        return referrals.prefetch_related(_contacts(), _hearings())

    def compiled_caller(self):
        return caller_key(self.request.user)

    def page_related(self, page: list) -> None:
        """The emergency contacts and scheduled hearings of the page's referrals that show them: active,
        on a standing consent whose scope covers them (what ``SharedCaseSerializer`` writes). None read
        for the others."""
        shared = [r for r in page if r.is_active and r.consent.withdrawn_at is None]
        persons = [r.case.person for r in shared if DataCategory.CONTACT in r.consent.scope]
        cases = [r.case for r in shared if DataCategory.HEARINGS in r.consent.scope]
        for instances, relation, prefetch, build in (
            (persons, "emergency_contacts", _contacts, _contacts_of),
            (cases, "hearings", _hearings, _hearings_of),
        ):
            if not instances:
                continue
            found = statements.statement(f"partner.{relation}", None, build, placeholder=[])
            if found is None:
                prefetch_related_objects(instances, prefetch(to=""))
                continue
            rows = found.run([instance.pk for instance in instances])
            statements.attach(instances, relation, rows, by=f"{instances[0]._meta.model_name}_id")

    def access_ids(self, obj) -> dict:
        return {"case_id": obj.case_id, "person_id": obj.case.person_id}

    def _answer(self, request, service, serializer_class=None):
        referral = self.get_object()
        values = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        expected = _expected_updated_at(request, referral)
        service(actor=request.user, referral=referral, expected_updated_at=expected, **values)
        referral = self.get_queryset().get(pk=referral.pk)
        self.etag_object = referral  # the referral changed: its new ETag goes with the answer
        return Response(PartnerReferralSerializer(referral).data)

    @_action_schema(None, "Accept a referral awaiting your answer.")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, **kwargs):
        return self._answer(request, services.referral_accept)

    @_action_schema(ReasonSerializer, "Decline a referral awaiting your answer, saying why.")
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None, **kwargs):
        return self._answer(request, services.referral_decline, ReasonSerializer)

    @_action_schema(PartnerNoteOptionalSerializer, "Start the work on an accepted referral.")
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None, **kwargs):
        return self._answer(request, services.referral_start, PartnerNoteOptionalSerializer)

    @_action_schema(OutcomeSerializer, "Complete the referral, saying what was done for the person.")
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, **kwargs):
        return self._answer(request, services.referral_complete, OutcomeSerializer)

    @extend_schema(
        tags=["partner"],
        request=PartnerNoteSerializer,
        responses={201: EventSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None, **kwargs):
        referral = self.get_object()
        data = PartnerNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.referral_note_add(
            actor=request.user, referral=referral, text=data.validated_data["text"]
        )
        self.etag_object = None
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["partner"],
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], filterset_class=None)
    def documents(self, request, pk=None, **kwargs):
        referral = self.get_object()
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.referral_document_upload(
            actor=request.user, referral=referral, **data.validated_data
        )
        self.etag_object = None
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    def _shared_documents(self, referral: Referral):
        """The documents of the referral's case this partner may read (the policy's scope), through an
        active referral on a standing consent only: an ended referral is no way to the case."""
        if not referral.is_active or referral.consent.withdrawn_at is not None:
            return Document.objects.none()
        return Document.objects.visible_to(self.request.user).filter(case_id=referral.case_id)

    @extend_schema(
        tags=["partner"],
        description="The documents of the referral's case you may read: those you uploaded, and those "
        "whose kind the person's consent covers (identity documents with `identity`, court papers with "
        "`hearings`, repatriation papers with `custody`, correspondence with `notes`). Empty once the "
        "referral has ended.",
        responses=DocumentSerializer(many=True),
    )
    @documents.mapping.get
    def list_documents(self, request, pk=None, **kwargs):
        referral = self.get_object()
        self.etag_object = None
        documents = self._shared_documents(referral).order_by("-uploaded_at", "-pk")
        page = self.paginate_queryset(documents)
        response = self.get_paginated_response(DocumentSerializer(page, many=True).data)
        self.record_read(request, referral, what="api: partner referral documents")
        return response

    @extend_schema(
        tags=["partner"],
        description="Download one document of the referral's case (see the list for which): the file, "
        "as an attachment named `document-<id>.<ext>`. Each download is recorded in the access log.",
        # The stored file, in its own type (documents are only ever PDF, JPEG or PNG).
        responses={
            (200, media): OpenApiTypes.BINARY for media in ("application/pdf", "image/jpeg", "image/png")
        },
        parameters=[OpenApiParameter("document_id", int, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"documents/(?P<document_id>[0-9]+)",
        url_name="document",
        filterset_class=None,
        pagination_class=None,
    )
    def document(self, request, pk=None, document_id=None, **kwargs):
        referral = self.get_object()
        self.etag_object = None
        document = self._shared_documents(referral).select_related("case").filter(pk=document_id).first()
        if document is None:
            raise Http404
        return document_response(request, document, what="api: partner document download")

    @extend_schema(tags=["partner"], responses=EventSerializer(many=True), parameters=TIMELINE_PARAMETERS)
    @action(detail=True, methods=["get"], pagination_class=TimelineCursor, filterset_class=None)
    def timeline(self, request, pk=None, **kwargs):
        referral = self.get_object()
        self.etag_object = None
        events = timeline_events(request, CaseEvent.objects.visible_to(request.user).of_referral(referral))
        page = self.paginate_queryset(events)
        response = self.get_paginated_response(EventSerializer(page, many=True).data)
        self.record_read(request, referral, what="api: partner referral timeline")
        return response


class WebhookSecretSerializer(serializers.Serializer):
    webhook_secret = serializers.CharField(
        help_text="Your organisation's new signing secret (`whsec_<base64>`), shown this once: store it "
        "now. Webhooks are signed with it from this moment; the previous secret no longer verifies."
    )


class PartnerWebhookSecretView(ApiViewMixin, APIView):
    """Replace your organisation's webhook signing secret with a new random one, answered once. A retry
    with the same ``Idempotency-Key`` does not show it again (it answers 201 without a body): if you
    lost the answer, rotate again with a new key."""

    permission_classes = [IsPartnerMember]
    scope_family = None  # no staff app's token reaches the partners' door (oauth.scopes)

    @extend_schema(
        tags=["partner"], request=None, responses={201: WebhookSecretSerializer}, parameters=[IDEMPOTENCY_KEY]
    )
    def post(self, request, **kwargs):
        partner = Partner.objects.get(pk=partner_of(request.user))
        secret = partner_webhook_secret_rotate(actor=request.user, partner=partner)
        self.etag_object = None
        return Response({"webhook_secret": secret}, status=status.HTTP_201_CREATED)
