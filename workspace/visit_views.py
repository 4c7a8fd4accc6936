"""The facilities in the workspace (decision 0026): the list, a facility's page (its visits, conditions
over time, open requests), a visit's page (the nationals held there, their interviews in one screen, the
conditions checklist) and the formal requests' pages (one opened prefilled from a problem a visit found).
Each write is one service call; what the user may do is asked of the policy."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cases import services
from cases.access import AccessAction, record_access
from cases.models import (
    Case,
    ChecklistItemAnswer,
    ChecklistVersion,
    FacilityVisit,
    FormalRequest,
    VisitInterview,
)
from cases.models.formal_request import AuthorityKind, RequestKind, RequestStatus
from cases.selectors.visits import (
    facility_conditions,
    facility_open_requests,
    facility_visits,
    visit_nationals,
    visit_with_details,
)
from consulates.models import DetentionFacility
from consulates.policy import can, holders, reach
from workspace.visit_forms import (
    ChecklistForm,
    InterviewsForm,
    RequestAnswerForm,
    RequestDocumentForm,
    RequestForm,
    RequestSendForm,
    RequestWithdrawForm,
    VisitPlanForm,
    VisitStatusForm,
)

# What a problem found asks for (the request's type, prefilled): a checklist item's, an interview need's.
KIND_OF_ITEM = {
    "medical": RequestKind.MEDICAL_RECORDS,
    "numbers_posted": RequestKind.ACCESS,
    "phones": RequestKind.ACCESS,
}
KIND_OF_NEED = {
    "medical": RequestKind.MEDICAL_RECORDS,
    "legal": RequestKind.ACCESS,
    "family": RequestKind.ACCESS,
    "documents": RequestKind.CUSTODY_RECORDS,
    "release": RequestKind.HUMANITARIAN_RELEASE,
}


def _render(request, template: str, context: dict):
    return render(request, template, {**admin.site.each_context(request), **context})


def _apply(form, error: ValidationError) -> None:
    """A service's refusal on the form: on the field it names when the form has it, else on the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _facility(pk: int) -> DetentionFacility:
    return get_object_or_404(DetentionFacility.objects.select_related("county__consulate"), pk=pk)


def _district_staff(consulate_id: int):
    return holders("case.assignee", consulate_id).order_by("first_name", "last_name", "username")


@staff_member_required
def facility_list(request):
    if not can(request.user, "facility.view"):
        raise PermissionDenied
    mine = reach(request.user)
    facilities = (
        DetentionFacility.objects.filter(active=True, county__isnull=False)
        .filter(mine.q("county__consulate_id"))
        .select_related("county__consulate")
        .annotate(
            open_requests=Count(
                "formal_requests",
                filter=Q(formal_requests__status__in=["draft", "sent"])
                & mine.q("formal_requests__consulate_id"),
                distinct=True,
            ),
            visit_count=Count("visits", filter=mine.q("visits__consulate_id"), distinct=True),
        )
        .order_by("state", "name")
    )
    return _render(request, "workspace/facilities.html", {"title": _("Facilities"), "facilities": facilities})


