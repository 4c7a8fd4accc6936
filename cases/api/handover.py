"""The hand-over to a Mexican consulate outside the network, in the staff API: read in the case detail
(``handovers``), recorded with ``POST cases/{id}/handover/`` (which closes the case as transferred out),
its receipt with ``POST cases/{id}/handover-receipt/``. The export sent is not served by the API: it is
downloaded from the staff UI, where each download is logged."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.fields import DateTimeField
from cases.api.case_serializers import CaseSerializer
from cases.models import Handover
from cases.models.handover import HandoverMethod, HandoverReason
from cases.services import handover as handover_services
from consulates.models import ConsularPost
from consulates.policy import authorize


class HandoverSerializer(serializers.ModelSerializer):
    post_name = serializers.CharField(source="post.name", read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "case",
            "post",
            "post_name",
            "reason",
            "reason_notes",
            "method",
            "method_notes",
            "sent_at",
            "sent_by",
            "export_size",
            "export_sha256",
            "acknowledged_at",
            "acknowledged_by_name",
            "acknowledgement_notes",
        ]
        read_only_fields = fields


class HandoverInputSerializer(serializers.Serializer):
    post = serializers.PrimaryKeyRelatedField(
        queryset=ConsularPost.objects.all(),
        help_text="A Mexican consulate in the US outside the network (`consular-posts/?in_network=false`).",
    )
    reason = serializers.ChoiceField(choices=HandoverReason.choices)
    reason_notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    method = serializers.ChoiceField(choices=HandoverMethod.choices)
    method_notes = serializers.CharField(required=False, allow_blank=True, max_length=255)
    sent_at = DateTimeField(required=False, allow_null=True, help_text="Default: now.")


class HandoverReceiptInputSerializer(serializers.Serializer):
    handover = serializers.IntegerField(help_text="The hand-over's id (the case's `handovers`).")
    acknowledged_by_name = serializers.CharField(max_length=160)
    acknowledged_at = DateTimeField(required=False, allow_null=True, help_text="Default: now.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


def _visible_handovers(user):
    return Handover.objects.visible_to(user).select_related("post").order_by("-sent_at", "-pk")


def handovers_prefetch(user) -> Prefetch:
    """The case detail's hand-overs, the latest first, in one query for the page."""
    return Prefetch("handovers", queryset=_visible_handovers(user))


def handovers_of(user, case_id: int):
    """One case's hand-overs as ``handovers_prefetch`` loads them (the compiled detail's second read)."""
    return _visible_handovers(user).filter(case_id=case_id)


class HandoverActionsMixin:
    """Mixed into ``CaseViewSet`` (``_respond``, ``_created``, ``_version``, ``get_object`` are its)."""

    @extend_schema(
        tags=["case actions"],
        summary="Hand the case over to a consulate outside the network; the case closes as transferred out",
        request=HandoverInputSerializer,
        responses={201: HandoverSerializer},
    )
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = HandoverInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        handover = handover_services.handover_record(
            actor=request.user,
            case=case,
            expected_version=self._version(request, case),
            request=request,
            **data.validated_data,
        )
        return self._created(HandoverSerializer(handover).data)

    @extend_schema(
        tags=["case actions"],
        summary="Record that the other consulate acknowledged receipt of the hand-over",
        request=HandoverReceiptInputSerializer,
        responses={200: HandoverSerializer},
    )
    @action(detail=True, methods=["post"], url_path="handover-receipt")
    def handover_receipt(self, request, pk=None, **kwargs):
        case = self.get_object()
        data = HandoverReceiptInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        handover = (
            Handover.objects.visible_to(request.user).filter(case=case, pk=values.pop("handover")).first()
        )
        if handover is None:
            authorize(request.user, "handover.acknowledge", Handover(case=case))  # 403 before 400
            raise ValidationError({"handover": [_("This case has no such hand-over.")]})
        handover = handover_services.handover_acknowledge(actor=request.user, handover=handover, **values)
        return Response(HandoverSerializer(handover).data, status=status.HTTP_200_OK)


class CaseDetailSerializer(CaseSerializer):
    """The case detail: the case as the list shows it, and its hand-overs (the latest first)."""

    handovers = HandoverSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "handovers"]
        read_only_fields = fields
