"""The staff pages of inquiries: the open queue by deadline, "Nueva consulta" (a phone call's form), and
the inquiry's page with its actions. Thin: reads are ``selectors``, writes the services; a refusal is
shown on its form with what was typed (400), a ``PermissionDenied`` is a 403. The inquiry's page is a
sensitive read (the caller's name and number): one access-log row per view."""

from __future__ import annotations

import zoneinfo

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases.access import AccessAction, record_access
from cases.models import Person
from consulates.models import Consulate
from consulates.policy import can, home_consulate
from intake.inquiries import conversion, selectors, services
from intake.inquiries.forms import NewInquiryForm, forms_for
from intake.models import Channel


def _staff_only(request) -> None:
    if not can(request.user, "staff.enter"):
        raise PermissionDenied


def _page(request, template: str, context: dict, status: int = 200):
    return render(request, template, {**admin.site.each_context(request), **context}, status=status)


@staff_member_required
@require_GET
def inquiry_list(request):
    _staff_only(request)
    filters = selectors.QueueFilters.from_query(request.GET)
    inquiries = list(selectors.open_queue(request.user, filters)[:200])
    context = {
        "title": _("Open inquiries"),
        "inquiries": inquiries,
        "filters": filters,
        "channels": Channel.choices,
        "now": timezone.now(),
        "forwarded": list(selectors.forwarded_by_us(request.user)[:20]),
        "can_record": can(request.user, "inquiry.record"),
    }
    return _page(request, "intake/inquiries/list.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request):
    _staff_only(request)
    own = home_consulate(request.user)
    if not can(request.user, "inquiry.record", Consulate(pk=own) if own else None):
        raise PermissionDenied
    form = NewInquiryForm(request.POST or None, choose_consulate=own is None)
    if request.method == "POST" and form.is_valid():
        consulate = form.cleaned_data.get("consulate") or Consulate.objects.filter(pk=own).first()
        try:
            if consulate is None:
                raise ValidationError({"consulate": _("Choose the consulate.")})
            inquiry = services.inquiry_record(actor=request.user, consulate=consulate, **form.values())
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, _("Inquiry %(number)s recorded.") % {"number": inquiry.pk})
            return redirect("inquiries:detail", inquiry.pk)
    status = 400 if request.method == "POST" else 200
    return _page(request, "intake/inquiries/new.html", {"title": _("New inquiry"), "form": form}, status)


@staff_member_required
@require_GET
def inquiry_page(request, pk: int):
    _staff_only(request)
    inquiry = selectors.inquiry_for(request.user, pk)
    response = _render(request, inquiry)
    record_access(
        request,
        AccessAction.VIEW,
        what="workspace: inquiry",
        person_id=inquiry.person_id,
        case_id=inquiry.case_id,
    )
    return response


def _render(request, inquiry, *, bound: str | None = None, status: int = 200):
    user = request.user
    works = can(user, "inquiry.work", inquiry)
    open_ = selectors.is_open(inquiry)
    context = {
        "title": _("Inquiry %(number)s") % {"number": inquiry.pk},
        "inquiry": inquiry,
        "zone": inquiry.consulate.timezone,
        "works": works,
        "open": open_,
        "now": timezone.now(),
        "overdue": open_ and inquiry.respond_by < timezone.now(),
    }
    if works:
        context["attempts"] = list(selectors.attempts_of(inquiry))
        context["forms"] = forms_for(inquiry, request.POST if bound else None, bound)
        if open_ and inquiry.person_id is None:
            context["candidates"] = conversion.candidates(user=user, inquiry=inquiry)
            context["can_convert"] = can(user, "person.register", inquiry.consulate)
    with timezone.override(zoneinfo.ZoneInfo(inquiry.consulate.timezone)):
        return _page(request, "intake/inquiries/detail.html", context, status)


def _act(request, pk: int, name: str, run, done: str):
    """One action of the page: the posted form, its service, a redirect back (or the page with the
    form's errors, 400)."""
    _staff_only(request)
    inquiry = selectors.inquiry_for(request.user, pk)
    form = forms_for(inquiry, request.POST, name)[name]
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            run(inquiry, data, version)
        except ValidationError as error:
            form.apply_errors(error)
        else:
            messages.success(request, done)
            target = reverse("inquiries:detail", args=[inquiry.pk])
            if name == "forward":
                target = reverse("inquiries:list")
            return redirect(target)
    inquiry = selectors.inquiry_for(request.user, pk)
    return _render(request, inquiry, bound=name, status=400)


@staff_member_required
@require_POST
def locate(request, pk: int):
    def run(inquiry, data, version):
        services.locate_attempt_add(actor=request.user, inquiry=inquiry, **data)

    return _act(request, pk, "locate", run, _("Search recorded."))


@staff_member_required
@require_POST
def assign(request, pk: int):
    def run(inquiry, data, version):
        services.inquiry_assign(
            actor=request.user, inquiry=inquiry, assignee=data["assignee"], expected_version=version
        )

    return _act(request, pk, "assign", run, _("Assignment saved."))


@staff_member_required
@require_POST
def answer(request, pk: int):
    def run(inquiry, data, version):
        services.inquiry_answer(
            actor=request.user, inquiry=inquiry, answer=data["answer"], expected_version=version
        )

    return _act(request, pk, "answer", run, _("The inquiry is answered and closed."))


@staff_member_required
@require_POST
def forward(request, pk: int):
    def run(inquiry, data, version):
        services.inquiry_forward(
            actor=request.user,
            inquiry=inquiry,
            to_consulate=data["to_consulate"],
            note=data["note"],
            expected_version=version,
        )

    return _act(request, pk, "forward", run, _("The inquiry was forwarded."))


@staff_member_required
@require_POST
def withdraw(request, pk: int):
    def run(inquiry, data, version):
        services.inquiry_withdraw(
            actor=request.user, inquiry=inquiry, reason=data["reason"], expected_version=version
        )

    return _act(request, pk, "withdraw", run, _("The inquiry was withdrawn."))


@staff_member_required
@require_POST
def convert(request, pk: int):
    def run(inquiry, data, version):
        conversion.inquiry_convert(
            actor=request.user,
            inquiry=inquiry,
            sex=data["sex"],
            category=data["category"],
            expected_version=version,
            request=request,
        )

    return _act(request, pk, "convert", run, _("The person is registered and the case opened."))


@staff_member_required
@require_POST
def link(request, pk: int):
    _staff_only(request)
    inquiry = selectors.inquiry_for(request.user, pk)
    person_id = request.POST.get("person", "")
    person = (
        Person.objects.visible_to(request.user).filter(pk=int(person_id)).first()
        if person_id.isdigit()
        else None
    )
    version = request.POST.get("version", "")
    try:
        conversion.inquiry_link(
            actor=request.user,
            inquiry=inquiry,
            person=person,
            expected_version=int(version) if version.isdigit() else None,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("inquiries:detail", pk)
    messages.success(request, _("The inquiry is linked to the person."))
    return redirect("inquiries:detail", pk)