@staff_member_required
@require_http_methods(["GET", "POST"])
def facility_page(request, pk: int):
    if not can(request.user, "facility.view"):
        raise PermissionDenied
    facility = _facility(pk)
    consulate_id = facility.county.consulate_id if facility.county_id else None
    probe = FacilityVisit(consulate_id=consulate_id, facility=facility)
    may_plan = consulate_id is not None and can(request.user, "visit.plan", probe)
    form = None
    if may_plan:
        form = VisitPlanForm(request.POST or None, staff=_district_staff(consulate_id), prefix="plan")
        if request.method == "POST" and form.is_valid():
            try:
                visit = services.visit_plan(
                    actor=request.user,
                    facility=facility,
                    planned_for=form.cleaned_data["planned_for"],
                    officers=form.cleaned_data["officers"],
                    notes=form.cleaned_data["notes"],
                )
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("Visit planned."))
                return redirect("workspace:visit", visit.pk)
    elif request.method == "POST":
        raise PermissionDenied
    context = {
        "title": facility.name,
        "facility": facility,
        "visits": facility_visits(facility, request.user).annotate(interviewed=Count("interviews")),
        "conditions": facility_conditions(facility, request.user),
        "requests": facility_open_requests(facility, request.user),
        "plan_form": form,
        "may_request": consulate_id is not None
        and can(request.user, "request.record", FormalRequest(consulate_id=consulate_id)),
    }
    return _render(request, "workspace/facility.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def visit_page(request, pk: int):
    try:
        visit = visit_with_details(pk, request.user)
    except FacilityVisit.DoesNotExist as missing:
        from django.http import Http404

        raise Http404 from missing
    user = request.user
    working = can(user, "visit.record", visit)
    nationals = visit_nationals(visit, user)
    checklist = visit.checklist if hasattr(visit, "checklist") else None
    version = checklist.checklist_version if checklist else ChecklistVersion.current()
    saved = {a.key: a for a in checklist.answers.all()} if checklist else {}
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    if posted and not working:
        raise PermissionDenied
    interviews = InterviewsForm(
        posted if which == "interviews" else None,
        cases=nationals,
        prefix="interview",
        initial={"version": visit.version},
    )
    conditions = ChecklistForm(
        posted if which == "checklist" else None,
        checklist_version=version,
        answers=saved,
        prefix="check",
        initial={"version": visit.version},
    )
    status = VisitStatusForm(
        posted if which == "status" else None, initial={"status": visit.status, "version": visit.version}
    )
    if posted:
        form = {"interviews": interviews, "checklist": conditions, "status": status}.get(which)
        if form is not None and form.is_valid():
            version_seen = form.cleaned_data["version"]
            try:
                if which == "interviews":
                    done = services.visit_interviews_record(
                        actor=user, visit=visit, rows=form.rows(), expected_version=version_seen
                    )
                    message = _("%(count)s interviews saved.") % {"count": len(done)}
                elif which == "checklist":
                    services.visit_checklist_record(
                        actor=user, visit=visit, answers=form.answers(), expected_version=version_seen
                    )
                    message = _("Checklist saved.")
                else:
                    services.visit_update(
                        actor=user,
                        visit=visit,
                        status=form.cleaned_data["status"],
                        expected_version=version_seen,
                    )
                    message = _("Visit updated.")
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, message)
                return redirect("workspace:visit", visit.pk)
    # The list names the persons held there: a read of their records, logged as a list.
    record_access(request, AccessAction.LIST, what=f"staff: facility visit {visit.pk}")
    problems = {a.key: a for a in saved.values() if a.answer == "problem"}
    context = {
        "title": _("Visit to %(facility)s") % {"facility": visit.facility.name},
        "visit": visit,
        "nationals": nationals,
        "interviews_form": interviews,
        "checklist_form": conditions,
        "status_form": status,
        "checklist": checklist,
        "problems": problems,
        "working": working,
        "may_request": can(user, "request.record", FormalRequest(consulate_id=visit.consulate_id)),
    }
    return _render(request, "workspace/visit.html", context)


def _prefill(request, user) -> tuple[dict, dict]:
    """What a problem found gives a new request: the facility, the authority (the facility), the type and
    the note; and the objects it comes from. Only from records the user sees."""
    initial: dict = {}
    sources: dict = {"facility": None, "case": None, "item": None, "interview": None}
    get = request.GET
    if get.get("item", "").isdigit():
        item = (
            ChecklistItemAnswer.objects.visible_to(user)
            .select_related("checklist__visit__facility", "checklist__checklist_version")
            .filter(pk=int(get["item"]))
            .first()
        )
        if item is not None:
            sources["item"], sources["facility"] = item, item.checklist.visit.facility
            initial["kind"] = KIND_OF_ITEM.get(item.key, RequestKind.COMPLAINT)
            initial["details"] = f"{item.text}: {item.note}"
    if get.get("interview", "").isdigit():
        interview = (
            VisitInterview.objects.visible_to(user)
            .select_related("visit__facility", "case")
            .filter(pk=int(get["interview"]))
            .first()
        )
        if interview is not None:
            sources["interview"], sources["facility"] = interview, interview.visit.facility
            sources["case"] = interview.case
            initial["kind"] = KIND_OF_NEED.get(interview.need, RequestKind.COMPLAINT)
            initial["details"] = interview.needs
    if sources["facility"] is None and get.get("facility", "").isdigit():
        sources["facility"] = DetentionFacility.objects.filter(pk=int(get["facility"])).first()
    if sources["case"] is None and get.get("case", "").isdigit():
        sources["case"] = (
            Case.objects.visible_to(user).select_related("facility").filter(pk=int(get["case"])).first()
        )
    if sources["facility"] is None and sources["case"] is not None and sources["case"].facility_id:
        sources["facility"] = sources["case"].facility  # where the person is held now
    if sources["facility"] is not None:
        initial.setdefault("authority_kind", AuthorityKind.FACILITY)
        initial.setdefault("authority_name", sources["facility"].name)
    return initial, sources


