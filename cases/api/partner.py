"""The partner side: my referrals, with only the data the person consented to share, and the answers
and updates a partner gives. Field-level rules live here, beside the serializers."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import pgettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import claimed_version, if_match
from api.fields import IsoDateTimeFilter
from api.filters import ChoicesFilter
from api.pagination import TimelineCursor
from api.schema import ETAG_HEADER
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.case_serializers import EventSerializer, HearingSerializer, ReasonSerializer
from cases.api.cases import OPTIONAL_IF_MATCH, TIMELINE_PARAMETERS, TIMELINE_QUERY_PARAMS, timeline_events
from cases.api.permissions import IsPartnerMember
from cases.api.persons import IDEMPOTENCY_KEY, EmergencyContactSerializer
from cases.categories import Category
from cases.downloads import document_response
from cases.languages import described
from cases.models import CaseEvent, EmergencyContact, Hearing, Referral
from cases.models.case import Status
from cases.models.crossoffice import DataCategory, ReferralStatus
from cases.models.document import Document, DocumentKind
from cases.models.person import Sex
from cases.models.work import HearingStatus
from consulates.models import Partner, ReceptionPoint
from consulates.policy import partner_of
from consulates.services import partner_webhook_secret_rotate

DETENTION_FACILITY = "detention_facility"
PLACE_KINDS = [
    (DETENTION_FACILITY, pgettext_lazy("place kind", "Detention facility")),
    *ReceptionPoint.Kind.choices,
]


class LanguageSerializer(serializers.Serializer):
    code = serializers.CharField(
        allow_null=True,
        help_text="ISO 639 code: ISO 639-1 where one exists (`es`, `en`), otherwise ISO 639-3 (`tzo`, "
        "`yua`) or the ISO 639-2 collective code of a family (`nah`, `oto`); `null` when the recorded "
        "language has no single code (Mixtec, Mixe, Chinantec…) or is not known to the service.",
    )
    label = serializers.CharField(
        help_text="The language's name, in the caller's language; if `code` is "
        "null, the word the consulate recorded."
    )


class IdentitySerializer(serializers.Serializer):
    given_names = serializers.CharField()
    paternal_surname = serializers.CharField()
    maternal_surname = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)
    sex = serializers.ChoiceField(
        choices=Sex.choices,
        allow_blank=True,
        help_text="Mexican civil-registry codes (as in the CURP): `H` hombre (male), `M` mujer (female), "
        "`X` non-binary; empty when not recorded.",
    )
    curp = serializers.CharField(allow_null=True)
    a_number = serializers.CharField(allow_null=True)
    languages = serializers.SerializerMethodField()
    needs_interpreter = serializers.BooleanField()
    preferred_language = serializers.ChoiceField(
        choices=settings.LANGUAGES, help_text="The language the person wants messages in (ISO 639-1)."
    )

    @extend_schema_field(LanguageSerializer(many=True))
    def get_languages(self, obj):
        return described(obj.languages)


class PlaceSerializer(serializers.Serializer):
    """A place named by the case: a detention facility or a reception point in Mexico."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=PLACE_KINDS,
        help_text="`detention_facility` (an immigration detention facility in the US), or the kind of "
        "reception point in Mexico.",
    )
    city = serializers.CharField()


class ContactSerializer(serializers.Serializer):
    phone = serializers.CharField()
    email = serializers.CharField()
    emergency_contacts = EmergencyContactSerializer(many=True)


def _place(obj, kind: str, city: str) -> dict | None:
    return None if obj is None else {"id": obj.pk, "name": obj.name, "kind": kind, "city": city}


class CustodySerializer(serializers.Serializer):
    facility = serializers.SerializerMethodField()
    detained_since = serializers.DateField(allow_null=True)
    released_on = serializers.DateField(allow_null=True)
    in_custody = serializers.BooleanField()
    arrested_at = serializers.DateTimeField(allow_null=True)
    consulate_notified_at = serializers.DateTimeField(allow_null=True)
    first_contact_at = serializers.DateTimeField(allow_null=True)
    expected_removal_date = serializers.DateField(allow_null=True)
    reception_point = serializers.SerializerMethodField()

    @extend_schema_field(PlaceSerializer(allow_null=True))
    def get_facility(self, obj):
        facility = obj.facility
        return _place(facility, DETENTION_FACILITY, facility.city if facility else "")

    @extend_schema_field(PlaceSerializer(allow_null=True))
    def get_reception_point(self, obj):
        point = obj.reception_point
        return _place(point, point.kind if point else "", point.mx_city if point else "")


