"""Persons: list, search (POST: name, CURP or A-number), retrieve, register, partial update (staff only)."""

from __future__ import annotations

from contextlib import contextmanager

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.conditional import claimed_version
from api.fast_output import FastOutputMixin
from api.fields import DateTimeField, IsoDateTimeFilter
from api.filters import FilterSet
from api.views import ApiViewMixin
from cases import services
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.person_duplicates import (
    PossibleDuplicatesProblemSerializer,
    RegisterConfirmationSerializer,
    possible_duplicates_response,
)
from cases.api.search import PageSerializer, PostedSearchMixin, search_results_serializer
from cases.models import EmergencyContact, Person
from cases.models.person import ADDRESS_MAX_LENGTH, VULNERABILITY_FIELDS, Sex
from cases.selectors import person_search_filter
from cases.services.identifier_reviews import IdentifierReviewLimited, review_notices
from cases.services.registration import PossibleDuplicates, record_candidates_shown
from consulates.models import Consulate


class EmergencyContactSerializer(FastOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = EmergencyContact
        fields = ["id", "name", "relationship", "phone", "email", "in_mexico", "notes"]


class VulnerabilitySerializer(serializers.Serializer):
    is_minor = serializers.BooleanField()
    is_unaccompanied_minor = serializers.BooleanField()
    is_pregnant = serializers.BooleanField()
    is_older_adult = serializers.BooleanField()
    has_disability = serializers.BooleanField()
    has_serious_medical_condition = serializers.BooleanField()
    fears_return = serializers.BooleanField()


class PersonSerializer(FastOutputMixin, serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    vulnerability = serializers.SerializerMethodField()
    emergency_contacts = EmergencyContactSerializer(many=True, read_only=True)
    # "" when unknown, which an ``email`` format would not admit.
    email = serializers.CharField(read_only=True)
    # Read-only model fields lose ``allow_blank``; declared so the schema admits "" (not recorded).
    sex = serializers.ChoiceField(choices=Sex.choices, allow_blank=True, read_only=True)
    state_of_birth = serializers.CharField(read_only=True)
    preferred_language = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "given_names",
            "paternal_surname",
            "maternal_surname",
            "full_name",
            "date_of_birth",
            "sex",
            "state_of_birth",
            "curp",
            "a_number",
            "passport_number",
            "matricula_consular",
            "languages",
            "needs_interpreter",
            "preferred_language",
            "phone",
            "email",
            "us_address",
            "mexico_address",
            "contact_consent",
            "contact_consent_at",
            "vulnerability",
            "registered_by",
            "emergency_contacts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @staticmethod
    def _vulnerability(obj) -> dict:
        return {name: getattr(obj, name) for name in VULNERABILITY_FIELDS}

    def get_vulnerability(self, obj) -> VulnerabilitySerializer:
        return self._vulnerability(obj)


class PersonWriteResultSerializer(PersonSerializer):
    """A person as registered or changed, with what the caller should know about the write."""

    notices = serializers.SerializerMethodField(
        help_text=(
            "By field: an identifier you sent that was not recorded because it needs review by an "
            "administrator (everything else was saved). Empty when everything was recorded."
        )
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "notices"]
        read_only_fields = fields

    def get_notices(self, obj) -> dict[str, list[str]]:
        return review_notices(obj)


@contextmanager
def review_rate_limited():
    """Too many identifiers needing review from this user: 429 with ``Retry-After``."""
    try:
        yield
    except IdentifierReviewLimited as exc:
        raise exceptions.Throttled(wait=exc.retry_after, detail=" ".join(exc.messages)) from exc


class PersonWriteSerializer(RegisterConfirmationSerializer):
    """Input of register and partial update; the service validates CURP, A-number and the rest. The
    confirmation fields (after a 409 ``possible_duplicates``) apply to registration only."""

    given_names = serializers.CharField(max_length=120)
    paternal_surname = serializers.CharField(max_length=80, required=False, allow_blank=True)
    maternal_surname = serializers.CharField(max_length=80, required=False, allow_blank=True)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False, allow_blank=True)
    state_of_birth = serializers.CharField(max_length=2, required=False, allow_blank=True)
    curp = serializers.CharField(max_length=18, required=False, allow_blank=True, allow_null=True)
    a_number = serializers.CharField(max_length=15, required=False, allow_blank=True, allow_null=True)
    passport_number = serializers.CharField(max_length=20, required=False, allow_blank=True)
    matricula_consular = serializers.CharField(max_length=30, required=False, allow_blank=True)
    languages = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=10
    )
    needs_interpreter = serializers.BooleanField(required=False)
    preferred_language = serializers.ChoiceField(choices=[("es", "es"), ("en", "en")], required=False)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    us_address = serializers.CharField(
        max_length=ADDRESS_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Street address in the United States (where the person lives or was arrested).",
    )
    mexico_address = serializers.CharField(
        max_length=ADDRESS_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text="Street address in Mexico (hometown), for repatriation and family contact.",
    )
    contact_consent = serializers.BooleanField(required=False)
    is_minor = serializers.BooleanField(required=False)
    is_unaccompanied_minor = serializers.BooleanField(required=False)
    is_pregnant = serializers.BooleanField(required=False)
    is_older_adult = serializers.BooleanField(required=False)
    has_disability = serializers.BooleanField(required=False)
    has_serious_medical_condition = serializers.BooleanField(required=False)
    fears_return = serializers.BooleanField(required=False)
    registered_by = serializers.PrimaryKeyRelatedField(
        queryset=Consulate.objects.all(),
        required=False,
        help_text="On registration; default: your consulate.",
    )


