"""The partner side of inquiries: ``/api/v1/partner/inquiries/``. A partner organisation sends an
inquiry about a national (with the basis on which it shares the family's data), names the consulate or
the county of arrest (its district consulate is chosen), and follows what it sent: a status and the
answer's date, never the person, the case, the answer's text or the searches (a case is shared only by a
referral on the person's consent, through the referral endpoints)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.filters import ChoicesFilter, FilterSet
from api.views import ApiViewMixin
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsPartnerMember
from cases.api.persons import IDEMPOTENCY_KEY
from consulates.models import Consulate, County
from intake.inquiries import services
from intake.models import LOCATED_RESULTS, Inquiry, InquiryStatus, LocateAttempt, Urgency

PARTNER_STATUSES = [
    ("in_progress", "in progress: no search has given a result yet"),
    ("located", "located: the consulate knows where the person is"),
    ("not_located", "not located so far: searches found nobody yet"),
    ("answered", "answered: the consulate answered the family"),
    ("withdrawn", "withdrawn: no answer is needed any more"),
]


def partner_status(inquiry: Inquiry) -> str:
    if inquiry.status == InquiryStatus.ANSWERED:
        return "answered"
    if inquiry.status == InquiryStatus.WITHDRAWN:
        return "withdrawn"
    if inquiry.located_at is not None:
        return "located"
    return "not_located" if getattr(inquiry, "searched", False) else "in_progress"


class PartnerInquirySerializer(serializers.ModelSerializer):
    """What the partner reads back: its own request's names, the consulate, the deadline and status."""

    status = serializers.SerializerMethodField(
        help_text="; ".join(f"`{k}`: {v}" for k, v in PARTNER_STATUSES)
    )

    class Meta:
        model = Inquiry
        fields = [
            "id",
            "consulate",
            "status",
            "urgency",
            "sought_given_names",
            "sought_paternal_surname",
            "sought_maternal_surname",
            "received_at",
            "respond_by",
            "answered_at",
        ]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return partner_status(obj)

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if obj.status != InquiryStatus.ANSWERED:
            data["answered_at"] = None  # a withdrawal's date is no answer's
        return data


class PartnerInquiryCreateSerializer(serializers.Serializer):
    consulate = serializers.PrimaryKeyRelatedField(
        queryset=Consulate.objects.all(),
        required=False,
        allow_null=True,
        help_text="The consulate asked (an id of /consulates/). Or give `arrest_county`.",
    )
    arrest_county = serializers.SlugRelatedField(
        slug_field="fips",
        queryset=County.objects.all(),
        required=False,
        allow_null=True,
        help_text="The county of arrest by FIPS code (e.g. `48201`, Harris County): its district consulate "
        "is asked when `consulate` is not given.",
    )
    sharing_basis = serializers.CharField(
        max_length=2000,
        help_text="Required: on what basis your organisation shares this family's data with the consulate "
        "(e.g. the family's written consent, date and who took it).",
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    caller_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
    caller_relationship = serializers.CharField(max_length=60, required=False, allow_blank=True)
    caller_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    caller_language = serializers.RegexField(
        r"^(es|en)$", max_length=2, required=False, help_text="The caller's language: `es` or `en`."
    )
    sought_given_names = serializers.CharField(max_length=120, required=False, allow_blank=True)
    sought_paternal_surname = serializers.CharField(max_length=80, required=False, allow_blank=True)
    sought_maternal_surname = serializers.CharField(max_length=80, required=False, allow_blank=True)
    sought_date_of_birth = serializers.DateField(required=False, allow_null=True)
    sought_birthplace = serializers.CharField(max_length=120, required=False, allow_blank=True)
    sought_a_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    arrest_place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    arrested_on = serializers.DateField(required=False, allow_null=True)
    details = serializers.CharField(max_length=5000, required=False, allow_blank=True)

    def validate(self, attrs):
        if not attrs.get("consulate") and not attrs.get("arrest_county"):
            raise serializers.ValidationError(
                {"consulate": [_("Choose the consulate, or give the county where the person was arrested.")]}
            )
        return attrs


class PartnerInquiryFilter(FilterSet):
    status = ChoicesFilter(choices=InquiryStatus.choices)

    class Meta:
        model = Inquiry
        fields = ["status"]


@extend_schema_view(
    list=extend_schema(tags=["partner"]),
    retrieve=extend_schema(tags=["partner"]),
    create=extend_schema(
        tags=["partner"],
        request=PartnerInquiryCreateSerializer,
        responses={201: PartnerInquirySerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
)
class PartnerInquiryViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """For partner organisations: send an inquiry about a national (a family asks where their relative
    is) and follow its status. You list and read only the inquiries your organisation sent."""

    serializer_class = PartnerInquirySerializer
    access_label = "partner inquiry"  # reads are in the access log, with the inquiry's number
    permission_classes = [IsPartnerMember]
    scope_family = None  # no staff app's token reaches the partners' door (oauth.scopes)
    filterset_class = PartnerInquiryFilter
    detail_query_params = {"retrieve": ()}

    def get_queryset(self):
        searched = LocateAttempt.objects.filter(inquiry=OuterRef("pk")).exclude(result__in=LOCATED_RESULTS)
        return (
            Inquiry.objects.visible_to(self.request.user)
            .only(*PartnerInquirySerializer.Meta.fields, "consulate_id", "located_at", "status")
            .annotate(searched=Exists(searched))
            .order_by("-created_at", "-pk")
        )

    def access_ids(self, obj) -> dict:
        return {}  # no person or case: the inquiry's number is in ``what``

    def record_read(self, request, obj, *, what: str) -> None:
        super().record_read(request, obj, what=f"{what} {obj.pk}")

    def create(self, request, *args, **kwargs):
        data = PartnerInquiryCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        consulate = values.pop("consulate", None)
        county = values.pop("arrest_county", None)
        if consulate is None:
            consulate = county.consulate
            if not values.get("arrest_place"):
                values["arrest_place"] = f"{county.name}, {county.state}"
        inquiry = services.inquiry_send(actor=request.user, consulate=consulate, **values)
        inquiry = self.get_queryset().get(pk=inquiry.pk)
        return Response(PartnerInquirySerializer(inquiry).data, status=status.HTTP_201_CREATED)
