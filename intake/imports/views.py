"""The detainee list import pages (``/imports/``). Thin: reading the file and the rows is
``intake.imports.selectors``' and ``report``'s, every write a service of ``intake.imports.services``.

One page per import (``/imports/<pk>/``) shows what its state asks for: the columns to map, the preview,
the progress (refreshed without JavaScript; polled with it), the result. Pages showing rows' personal data
write the access log."""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.access import AccessAction, record_access
from cases.models import Operation
from cases.services.operations import operation_create
from consulates.models import Consulate
from consulates.policy import can, reach
from intake.imports import reading, services
from intake.imports.forms import MappingForm, UploadForm
from intake.imports.report import not_imported_csv
from intake.imports.selectors import preview_rows, progress, repeated_rows
from intake.models import BatchStatus, ImportBatch

PREVIEW_ROWS = 50


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


def _staff(request) -> None:
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


def _consulates(user):
    return Consulate.objects.filter(reach(user).q("pk")).order_by("city")


def _batch(request, pk: int) -> ImportBatch:
    _staff(request)
    return get_object_or_404(
        ImportBatch.objects.visible_to(request.user).select_related("consulate", "operation"), pk=pk
    )


@staff_member_required
@require_GET
def import_list(request):
    _staff(request)
    batches = (
        ImportBatch.objects.visible_to(request.user)
        .select_related("consulate", "operation", "uploaded_by")
        .defer("upload")[:100]
    )
    context = {
        "title": _("Detainee lists"),
        "batches": batches,
        "can_import": can(request.user, "import.run"),
    }
    return _page(request, "intake/imports/list.html", context)


@staff_member_required
def import_new(request):
    _staff(request)
    if not can(request.user, "import.run"):
        raise PermissionDenied
    consulates = _consulates(request.user)
    operations = Operation.objects.visible_to(request.user).select_related("consulate")
    form = UploadForm(
        request.POST or None, request.FILES or None, consulates=consulates, operations=operations
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            with transaction.atomic():
                operation = data["operation"]
                if operation is None and data["new_operation_name"]:
                    operation = operation_create(
                        actor=request.user,
                        consulate=data["consulate"],
                        name=data["new_operation_name"],
                        date=data["new_operation_date"],
                    )
                batch = services.import_upload(
                    actor=request.user,
                    consulate=data["consulate"],
                    filename=upload.name,
                    content=upload.read(reading.MAX_BYTES + 1),
                    operation=operation,
                    request=request,
                )
        except ValidationError as error:
            if hasattr(error, "error_dict") and {"name", "date"} & set(error.error_dict):
                renamed = {"name": "new_operation_name", "date": "new_operation_date"}
                error = ValidationError({renamed.get(k, k): v for k, v in error.error_dict.items()})
            form.apply_errors(error)
        else:
            return redirect("imports:detail", batch.pk)
    status = 400 if form.errors else 200
    return _page(
        request,
        "intake/imports/new.html",
        {"title": _("Import a detainee list"), "form": form},
        status=status,
    )


def _mapping_form(batch: ImportBatch, table, data=None) -> MappingForm:
    columns = batch.mapping.get("columns", {})
    initial = {f"col_{name}": str(index) for name, index in columns.items()}
    initial["language"] = batch.mapping.get("language", "en")
    return MappingForm(data, headers=table.headers, initial=initial)


@staff_member_required
@require_GET
def import_detail(request, pk: int):
    batch = _batch(request, pk)
    with timezone.override(zoneinfo.ZoneInfo(batch.consulate.timezone)):
        return _detail(request, batch)


def _detail(request, batch: ImportBatch, *, form=None, status: int = 200):
    context = {"title": batch.filename, "batch": batch, "can_work": can(request.user, "import.work", batch)}
    if batch.status == BatchStatus.UPLOADED:
        table = reading.read_table(services.decoded(batch))
        context["form"] = form or _mapping_form(batch, table)
        context["sample"] = table.rows[:5]
        context["headers"] = table.headers
        record_access(request, AccessAction.VIEW, what=f"detainee list import #{batch.pk}: columns")
    elif batch.status == BatchStatus.PREVIEWED:
        context["rows"] = preview_rows(batch, limit=PREVIEW_ROWS)
        context["shown"] = PREVIEW_ROWS
        record_access(request, AccessAction.VIEW, what=f"detainee list import #{batch.pk}: preview")
    elif batch.status == BatchStatus.RUNNING:
        context["progress"] = progress(batch)
    else:
        context["progress"] = progress(batch)
        context["repeated"] = repeated_rows(batch)
    return _page(request, "intake/imports/detail.html", context, status=status)


@staff_member_required
@require_POST
def import_mapping(request, pk: int):
    batch = _batch(request, pk)
    table = reading.read_table(services.decoded(batch)) if batch.upload else None
    if table is None:
        return redirect("imports:detail", batch.pk)
    form = _mapping_form(batch, table, request.POST)
    if form.is_valid():
        try:
            batch = services.import_map(
                actor=request.user,
                batch=batch,
                columns=form.columns(),
                language=form.cleaned_data["language"],
            )
            services.import_preview(actor=request.user, batch=batch, request=request)
        except ValidationError as error:
            if hasattr(error, "error_dict") and "mapping" in error.error_dict:
                error = ValidationError(error.error_dict["mapping"])
            form.apply_errors(error)
        else:
            return redirect("imports:detail", batch.pk)
    batch.refresh_from_db()
    with timezone.override(zoneinfo.ZoneInfo(batch.consulate.timezone)):
        return _detail(request, batch, form=form, status=400)


@staff_member_required
@require_POST
def import_start(request, pk: int):
    batch = _batch(request, pk)
    try:
        services.import_start(actor=request.user, batch=batch, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("imports:detail", batch.pk)


@staff_member_required
@require_POST
def import_remap(request, pk: int):
    """Back to the columns (from the preview)."""
    batch = _batch(request, pk)
    try:
        services.import_map(actor=request.user, batch=batch, columns=batch.mapping.get("columns", {}))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("imports:detail", batch.pk)


@staff_member_required
@require_POST
def import_discard(request, pk: int):
    batch = _batch(request, pk)
    try:
        services.import_discard(actor=request.user, batch=batch)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("imports:detail", batch.pk)
    messages.success(request, _("The import was discarded and its file deleted."))
    return redirect("imports:list")


@staff_member_required
@require_GET
def import_progress(request, pk: int):
    """The progress page's poll: counts only (no personal data)."""
    batch = _batch(request, pk)
    return JsonResponse(progress(batch))


@staff_member_required
@require_GET
def import_errors_csv(request, pk: int):
    batch = _batch(request, pk)
    record_access(request, AccessAction.DOWNLOAD, what=f"detainee list import #{batch.pk}: rows not imported")
    response = HttpResponse(not_imported_csv(batch), content_type="text/csv; charset=utf-8")
    name = _("rows-not-imported")
    response["Content-Disposition"] = f'attachment; filename="{name}-{batch.pk}.csv"'
    return response