class PersonFilter(FilterSet):
    """The list's filters (query string): nothing personal."""

    registered_by = filters.ModelChoiceFilter(queryset=Consulate.objects.all())
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Person
        fields = ["registered_by", "updated_since"]


class PersonSearchFilter(PersonFilter):
    """The list's filters and the personal ones, applied by ``POST persons/search/`` from its body."""

    search = filters.CharFilter(method="filter_search")
    curp = filters.CharFilter(method="filter_curp")
    a_number = filters.CharFilter(method="filter_a_number")

    class Meta(PersonFilter.Meta):
        fields = ["search", "curp", "a_number", *PersonFilter.Meta.fields]

    def filter_search(self, queryset, name, value):
        return queryset.filter(person_search_filter(value))

    def filter_curp(self, queryset, name, value):
        return queryset.with_curp(value)

    def filter_a_number(self, queryset, name, value):
        return queryset.with_a_number(value)


class PersonSearchSerializer(PageSerializer):
    """Body of ``POST persons/search/``: any of the list's filters, and ``limit``/``offset``."""

    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Name words (accents ignored), CURP or A-number.",
    )
    curp = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="Exact CURP.")
    a_number = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="Exact A-number, with or without dashes."
    )
    registered_by = serializers.PrimaryKeyRelatedField(queryset=Consulate.objects.all(), required=False)
    updated_since = DateTimeField(required=False, help_text="Changed at or after this time.")


IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True, description="The ETag you read."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Retry-safe POSTs: same key, same answer.",
)


@extend_schema_view(
    list=extend_schema(tags=["persons"]),
    search=extend_schema(
        tags=["persons"],
        summary="Search persons by name, CURP or A-number (in the body, never in the address)",
        request=PersonSearchSerializer,
        responses=search_results_serializer("PersonSearchResults", PersonSerializer),
    ),
    retrieve=extend_schema(tags=["persons"]),
    create=extend_schema(
        tags=["persons"],
        description=(
            "Registers a person. When the person may already be registered (a likely duplicate among the "
            "persons you may see), nothing is saved and the answer is 409 `possible_duplicates` with the "
            "`candidates`: use the existing person, or send the registration again with "
            "`confirm_new_person: true` and a `new_person_reason`."
        ),
        request=PersonWriteSerializer,
        responses={201: PersonWriteResultSerializer, 409: PossibleDuplicatesProblemSerializer},
        parameters=[IDEMPOTENCY_KEY],
    ),
    partial_update=extend_schema(
        tags=["persons"],
        request=PersonWriteSerializer,
        responses={200: PersonWriteResultSerializer},
        parameters=[IF_MATCH],
    ),
)
class PersonViewSet(
    PostedSearchMixin,
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Persons the caller may see (``visible_to``). Names and identifiers are searched with
    ``POST persons/search/``, so that they never appear in an address."""

    serializer_class = PersonSerializer
    permission_classes = [IsStaffMember]
    access_label = "person"
    filterset_class = PersonFilter
    search_filterset_class = PersonSearchFilter
    search_serializer_class = PersonSearchSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["paternal_surname", "maternal_surname", "given_names", "pk"]

    def get_queryset(self):
        return (
            Person.objects.visible_to(self.request.user)
            .prefetch_related(
                Prefetch("emergency_contacts", queryset=EmergencyContact.objects.order_by("pk"))
            )
            .order_by(*self.ordering)
        )

    def access_ids(self, obj) -> dict:
        return {"person_id": obj.pk}

    def create(self, request, *args, **kwargs):
        data = PersonWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        consulate = values.pop("registered_by", None)
        try:
            with review_rate_limited():
                person = services.person_register_screened(
                    actor=request.user, consulate=consulate, request=request, **values
                )
        except PossibleDuplicates as exc:
            record_candidates_shown(request, exc.candidates)
            return possible_duplicates_response(exc)
        self.etag_object = person
        return Response(PersonWriteResultSerializer(person).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = self.get_object()
        expected = claimed_version(request, person)
        data = PersonWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        for name in ("registered_by", *RegisterConfirmationSerializer().fields):
            values.pop(name, None)
        with review_rate_limited():
            person = services.person_update(
                actor=request.user, person=person, expected_version=expected, request=request, **values
            )
        self.etag_object = person
        saved = self.get_queryset().get(pk=person.pk)
        saved.identifiers_in_review = person.identifiers_in_review
        return Response(PersonWriteResultSerializer(saved).data)
