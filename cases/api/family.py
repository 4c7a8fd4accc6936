"""Families (decision 0027): a person's relationships (``/persons/{person}/relationships/``: list, record,
correct with ``If-Match``, remove with ``If-Match`` and a reason), the same list on a case
(``/cases/{case}/relationships/``: its person's), a case's family-preparedness checklist
(``/cases/{case}/family-checklist/``), and a partner's read of the relationships of a referred case whose
consent covers ``family`` (``/partner/referrals/{referral}/relationships/``)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from api.conditional import expected_version
from api.views import ApiViewMixin
from cases import services
from cases.access import AccessAction, record_access
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsPartnerMember, IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY, IF_MATCH
from cases.models import Case, FamilyChecklistItem, FamilyRelationship, Person, Referral
from cases.models.family import (
    ChecklistItemKind,
    ChecklistStatus,
    DocumentToIssue,
    RelationshipKind,
    Whereabouts,
)
from cases.selectors.family import checklist_of, relationships_of
from consulates.policy import shared_case_ids

PERSON = OpenApiParameter("person_pk", int, OpenApiParameter.PATH, description="The person's id.")
CASE = OpenApiParameter("case_pk", int, OpenApiParameter.PATH, description="The case's id.")
REFERRAL = OpenApiParameter("referral_pk", int, OpenApiParameter.PATH, description="The referral's id.")


class RelativeCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    status = serializers.CharField()
    consulate = serializers.CharField(source="consulate.code")
    in_custody = serializers.BooleanField()


class RelativeSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    full_name = serializers.CharField()
    date_of_birth = serializers.DateField(allow_null=True)


class RelationshipSerializer(serializers.Serializer):
    """A relationship read from one person's side: ``relative`` is ``relative_kind`` (``label``) to that
    person."""

    id = serializers.IntegerField(source="relationship.pk")
    relative = RelativeSerializer()
    relative_kind = serializers.ChoiceField(choices=RelationshipKind.choices)
    label = serializers.CharField()
    relative_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices)
    person_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices, source="own_whereabouts")
    notes = serializers.CharField(source="relationship.notes")
    recorded_at = serializers.DateTimeField(source="relationship.recorded_at")
    version = serializers.IntegerField(source="relationship.version")
    relative_cases = RelativeCaseSerializer(source="cases", many=True)

    def to_representation(self, instance):
        # A relationship row (a create's answer, or its idempotent replay) is read from the side of the
        # person in the path, as the caller may see it now.
        if isinstance(instance, FamilyRelationship):
            person_pk = int(self.context["view"].kwargs["person_pk"])
            instance = _side(self.context["request"].user, person_pk, instance.pk)
        return super().to_representation(instance)


class PartnerRelationshipSerializer(serializers.Serializer):
    """What a partner reads: who the relative is to the person, and where they are (no cases)."""

    id = serializers.IntegerField(source="relationship.pk")
    relative_name = serializers.CharField(source="relative.full_name")
    relative_kind = serializers.ChoiceField(choices=RelationshipKind.choices)
    relative_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices)


class RelationshipInputSerializer(serializers.Serializer):
    relative = serializers.IntegerField(help_text="An id of /persons/ (one you may see).")
    kind = serializers.ChoiceField(
        choices=RelationshipKind.choices, help_text="What the relative is to the person."
    )
    relative_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices, default=Whereabouts.UNKNOWN)
    person_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices, default=Whereabouts.UNKNOWN)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RelationshipChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RelationshipKind.choices, required=False)
    relative_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices, required=False)
    person_whereabouts = serializers.ChoiceField(choices=Whereabouts.choices, required=False)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class RelationshipEndSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _side(user, person_id: int, relationship_id: int):
    for side in relationships_of(user, person_id):
        if side.relationship.pk == relationship_id:
            return side
    raise Http404


@extend_schema_view(
    list=extend_schema(tags=["families"], parameters=[PERSON], responses=RelationshipSerializer(many=True)),
    create=extend_schema(
        tags=["families"],
        parameters=[PERSON, IDEMPOTENCY_KEY],
        request=RelationshipInputSerializer,
        responses={201: RelationshipSerializer},
    ),
    partial_update=extend_schema(
        tags=["families"],
        parameters=[PERSON, IF_MATCH],
        request=RelationshipChangeSerializer,
        responses=RelationshipSerializer,
    ),
    destroy=extend_schema(
        tags=["families"],
        parameters=[PERSON, IF_MATCH],
        request=RelationshipEndSerializer,
        responses={204: None},
    ),
)
class PersonRelationshipViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The standing relationships of a person the caller may see (404 otherwise), each read from that
    person's side; only those whose two persons the caller sees."""

    permission_classes = [IsStaffMember]
    serializer_class = RelationshipSerializer
    pagination_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return FamilyRelationship.objects.visible_to(self.request.user)

    def _person(self) -> Person:
        return get_object_or_404(Person.objects.visible_to(self.request.user), pk=self.kwargs["person_pk"])

    def _relationship(self, person: Person) -> FamilyRelationship:
        relationship = get_object_or_404(
            self.get_queryset().active().of_person(person.pk), pk=self.kwargs["pk"]
        )
        self.etag_object = relationship
        return relationship

    def _respond(self, person: Person, relationship: FamilyRelationship, code=status.HTTP_200_OK):
        relationship.refresh_from_db()
        self.etag_object = relationship
        serializer = RelationshipSerializer(relationship, context=self.get_serializer_context())
        return Response(serializer.data, status=code)

    def list(self, request, *args, **kwargs):
        person = self._person()
        sides = relationships_of(request.user, person.pk)
        record_access(request, AccessAction.LIST, what="api: relationships", person_id=person.pk)
        return Response(RelationshipSerializer(sides, many=True).data)

    def create(self, request, *args, **kwargs):
        person = self._person()
        data = RelationshipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        relative = Person.objects.visible_to(request.user).filter(pk=values.pop("relative")).first()
        if relative is None:
            raise serializers.ValidationError({"relative": [_("Choose a person from the search.")]})
        relationship = services.relationship_add(
            actor=request.user, person=person, relative=relative, **values
        )
        return self._respond(person, relationship, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        person = self._person()
        relationship = self._relationship(person)
        version = expected_version(request, relationship)
        data = RelationshipChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relationship = services.relationship_correct(
            actor=request.user,
            relationship=relationship,
            expected_version=version,
            for_person=person,
            **data.validated_data,
        )
        return self._respond(person, relationship)

    def destroy(self, request, *args, **kwargs):
        person = self._person()
        relationship = self._relationship(person)
        version = expected_version(request, relationship)
        data = RelationshipEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.relationship_end(
            actor=request.user, relationship=relationship, expected_version=version, **data.validated_data
        )
        self.etag_object = None
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(tags=["families"], parameters=[CASE], responses=RelationshipSerializer(many=True))
)
class CaseRelationshipViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The relationships of a case's person (the case visible to the caller; 404 otherwise)."""

    permission_classes = [IsStaffMember]
    serializer_class = RelationshipSerializer
    pagination_class = None

    def get_queryset(self):
        return FamilyRelationship.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        case = get_object_or_404(Case.objects.visible_to(request.user), pk=self.kwargs["case_pk"])
        sides = relationships_of(request.user, case.person_id)
        record_access(request, AccessAction.LIST, what="api: relationships", case_id=case.pk)
        return Response(RelationshipSerializer(sides, many=True).data)


