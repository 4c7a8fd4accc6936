"""The managers' dashboard at /reports/ and the exports of each report."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _

from cases.access import AccessAction, record_access
from cases.reports import exports
from cases.reports.forms import ReportFilterForm
from cases.reports.registry import REPORTS, SECTIONS
from consulates.policy import can

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _params(request):
    if not can(request.user, "report.view"):
        raise PermissionDenied
    form = ReportFilterForm(request.GET, user=request.user)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, form.params()


def _shown(value):
    """A cell as the reader reads it: a date kept as ISO text (a week) in the language's short form."""
    if isinstance(value, str) and _ISO_DATE.match(value):
        return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
    return value


def _table(report):
    """Rows as lists of (value, link) in column order, for the template."""
    return [
        [(_shown(row.get(key)), report.links.get((index, key))) for key, _label in report.columns]
        for index, row in enumerate(report.rows)
    ]


@staff_member_required
def dashboard(request):
    form, params = _params(request)
    sections = []
    if params is not None:
        for title, functions in SECTIONS:
            reports = []
            for function in functions:
                report = function(request.user, params)
                chart = None
                if report.chart:
                    chart = {
                        **report.chart,
                        "labels": [str(_shown(row.get(report.chart["label"])) or "") for row in report.rows],
                        "datasets": [
                            {
                                "label": dict(report.columns).get(key, key),
                                "data": [row.get(key) for row in report.rows],
                            }
                            for key in report.chart["values"]
                        ],
                    }
                reports.append(
                    {
                        "report": report,
                        "table": _table(report),
                        "chart": chart,
                        "chart_id": f"chart-{report.name}",
                        "data_id": f"chart-{report.name}-data",
                    }
                )
            sections.append((title, reports))
    query = request.GET.urlencode()
    response = render(
        request,
        "reports/dashboard.html",
        {
            "title": _("Caseload reports"),
            "form": form,
            "sections": sections,
            "query": query,
            "can_export": can(request.user, "report.export"),
            "has_permission": True,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_member_required
def export(request, name: str, fmt: str):
    """A report as a file: only for users holding the export permission (``report.export`` in ``consulates.policy``),
    scoped like the dashboard (``held_for``: nothing the user may not see), and logged."""
    if name not in REPORTS and name != "all":
        raise Http404
    if not can(request.user, "report.export"):
        return HttpResponseForbidden(
            _("You may not export reports: an administrator can give you the export permission."),
            content_type="text/plain; charset=utf-8",
        )
    form, params = _params(request)
    if params is None:
        return render(
            request,
            "reports/dashboard.html",
            {"title": _("Caseload reports"), "form": form, "sections": []},
            status=400,
        )
    if name == "all":
        if fmt != "xlsx":
            raise Http404
        content = exports.to_xlsx([function(request.user, params) for function in REPORTS.values()], params)
    else:
        report = REPORTS[name](request.user, params)
        content = exports.to_csv(report, params) if fmt == "csv" else exports.to_xlsx([report], params)
    record_access(
        request,
        AccessAction.EXPORT,
        what=(
            f"report {name}.{fmt} {params.start}..{params.end} consulate={params.consulate_id or 'all'}"
            f" operation={params.operation_id or 'all'}"
        ),
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}-{params.start}-{params.end}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response
