"""Transfers, consents, referrals and tasks by their own ids: the decisions taken on them."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.fields import IsoDateTimeFilter
from api.filters import ChoicesFilter, FilterSet
from api.views import ApiViewMixin
from cases import services
from cases.api import case_serializers as s
from cases.api.access_logging import AccessLoggedViewSetMixin
from cases.api.permissions import IsStaffMember
from cases.api.persons import IDEMPOTENCY_KEY
from cases.models import Consent, Referral, Task, Transfer
from cases.models.crossoffice import ReferralStatus, TransferStatus
from consulates.models import Partner
from consulates.policy import home_consulate


class TransferFilter(FilterSet):
    status = ChoicesFilter(choices=TransferStatus.choices)
    direction = filters.ChoiceFilter(
        choices=[("incoming", "incoming"), ("outgoing", "outgoing")],
        method="filter_direction",
        help_text="Relative to your consulate.",
    )
    updated_since = IsoDateTimeFilter(field_name="requested_at", lookup_expr="gte")

    class Meta:
        model = Transfer
        fields = ["status", "direction", "automatic"]

    def filter_direction(self, queryset, name, value):
        consulate_id = home_consulate(self.request.user)
        if consulate_id is None:
            return queryset
        if value == "incoming":
            return queryset.filter(to_consulate_id=consulate_id)
        return queryset.filter(from_consulate_id=consulate_id)


class _ReadViewSet(
    AccessLoggedViewSetMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    # Transfers, referrals, consents and tasks name a case and carry staff's free text about it: their
    # reads are logged like the case's (by case id).
    permission_classes = [IsStaffMember]


@extend_schema_view(list=extend_schema(tags=["transfers"]), retrieve=extend_schema(tags=["transfers"]))
class TransferViewSet(_ReadViewSet):
    """Transfers of cases between consulates that the caller may see: requested by the holding consulate,
    accepted or rejected by the receiving one, cancelled by the requester while pending. Each retrieve is
    recorded in the access log."""

    access_label = "transfer"
    serializer_class = s.TransferSerializer
    filterset_class = TransferFilter

    def get_queryset(self):
        return (
            Transfer.objects.visible_to(self.request.user)
            .select_related("case")
            .order_by("-requested_at", "-pk")
        )

    def _decide(self, request, service, serializer_class=None):
        transfer = self.get_object()
        values = {}
        if serializer_class is not None:
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            values = dict(data.validated_data)
        if "reason" in values:
            values["note"] = values.pop("reason")
        transfer = service(actor=request.user, transfer=transfer, **values)
        self.etag_object = None
        return Response(s.TransferSerializer(transfer).data)

    @extend_schema(
        tags=["transfers"],
        request=s.OptionalNoteSerializer,
        responses=s.TransferSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None, **kwargs):
        return self._decide(request, services.transfer_accept, s.OptionalNoteSerializer)

    @extend_schema(
        tags=["transfers"],
        request=s.ReasonSerializer,
        responses=s.TransferSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, **kwargs):
        return self._decide(request, services.transfer_reject, s.ReasonSerializer)

    @extend_schema(
        tags=["transfers"],
        request=s.OptionalNoteSerializer,
        responses=s.TransferSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, **kwargs):
        return self._decide(request, services.transfer_cancel, s.OptionalNoteSerializer)


class ReferralFilter(FilterSet):
    status = ChoicesFilter(choices=ReferralStatus.choices)
    partner = filters.ModelChoiceFilter(queryset=Partner.objects.all())
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    answer_overdue = filters.BooleanFilter(method="filter_overdue", help_text="Pending for 72 hours or more.")

    class Meta:
        model = Referral
        fields = ["status", "partner", "service", "case"]

    def filter_overdue(self, queryset, name, value):
        overdue = Referral.objects.awaiting_answer_overdue().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


@extend_schema_view(list=extend_schema(tags=["referrals"]), retrieve=extend_schema(tags=["referrals"]))
class ReferralViewSet(_ReadViewSet):
    """Referrals of cases to partner organisations that the caller may see, with their status as the
    partner works them; a consulate may withdraw one that is still open. Each retrieve is recorded in
    the access log."""

    access_label = "referral"
    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilter

    def get_queryset(self):
        return Referral.objects.visible_to(self.request.user).order_by("-referred_at", "-pk")

    @extend_schema(
        tags=["referrals"],
        request=s.ReasonSerializer,
        responses=s.ReferralSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, **kwargs):
        referral = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = services.referral_withdraw(
            actor=request.user, referral=referral, reason=data.validated_data["reason"]
        )
        self.etag_object = None
        return Response(s.ReferralSerializer(referral).data)


@extend_schema_view(list=extend_schema(tags=["consents"]), retrieve=extend_schema(tags=["consents"]))
class ConsentViewSet(_ReadViewSet):
    """The person's consents to share their case with a partner organisation (what a referral rests on);
    withdrawing one ends the partner's access, with every referral resting on it. Each retrieve is recorded in the access log."""

    access_label = "consent"
    serializer_class = s.ConsentSerializer
    filterset_fields = ["case", "partner"]

    def get_queryset(self):
        return Consent.objects.visible_to(self.request.user).order_by("-given_at", "-pk")

    @extend_schema(
        tags=["consents"],
        request=s.OptionalNoteSerializer,
        responses=s.ConsentSerializer,
        parameters=[IDEMPOTENCY_KEY],
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None, **kwargs):
        consent = self.get_object()
        data = s.OptionalNoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        consent = services.consent_withdraw(
            actor=request.user, consent=consent, note=data.validated_data["note"]
        )
        self.etag_object = None
        return Response(s.ConsentSerializer(consent).data)


@extend_schema_view(list=extend_schema(tags=["tasks"]), retrieve=extend_schema(tags=["tasks"]))
class TaskViewSet(_ReadViewSet):
    """Follow-up tasks on the cases the caller may see, open ones first by due date; completing one is
    recorded on the case's timeline. Each retrieve is recorded in the access log."""

    access_label = "task"
    serializer_class = s.TaskSerializer
    filterset_fields = ["case", "done", "assignee"]

    def get_queryset(self):
        return Task.objects.visible_to(self.request.user).order_by("done", "due_date", "pk")

    @extend_schema(tags=["tasks"], request=None, responses=s.TaskSerializer, parameters=[IDEMPOTENCY_KEY])
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None, **kwargs):
        task = services.task_complete(actor=request.user, task=self.get_object())
        self.etag_object = None
        return Response(s.TaskSerializer(task).data)
