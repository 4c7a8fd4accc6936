"""What a partner reads of a referral: only the data the person consented to share (the field-level
rules), and the bodies of the partner's answers."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import pgettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fast_output import FastOutputMixin
from cases.api.case_serializers import HearingSerializer
from cases.api.persons import EmergencyContactSerializer
from cases.categories import Category
from cases.languages import described
from cases.models import Referral
from cases.models.case import Status
from cases.models.crossoffice import DataCategory
from cases.models.document import Document, DocumentKind
from cases.models.person import Sex
from consulates.models import ReceptionPoint

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


class IdentitySerializer(FastOutputMixin, serializers.Serializer):
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


class CustodySerializer(FastOutputMixin, serializers.Serializer):
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


class SharedCaseSerializer(FastOutputMixin, serializers.Serializer):
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


class PartnerReferralSerializer(FastOutputMixin, serializers.ModelSerializer):
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


PARTNER_OUTPUT_COLUMNS = (
    *(field.name for field in Referral._meta.concrete_fields),
    "consent__scope",
    "consent__withdrawn_at",
    *(
        f"case__{name}"
        for name in (
            "reference", "consulate_id", "category", "subtype", "status", "person_id", "facility_id",
            "detained_since", "released_on", "arrested_at", "consulate_notified_at", "first_contact_at",
            "expected_removal_date", "reception_point_id",
        )
    ),
    *(
        f"case__person__{name}"
        for name in (
            "given_names", "paternal_surname", "maternal_surname", "date_of_birth", "sex", "curp",
            "a_number", "languages", "needs_interpreter", "preferred_language", "phone", "email",
        )
    ),
    "case__facility__name",
    "case__facility__city",
    "case__reception_point__name",
    "case__reception_point__kind",
    "case__reception_point__mx_city",
)  # fmt: skip
