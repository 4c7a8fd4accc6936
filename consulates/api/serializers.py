"""Reference data of the network, read-only."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consulates.models import Consulate, County, DetentionFacility, ImmigrationCourt, Partner, ReceptionPoint
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
    county_fips = serializers.CharField(source="county.fips", read_only=True)
    district_consulate = serializers.IntegerField(source="county.consulate_id", read_only=True)
    timezone = serializers.CharField(
        source="zone_name", read_only=True, help_text="IANA zone: the facility's own, else its county's."
    )

    class Meta:
        model = DetentionFacility
        fields = [
            "id",
            "name",
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


class ReceptionPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReceptionPoint
        fields = ["id", "name", "kind", "mx_city", "mx_state", "us_counterpart", "mexico_te_abraza", "active"]


class PartnerSerializer(serializers.ModelSerializer):
    services = serializers.ListField(child=serializers.CharField(), read_only=True)
    consulates = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    contact = serializers.SerializerMethodField()

    class Meta:
        model = Partner
        fields = ["id", "name", "services", "consulates", "website", "active", "contact"]

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