@staff_member_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    user = request.user
    initial, sources = _prefill(request, user)
    if sources["facility"] is None and sources["case"] is None:
        messages.error(request, _("Open a new request from a facility's page, a visit or a case."))
        return redirect("workspace:facilities")
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_create(
                actor=user,
                authority_kind=data["authority_kind"],
                authority_name=data["authority_name"],
                kind=data["kind"],
                details=data["details"],
                sent_on=data["sent_on"],
                due_on=data["due_on"],
                case=sources["case"],
                facility=sources["facility"],
                from_checklist_item=sources["item"],
                from_interview=sources["interview"],
            )
        except ValidationError as error:
            _apply(form, error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal) or _("You cannot make this request."))
        else:
            messages.success(request, _("Request recorded."))
            return redirect("workspace:request", created.pk)
    context = {"title": _("New formal request"), "form": form, **sources}
    return _render(request, "workspace/request_new.html", context)


@staff_member_required
@require_http_methods(["GET", "POST"])
def request_page(request, pk: int):
    user = request.user
    formal = get_object_or_404(
        FormalRequest.objects.visible_to(user).select_related(
            "case__person", "facility__county", "consulate", "owner", "from_checklist_item", "from_interview"
        ),
        pk=pk,
    )
    working = can(user, "request.record", formal)
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    if posted and not working:
        raise PermissionDenied
    initial = {"version": formal.version, "due_on": formal.due_on}
    forms = {
        "send": RequestSendForm(posted if which == "send" else None, initial=initial, prefix="send"),
        "answer": RequestAnswerForm(posted if which == "answer" else None, initial=initial, prefix="answer"),
        "withdraw": RequestWithdrawForm(
            posted if which == "withdraw" else None, initial=initial, prefix="withdraw"
        ),
        "document": RequestDocumentForm(
            posted if which == "document" else None,
            request.FILES if which == "document" else None,
            prefix="doc",
        ),
    }
    form = forms.get(which)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if which == "send":
                services.request_send(
                    actor=user,
                    request=formal,
                    sent_on=data["sent_on"],
                    due_on=data["due_on"],
                    expected_version=data["version"],
                )
            elif which == "answer":
                services.request_answer(
                    actor=user,
                    request=formal,
                    answered_on=data["answered_on"],
                    response=data["response"],
                    expected_version=data["version"],
                )
            elif which == "withdraw":
                services.request_withdraw(actor=user, request=formal, expected_version=data["version"])
            else:
                services.request_document_attach(
                    actor=user,
                    request=formal,
                    file=data["file"],
                    kind="correspondence",
                    description=data["description"],
                )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("Request updated."))
            return redirect("workspace:request", formal.pk)
    record_access(
        request, AccessAction.VIEW, case_id=formal.case_id, what=f"staff: formal request {formal.pk}"
    )
    context = {
        "title": str(formal),
        "formal": formal,
        "forms": forms,
        "working": working,
        "documents": formal.documents.all(),
        "is_open": formal.status in (RequestStatus.DRAFT, RequestStatus.SENT),
        "facility_url": reverse("workspace:facility", args=[formal.facility_id])
        if formal.facility_id
        else "",
    }
    return _render(request, "workspace/request.html", context)
