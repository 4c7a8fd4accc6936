"""The caseload reports as JSON for staff and managers (not partners): the same functions as the
dashboard, with the same filters (``start``, ``end``, ``consulate``, ``operation``) and the same scoping."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api.permissions import IsStaffMember
from cases.reports.forms import ReportFilterForm
from cases.reports.registry import REPORTS, SECTIONS


class ColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    note = serializers.CharField()
    filters = serializers.DictField(child=serializers.CharField(allow_null=True))
    columns = ColumnSerializer(many=True)
    rows = serializers.ListField(child=serializers.DictField())


class ReportIndexSerializer(serializers.Serializer):
    name = serializers.CharField()
    section = serializers.CharField()


PARAMETERS = [
    OpenApiParameter(
        "name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(REPORTS), description="The report."
    ),
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (consulate local time); default 12 weeks ago."
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive; default today."),
    OpenApiParameter(
        "consulate", OpenApiTypes.INT, description="A consulate id (managers); officers always get their own."
    ),
    OpenApiParameter(
        "operation",
        OpenApiTypes.INT,
        description=(
            "An enforcement operation id (one the caller's reports count): only that operation's cases are "
            "counted. Reports about inquiries say in their note that it does not apply to them."
        ),
    ),
]


class ReportIndexView(APIView):
    """The caseload reports the caller may read, by section (each is then read at ``reports/{name}/``)."""

    permission_classes = [IsStaffMember]
    scope_family = "reports"  # a staff app's token needs reports:read (oauth.scopes)

    @extend_schema(tags=["reports"], responses=ReportIndexSerializer(many=True))
    def get(self, request, **kwargs):
        return Response(
            [{"name": f.__name__, "section": str(title)} for title, functions in SECTIONS for f in functions]
        )


class ReportView(APIView):
    """One caseload report over a date range: its title, columns and rows, scoped to what the caller may
    see (an officer's own consulate; a manager's whole network or one consulate)."""

    permission_classes = [IsStaffMember]
    scope_family = "reports"  # a staff app's token needs reports:read (oauth.scopes)

    @extend_schema(tags=["reports"], parameters=PARAMETERS, responses=ReportSerializer)
    def get(self, request, name: str, **kwargs):
        if name not in REPORTS:
            raise Http404
        form = ReportFilterForm(request.query_params, user=request.user)
        if form.is_bound and not form.is_valid():
            errors = form.errors.get_json_data()
            raise ValidationError(
                {field: [error["message"] for error in items] for field, items in errors.items()}
            )
        params = form.params()
        report = REPORTS[name](request.user, params)
        return Response(
            {
                "name": report.name,
                "title": report.title,
                "note": report.note,
                "filters": {
                    "start": params.start.isoformat(),
                    "end": params.end.isoformat(),
                    "consulate": str(params.consulate_id) if params.consulate_id else None,
                    "operation": str(params.operation_id) if params.operation_id else None,
                },
                "columns": [{"key": key, "label": label} for key, label in report.columns],
                "rows": report.rows,
            }
        )