class SharedCaseSerializer(serializers.Serializer):
    """The case as this partner may see it: a data category the person did not consent to is null."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    consulate = serializers.IntegerField(source="consulate_id")
    category = serializers.ChoiceField(choices=Category.choices)
    subtype = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    scope = serializers.SerializerMethodField()
    identity = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    custody = serializers.SerializerMethodField()
    hearings = serializers.SerializerMethodField()

    def _scope(self) -> list[str]:
        return self.context["scope"]

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=DataCategory.choices)))
    def get_scope(self, obj):
        return list(self._scope())

    @extend_schema_field(IdentitySerializer(allow_null=True))
    def get_identity(self, obj):
        return IdentitySerializer(obj.person).data if DataCategory.IDENTITY in self._scope() else None

    @extend_schema_field(ContactSerializer(allow_null=True))
    def get_contact(self, obj):
        if DataCategory.CONTACT not in self._scope():
            return None
        person = obj.person
        return {
            "phone": person.phone,
            "email": person.email,
            "emergency_contacts": EmergencyContactSerializer(person.emergency_contacts.all(), many=True).data,
        }

    @extend_schema_field(CustodySerializer(allow_null=True))
    def get_custody(self, obj):
        return CustodySerializer(obj).data if DataCategory.CUSTODY in self._scope() else None

    @extend_schema_field(HearingSerializer(many=True, allow_null=True))
    def get_hearings(self, obj):
        if DataCategory.HEARINGS not in self._scope():
            return None
        return HearingSerializer(obj.hearings.all(), many=True).data


class PartnerReferralSerializer(serializers.ModelSerializer):
    answer_overdue = serializers.BooleanField(read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = Referral
        fields = [
            "id",
            "service",
            "request_note",
            "status",
            "answer_overdue",
            "referred_at",
            "responded_at",
            "decline_reason",
            "completed_at",
            "outcome_note",
            "withdrawn_at",
            "withdrawal_reason",
            "updated_at",
            "case",
        ]
        read_only_fields = fields

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if not obj.is_active or obj.consent.withdrawn_at is not None:
            # Like the case data: the notes about the person (what the consulate asked for, what came of
            # it) are shared through the referral while it is active and the consent stands; an ended
            # referral stays listed as a row of the partner's history, nothing more.
            data["request_note"] = ""
            data["outcome_note"] = ""
        return data

    @extend_schema_field(SharedCaseSerializer(allow_null=True))
    def get_case(self, obj):
        """Only while the referral is active and the person's consent stands; then only what it covers."""
        if not obj.is_active or obj.consent.withdrawn_at is not None:
            return None
        return SharedCaseSerializer(obj.case, context={"scope": obj.consent.scope}).data


class PartnerNoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10000)


class PartnerNoteOptionalSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class OutcomeSerializer(serializers.Serializer):
    outcome_note = serializers.CharField(max_length=10000)


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id",
            "case",
            "kind",
            "description",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
        ]
        read_only_fields = fields


class PartnerReferralFilter(filters.FilterSet):
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
    # A referral's detail and timeline take only what they declare (and their paging): 400 otherwise.
    detail_query_params = {
        "retrieve": (),
        "timeline": TIMELINE_QUERY_PARAMS,
        "list_documents": (),
        "document": (),
    }

    def get_queryset(self):
        return (
            Referral.objects.visible_to(self.request.user)
            .select_related("consent", "case__person", "case__facility", "case__reception_point")
            .prefetch_related(
                Prefetch(
                    "case__person__emergency_contacts", queryset=EmergencyContact.objects.order_by("pk")
                ),
                Prefetch(
                    "case__hearings",
                    queryset=Hearing.objects.filter(status=HearingStatus.SCHEDULED).order_by("starts_at"),
                ),
            )
            .order_by("-updated_at", "-pk")
        )

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