class ChecklistItemSerializer(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task_id", allow_null=True)
    title = serializers.CharField()

    class Meta:
        model = FamilyChecklistItem
        fields = [
            "id",
            "case",
            "kind",
            "title",
            "document",
            "description",
            "caregiver_name",
            "caregiver_contact",
            "status",
            "note",
            "due_on",
            "task",
            "created_at",
            "resolved_at",
            "version",
        ]
        read_only_fields = fields


class FamilyChecklistInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ChecklistItemKind.choices)
    document = serializers.ChoiceField(choices=DocumentToIssue.choices, required=False, allow_blank=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    caregiver_name = serializers.CharField(max_length=160, required=False, allow_blank=True)
    caregiver_contact = serializers.CharField(max_length=160, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class FamilyChecklistChangeSerializer(FamilyChecklistInputSerializer):
    kind = None
    status = serializers.ChoiceField(choices=ChecklistStatus.choices, required=False)


@extend_schema_view(
    list=extend_schema(tags=["families"], parameters=[CASE]),
    retrieve=extend_schema(tags=["families"], parameters=[CASE]),
    create=extend_schema(
        tags=["families"],
        parameters=[CASE, IDEMPOTENCY_KEY],
        request=FamilyChecklistInputSerializer,
        responses={201: ChecklistItemSerializer},
    ),
    partial_update=extend_schema(
        tags=["families"],
        parameters=[CASE, IF_MATCH],
        request=FamilyChecklistChangeSerializer,
        responses=ChecklistItemSerializer,
    ),
)
class FamilyChecklistViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """A case's family-preparedness checklist: each pending item is a task due on its date."""

    permission_classes = [IsStaffMember]
    serializer_class = ChecklistItemSerializer
    access_label = "family checklist"
    pagination_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _case(self) -> Case:
        return get_object_or_404(Case.objects.visible_to(self.request.user), pk=self.kwargs["case_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FamilyChecklistItem.objects.none()
        return (
            FamilyChecklistItem.objects.visible_to(self.request.user)
            .filter(case_id=self.kwargs["case_pk"])
            .order_by("pk")
        )

    def list(self, request, *args, **kwargs):
        case = self._case()
        record_access(request, AccessAction.LIST, what="api: family checklist list", case_id=case.pk)
        return Response(ChecklistItemSerializer(checklist_of(request.user, case), many=True).data)

    def _respond(self, item, code=status.HTTP_200_OK):
        item = self.get_queryset().get(pk=item.pk)
        self.etag_object = item
        return Response(ChecklistItemSerializer(item).data, status=code)

    def create(self, request, *args, **kwargs):
        case = self._case()
        data = FamilyChecklistInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_item_add(actor=request.user, case=case, **data.validated_data)
        return self._respond(item, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        version = expected_version(request, item)
        data = FamilyChecklistChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.checklist_item_update(
            actor=request.user, item=item, expected_version=version, **data.validated_data
        )
        return self._respond(item)


@extend_schema_view(
    list=extend_schema(
        tags=["partner"], parameters=[REFERRAL], responses=PartnerRelationshipSerializer(many=True)
    )
)
class PartnerRelationshipViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """The relationships of a referred case's person, while the person's standing consent covers
    ``family`` (404 otherwise, as for a referral the partner does not hold)."""

    permission_classes = [IsPartnerMember]
    scope_family = None  # no staff app's token reaches the partners' door (oauth.scopes)
    serializer_class = PartnerRelationshipSerializer
    pagination_class = None

    def get_queryset(self):
        return FamilyRelationship.objects.visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        referral = get_object_or_404(Referral.objects.visible_to(request.user), pk=self.kwargs["referral_pk"])
        partner_id = referral.partner_id
        shared = Case.objects.filter(pk__in=shared_case_ids(partner_id, "family"), pk=referral.case_id)
        person_id = shared.values_list("person_id", flat=True).first()
        if person_id is None or not referral.is_active:
            raise Http404
        sides = relationships_of(request.user, person_id, with_cases=False)
        record_access(request, AccessAction.LIST, what="api: partner relationships", case_id=referral.case_id)
        return Response(PartnerRelationshipSerializer(sides, many=True).data)
