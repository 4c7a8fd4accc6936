"""Staff UI for the hand-over to a Mexican consulate outside the network.

On the case page: the hand-overs panel, and the object tools "Hand over to another consulate" (a
supervisor of the case's consulate), "Record receipt" and "Download the data sent". Beside it: the
hand-over form (the 40 consulates outside the network by state and city, filtered as one types), the
receipt form and the download of the export sent, which is logged in the access log. Every write goes
through ``cases.services.handover``."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from cases.access import AccessAction, record_access
from cases.admin import handover_forms as forms
from cases.models import Case
from cases.selectors.handover import case_handover, case_handovers, held_outside_network
from consulates.policy import can


def case_page_context(request, case) -> dict:
    handovers = case_handovers(user=request.user, case=case)
    may_download = can(request.user, "handover.export.download", handovers[0]) if handovers else False
    return {
        # A hint beside the "Hand over" button, for whoever may send it (not a rule: a suggestion).
        "handover_suggested": can(request.user, "handover.send", case) and held_outside_network(case),
        "handovers": [
            {
                "record": handover,
                "receipt_url": _url("handover_receipt", case, handover.pk)
                if handover.acknowledged_at is None and can(request.user, "handover.acknowledge", handover)
                else "",
                "download_url": _url("handover_download", case, handover.pk)
                if may_download and handover.export_file.name
                else "",
            }
            for handover in handovers
        ],
    }


def case_object_tools(request, case) -> list[tuple[str, str, str]]:
    if can(request.user, "handover.send", case):
        return [("handover", _("Hand over to another consulate"), _url("handover", case))]
    return []


def case_urls(model_admin) -> list:
    def view(function):
        def wrapped(request, object_id, **kwargs):
            return function(model_admin, request, object_id, **kwargs)

        wrapped.__name__ = function.__name__
        return model_admin.admin_site.admin_view(wrapped)

    return [
        path("<path:object_id>/handover/", view(handover_view), name="cases_case_handover"),
        path(
            "<path:object_id>/handover/<int:pk>/receipt/",
            view(receipt_view),
            name="cases_case_handover_receipt",
        ),
        path(
            "<path:object_id>/handover/<int:pk>/download/",
            view(download_view),
            name="cases_case_handover_download",
        ),
    ]


def _url(name: str, case: Case, *args) -> str:
    return reverse(f"admin:cases_case_{name}", args=[case.pk, *args])


def _case_or_404(model_admin, request, object_id) -> Case:
    case = model_admin.get_object(request, object_id)
    if case is None:
        raise Http404
    return case


def _back_to_case(request, case: Case, message=None) -> HttpResponseRedirect:
    if message:
        messages.error(request, message)
    return HttpResponseRedirect(reverse("admin:cases_case_change", args=[case.pk]))


def _page(model_admin, request, case, *, title, form, template, **extra):
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": case,
        "title": f"{title}: {case.reference}",
        "action_label": title,
        "form": form,
        **extra,
    }
    response = TemplateResponse(request, f"admin/cases/handover/{template}", context)
    response["Cache-Control"] = "no-store"
    return response


def handover_view(model_admin, request, object_id):
    case = _case_or_404(model_admin, request, object_id)
    if not can(request.user, "handover.send", case):
        return _back_to_case(request, case, _("This action is not available for this case now."))
    form = forms.HandoverForm(request.POST if request.method == "POST" else None, request=request, case=case)
    if request.method == "POST" and form.is_valid():
        messages.success(
            request,
            _("The case was handed over to %(post)s and closed as transferred out.")
            % {"post": form.instance.post},
        )
        return _back_to_case(request, case)
    return _page(
        model_admin, request, case, title=_("Hand over to another consulate"), form=form, template="form.html"
    )


def receipt_view(model_admin, request, object_id, pk):
    case = _case_or_404(model_admin, request, object_id)
    handover = case_handover(user=request.user, case=case, pk=pk)
    if handover is None:
        raise Http404
    if not can(request.user, "handover.acknowledge", handover) or handover.acknowledged_at is not None:
        return _back_to_case(request, case, _("This action is not available for this case now."))
    form = forms.HandoverReceiptForm(
        request.POST if request.method == "POST" else None, request=request, handover=handover
    )
    if request.method == "POST" and form.is_valid():
        messages.success(request, _("Receipt recorded."))
        return _back_to_case(request, case)
    return _page(
        model_admin,
        request,
        case,
        title=_("Record receipt"),
        form=form,
        template="receipt.html",
        handover=handover,
    )


def download_view(model_admin, request, object_id, pk):
    """The export sent with the hand-over, to those the policy allows; every download is logged."""
    case = _case_or_404(model_admin, request, object_id)
    handover = case_handover(user=request.user, case=case, pk=pk)
    if handover is None or not can(request.user, "handover.export.download", handover):
        raise Http404
    if not handover.export_file.name:  # erased with the person's data
        raise Http404
    handle = handover.export_file.open("rb")
    record_access(
        request,
        AccessAction.HANDOVER_EXPORT,
        person_id=case.person_id,
        case_id=case.pk,
        what=f"admin: hand-over #{handover.pk} data downloaded",
    )
    response = FileResponse(
        handle, as_attachment=True, filename=handover.download_name, content_type="application/zip"
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
