"""Case representations for staff, and the inputs of case writes and actions."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fast_output import FastOutputMixin
from api.fields import DateTimeField
from cases.models import Case, CaseEvent, Consent, Hearing, Person, Referral, Task, Transfer
from cases.models.case import CLOSURE_OUTCOMES, NotificationRequest, NotifiedBy, Outcome, Priority
from cases.models.crossoffice import ConsentMethod, DataCategory
from cases.models.identity import ArrestingAgency
from cases.models.removal import RemovalMode
from cases.models.work import NOTE_KINDS, HearingKind
from consulates.models import (
    Consulate,
    DetentionFacility,
    ImmigrationCourt,
    Partner,
    PartnerService,
    ReceptionPoint,
)


class UserRefSerializer(FastOutputMixin, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class PersonRefSerializer(FastOutputMixin, serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Person
        fields = ["id", "full_name", "curp", "a_number"]


class Art36Serializer(serializers.Serializer):
    advice_delay_hours = serializers.FloatField(allow_null=True, help_text="Arrest to advised of the right.")
    notification_delay_hours = serializers.FloatField(allow_null=True)
    contact_delay_hours = serializers.FloatField(allow_null=True)
    contact_expected = serializers.BooleanField(
        help_text="False when the person declined notification or opposes consular action."
    )
    contact_overdue = serializers.BooleanField(
        help_text="The network's internal 48-hour contact target missed (not a treaty deadline)."
    )


def _hours(delta) -> float | None:
    return round(delta.total_seconds() / 3600, 2) if delta is not None else None


# The reads that answer with ``CaseSerializer`` load only the related columns it shows.
CASE_OUTPUT_ACTIONS = frozenset({"list", "retrieve", "search"})
CASE_OUTPUT_COLUMNS = (
    *(field.name for field in Case._meta.concrete_fields),
    "person__given_names",
    "person__paternal_surname",
    "person__maternal_surname",
    "person__curp",
    "person__a_number",
    "person__anonymised_at",
    "consulate__code",
    "assigned_to__first_name",
    "assigned_to__last_name",
    "assigned_to__username",
)


class CaseSerializer(FastOutputMixin, serializers.ModelSerializer):
    person = PersonRefSerializer(read_only=True)
    consulate_code = serializers.CharField(source="consulate.code", read_only=True)
    assigned_to = UserRefSerializer(read_only=True, allow_null=True)
    in_custody = serializers.BooleanField(read_only=True)
    art36 = serializers.SerializerMethodField()
    # Read-only model fields lose ``allow_blank``; declared here so the schema admits "" (not yet known).
    notified_by = serializers.ChoiceField(choices=NotifiedBy.choices, allow_blank=True, read_only=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    arresting_agency = serializers.ChoiceField(
        choices=ArrestingAgency.choices, allow_blank=True, read_only=True
    )
    removal_mode = serializers.ChoiceField(choices=RemovalMode.choices, allow_blank=True, read_only=True)
    expected_removal_time = serializers.TimeField(
        read_only=True, allow_null=True, help_text="Local time at the reception point (its `timezone`)."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "person",
            "consulate",
            "consulate_code",
            "category",
            "subtype",
            "status",
            "priority",
            "summary",
            "assigned_to",
            "facility",
            "detained_since",
            "released_on",
            "in_custody",
            "arrested_at",
            "arresting_agency",
            "advised_at",
            "notification_request",
            "notification_request_at",
            "consulate_notified_at",
            "notified_by",
            "first_contact_at",
            "opposes_consular_action",
            "opposition_recorded_at",
            "opposition_note",
            "art36",
            "expected_removal_date",
            "expected_removal_time",
            "removal_mode",
            "removal_carrier",
            "removal_flight_number",
            "reception_point",
            "outcome",
            "outcome_notes",
            "opened_at",
            "closed_at",
            "last_activity_at",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(Art36Serializer)
    def get_art36(self, obj) -> dict:
        return {
            "advice_delay_hours": _hours(obj.advice_delay),
            "notification_delay_hours": _hours(obj.notification_delay),
            "contact_delay_hours": _hours(obj.contact_delay),
            "contact_expected": obj.art36_contact_expected,
            "contact_overdue": obj.art36_contact_overdue,
        }


@extend_schema_field(OpenApiTypes.INT)
class VisiblePersonField(serializers.PrimaryKeyRelatedField):
    """A person id among those the caller may see: a hidden person reads exactly like a missing one."""

    def get_queryset(self):
        request = self.context.get("request")
        return Person.objects.visible_to(request.user) if request is not None else Person.objects.none()


class CaseCreateSerializer(serializers.Serializer):
    person = VisiblePersonField()
    consulate = serializers.PrimaryKeyRelatedField(
        queryset=Consulate.objects.all(), required=False, help_text="Default: your consulate."
    )
    category = serializers.CharField()
    subtype = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(), required=False, allow_null=True
    )
    detained_since = serializers.DateField(required=False, allow_null=True)
    arrested_at = DateTimeField(required=False, allow_null=True)
    consulate_notified_at = DateTimeField(required=False, allow_null=True)
    notified_by = serializers.ChoiceField(choices=NotifiedBy.choices, required=False, allow_blank=True)
    first_contact_at = DateTimeField(required=False, allow_null=True)
    arresting_agency = serializers.ChoiceField(
        choices=ArrestingAgency.choices, required=False, allow_blank=True
    )
    advised_at = DateTimeField(required=False, allow_null=True)
    notification_request = serializers.ChoiceField(choices=NotificationRequest.choices, required=False)
    notification_request_at = DateTimeField(required=False, allow_null=True)
    opposes_consular_action = serializers.BooleanField(required=False)
    opposition_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CaseUpdateSerializer(serializers.Serializer):
    category = serializers.CharField(required=False)
    subtype = serializers.CharField(required=False, allow_blank=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    summary = serializers.CharField(required=False, allow_blank=True)
    facility = serializers.PrimaryKeyRelatedField(
        queryset=DetentionFacility.objects.all(), required=False, allow_null=True
    )
    detained_since = serializers.DateField(required=False, allow_null=True)
    released_on = serializers.DateField(required=False, allow_null=True)
    arrested_at = DateTimeField(required=False, allow_null=True)
    consulate_notified_at = DateTimeField(required=False, allow_null=True)
    notified_by = serializers.ChoiceField(choices=NotifiedBy.choices, required=False, allow_blank=True)
    first_contact_at = DateTimeField(required=False, allow_null=True)
    arresting_agency = serializers.ChoiceField(
        choices=ArrestingAgency.choices, required=False, allow_blank=True
    )
    advised_at = DateTimeField(required=False, allow_null=True)
    notification_request = serializers.ChoiceField(choices=NotificationRequest.choices, required=False)
    notification_request_at = DateTimeField(required=False, allow_null=True)
    opposes_consular_action = serializers.BooleanField(required=False)
    opposition_note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    expected_removal_date = serializers.DateField(required=False, allow_null=True)
    expected_removal_time = serializers.TimeField(
        required=False,
        allow_null=True,
        help_text="Local time at the reception point (its `timezone` in /reception-points/), e.g. `22:30`.",
    )
    removal_mode = serializers.ChoiceField(
        choices=RemovalMode.choices,
        required=False,
        allow_blank=True,
        help_text="A flight goes to an airport reception point; a bus or on foot to a land port.",
    )
    removal_carrier = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text="The bus carrier, if known (bus only)."
    )
    removal_flight_number = serializers.CharField(
        required=False, allow_blank=True, max_length=12, help_text="Required for a flight; a flight only."
    )
    reception_point = serializers.PrimaryKeyRelatedField(
        queryset=ReceptionPoint.objects.all(), required=False, allow_null=True
    )


class RemovalWarningSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The warning with what it is about (point, time): a new plan, a new key."
    )
    text = serializers.CharField(help_text="The warning in the caller's language.")
    seen = serializers.BooleanField(help_text="An officer recorded why the removal goes ahead.")
    seen_by = UserRefSerializer(allow_null=True)
    seen_at = DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)

    @staticmethod
    def of(warning) -> dict:
        ack = warning.ack
        return {
            "key": warning.key,
            "text": warning.text,
            "seen": ack is not None,
            "seen_by": ack.acknowledged_by if ack else None,
            "seen_at": ack.acknowledged_at if ack else None,
            "reason": ack.reason if ack else "",
        }


# Action inputs


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True, help_text="User id of an officer of the case's consulate; null unassigns."
    )


class NoteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in NOTE_KINDS], default="note")
    text = serializers.CharField(max_length=10000)
    occurred_at = DateTimeField(required=False, allow_null=True)


class HearingInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HearingKind.choices)
    starts_at = DateTimeField(
        help_text="An instant with its UTC offset, e.g. `2026-12-10T10:00:00-06:00` for 10:00 at a court "
        "on Central time (the court's `timezone` in /courts/)."
    )
    court = serializers.PrimaryKeyRelatedField(
        queryset=ImmigrationCourt.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="The court (an id of /courts/). Its time zone is the hearing's.",
    )
    location = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="The court or place as written; may be left out when `court` is given (its name is used).",
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    proceeding = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The case's open proceeding the hearing is part of (see /cases/{id}/proceedings/). Left "
        "out: the case's open removal proceedings for a hearing before an immigration judge (recorded when "
        "there are none), its open criminal case for a criminal court hearing.",
    )


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField(required=False, allow_null=True)
    assignee = serializers.IntegerField(required=False, allow_null=True)


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CLOSURE_OUTCOMES)
    outcome_notes = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class OptionalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class TransferInputSerializer(serializers.Serializer):
    to_consulate = serializers.PrimaryKeyRelatedField(queryset=Consulate.objects.all())
    reason = serializers.CharField(max_length=5000)


class ConsentInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())
    scope = serializers.ListField(
        child=serializers.ChoiceField(choices=DataCategory.choices), allow_empty=True
    )
    method = serializers.ChoiceField(choices=ConsentMethod.choices)
    given_at = DateTimeField(required=False, allow_null=True)
    form_document = serializers.IntegerField(required=False, allow_null=True)


class ReferralInputSerializer(serializers.Serializer):
    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.all())
    service = serializers.ChoiceField(choices=PartnerService.choices)
    request_note = serializers.CharField(required=False, allow_blank=True, default="")


# Outputs of the things actions create


class HearingSerializer(FastOutputMixin, serializers.ModelSerializer):
    class Meta:
        model = Hearing
        fields = ["id", "case", "kind", "starts_at", "court", "location", "status", "outcome", "notes"]
        read_only_fields = fields


class StaffHearingSerializer(HearingSerializer):
    """A hearing as staff read it: with the proceeding it is part of (partners' hearings do not name it)."""

    class Meta(HearingSerializer.Meta):
        fields = [*HearingSerializer.Meta.fields, "proceeding"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "case", "title", "due_date", "assignee", "done", "completed_at", "created_at"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    case_reference = serializers.CharField(source="case.reference", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "case",
            "case_reference",
            "from_consulate",
            "to_consulate",
            "reason",
            "automatic",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "note",
        ]
        read_only_fields = fields


class ConsentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Consent
        fields = [
            "id",
            "case",
            "partner",
            "scope",
            "method",
            "form_document",
            "given_at",
            "recorded_by",
            "recorded_at",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_note",
        ]
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    answer_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "case",
            "partner",
            "consent",
            "service",
            "request_note",
            "status",
            "answer_overdue",
            "referred_by",
            "referred_at",
            "responded_by",
            "responded_at",
            "decline_reason",
            "completed_at",
            "outcome_note",
            "withdrawn_at",
            "withdrawal_reason",
            "updated_at",
        ]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = CaseEvent
        fields = [
            "id",
            "case",
            "kind",
            "kind_label",
            "actor",
            "occurred_at",
            "recorded_at",
            "text",
            "payload",
        ]
        read_only_fields = fields
