"""Reference data of the network, read-only."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consulates.models import (
    ConsularPost,
    Consulate,
    County,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    ReceptionPoint,
)
from consulates.policy import can


class ConsulateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="official_name", read_only=True)

    class Meta:
        model = Consulate
        fields = [
            "id",
            "slug",
            "code",
            "name",
            "kind",
            "city",
            "state",
            "address",
            "phone",
            "website",
            "timezone",
        ]


class CountySerializer(serializers.ModelSerializer):
    consulate_code = serializers.CharField(source="consulate.code", read_only=True)

    class Meta:
        model = County
        fields = [
            "id",
            "fips",
            "name",
            "state",
            "consulate",
            "consulate_code",
            "basis",
            "confidence",
            "timezone",
        ]


class DetentionFacilitySerializer(serializers.ModelSerializer):
    # A facility outside the network has no county: no FIPS code and no district (null).
    county_fips = serializers.CharField(source="county.fips", read_only=True, allow_null=True, default=None)
    district_consulate = serializers.IntegerField(
        source="county.consulate_id", read_only=True, allow_null=True, default=None
    )
    timezone = serializers.CharField(
        source="zone_name", read_only=True, help_text="IANA zone: the facility's own, else its county's."
    )

    class Meta:
        model = DetentionFacility
        fields = [
            "id",
            "name",
            "kind",
            "operator",
            "city",
            "state",
            "county",
            "county_fips",
            "district_consulate",
            "ice_field_office",
            "address",
            "timezone",
            "active",
        ]


class ImmigrationCourtSerializer(serializers.ModelSerializer):
    class Meta:
        model = ImmigrationCourt
        fields = [
            "id",
            "name",
            "kind",
            "city",
            "state",
            "address",
            "district",
            "abbreviation",
            "division",
            "inside_facility",
            "control_court",
            "timezone",
            "phone",
            "basis",
            "active",
        ]


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:00"})
class WallClockField(serializers.TimeField):
    """A local wall-clock time ("08:00") of the place, without an offset (JSON schema's ``time`` needs one)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", read_only=True, allow_null=True, **kwargs)


class ReceptionPointSerializer(serializers.ModelSerializer):
    hours_from = WallClockField(help_text="Local time of the point; only where the source gives the hours.")
    hours_to = WallClockField()

    class Meta:
        model = ReceptionPoint
        fields = [
            "id",
            "name",
            "kind",
            "mx_city",
            "mx_state",
            "us_counterpart",
            "designated_2016",
            "designation_text",
            "receivers",
            "receives",
            "agreed_hours",
            "hours_from",
            "hours_to",
            "status",
            "status_text",
            "status_date",
            "timezone",
            "offered",
            "basis",
        ]
        extra_kwargs = {  # noqa: RUF012
            "designation_text": {"help_text": "As the source words it, e.g. `yes (inferred)`."},
            "receives": {"help_text": "Who receives there, as the source words it."},
            "agreed_hours": {"help_text": "As the source gives them; empty when no source gives them."},
            "status": {"help_text": "Empty when the sources do not say."},
            "status_date": {"help_text": "As the source gives it: a day, a month or a year (`2025-01`)."},
            "timezone": {"help_text": "IANA zone of the point; empty when not recorded."},
            "offered": {"help_text": "Whether a new hand-off or case may name this point."},
        }


class PartnerSerializer(serializers.ModelSerializer):
    services = serializers.ListField(child=serializers.CharField(), read_only=True)
    consulates = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "state", "services", "consulates", "website", "active", "contact"]

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "description": "The partner's contact person; for consular staff only.",
            "properties": {
                "name": {"type": "string"},
                "email": {"type": "string"},
                "phone": {"type": "string"},
            },
        }
    )
    def get_contact(self, obj):
        request = self.context.get("request")
        if request is None or not can(request.user, "staff.enter"):
            return None
        return {"name": obj.contact_name, "email": obj.contact_email, "phone": obj.contact_phone}


class ConsularPostSerializer(serializers.ModelSerializer):
    # Empty where the sources do not say consulate general or consulate.
    kind = serializers.ChoiceField(choices=ConsularPost.Kind.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ConsularPost
        fields = [
            "id", "name", "title_confirmed", "city", "state", "website", "kind", "in_network", "consulate", "basis"
        ]  # fmt: skip
        read_only_fields = fields
