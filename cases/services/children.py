"""Children (decision 0029): the child-welfare agency's case on a child's case, what the agency asked of the
consulate (each open request a task of the case, due on its due date) and the assessment of an
unaccompanied or separated child in the form's current version.

Every write runs under the policy's ``child.record`` (the case's own consulate's workers, while the case is
open) and only on a child's case (its person under 18 on the day it was opened); each is on the timeline.
The closure rules for children are the lifecycle service's (``require_child_reception``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import AgencyRequest, Case, ChildAssessment, ChildWelfareCase, Task
from cases.models.children import (
    ASSESSMENT_FORMS,
    CURRENT_FORM_VERSION,
    OPEN_REQUEST_STATUSES,
    AdvocateKind,
    AgencyRequestKind,
    AgencyRequestStatus,
    Answer,
)
from cases.models.work import EventKind, TaskKind
from cases.reminders import schedule
from cases.services.common import case_write, touch
from cases.services.work import _record_completion
from consulates.models import Partner, PartnerKind, ReceptionPoint

ADVOCATE_FIELDS = ("advocate_programme", "advocate_name", "advocate_phone", "advocate_email")
WELFARE_FIELDS = (
    "agency",
    "agency_case_number",
    "court_cause_number",
    "court_name",
    "caseworker_name",
    "caseworker_phone",
    "caseworker_email",
    "advocate_kind",
    *ADVOCATE_FIELDS,
    "notes",
)


def _child_case(case: Case | int, actor, *, expected_version: int | None = None) -> Case:
    """Lock the case, authorize ``child.record``, refuse a closed case and a case that is not a child's."""
    case = case_write(case, actor, "child.record", expected_version=expected_version)
    if not case.is_child_case:
        raise ValidationError(
            _("This is not a child's case: the person was 18 or older on the day the case was opened."),
            code="not_a_child",
        )
    return case


def _check_version(record, expected_version: int | None) -> None:
    if expected_version is not None and record.version != expected_version:
        raise ValidationError(
            _("Someone else changed this record while you were editing it. Reload the page and try again."),
            code="stale",
        )


# ------------------------------------------------------------------------------------------------------
# The agency's case


def _clean_welfare(values: dict) -> dict:
    errors = {}
    agency = values.get("agency")
    if agency is None:
        errors["agency"] = _("Choose the child-welfare agency.")
    elif agency.kind != PartnerKind.CHILD_WELFARE:
        errors["agency"] = _("Choose a child-welfare agency (Texas DFPS, Oklahoma Human Services, CYFD...).")
    programme = values.get("advocate_programme")
    if programme is not None and programme.kind != PartnerKind.CASA:
        errors["advocate_programme"] = _("Choose a CASA programme.")
    if programme is not None and values.get("advocate_kind") != AdvocateKind.CASA:
        errors["advocate_programme"] = _("A CASA programme goes with a CASA volunteer as the advocate.")
    if errors:
        raise ValidationError(errors)
    if not values.get("advocate_kind"):  # no advocate: nothing of one is kept
        for name in ADVOCATE_FIELDS:
            values[name] = None if name == "advocate_programme" else ""
    return {name: (value.strip() if isinstance(value, str) else value) for name, value in values.items()}


@transaction.atomic
def child_welfare_record(
    *, actor, case: Case, expected_version: int | None = None, **values
) -> ChildWelfareCase:
    """Record (or correct) the child-welfare agency's involvement in a child's case: one record per case.
    ``values``: the fields of ``WELFARE_FIELDS``; a field left out keeps its value. ``expected_version``:
    the record's version the writer saw (a stale edit is refused)."""
    unknown = set(values) - set(WELFARE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    case = _child_case(case, actor)
    record = ChildWelfareCase.objects.select_for_update().filter(case=case).first()
    if record is None:
        data = _clean_welfare({name: values.get(name, _default(name)) for name in WELFARE_FIELDS})
        record = ChildWelfareCase.objects.create(case=case, recorded_by=actor, **data)
        events.child_welfare_recorded(case, actor, record=record, created=True, changes=[])
    else:
        _check_version(record, expected_version)
        current = {name: getattr(record, name) for name in WELFARE_FIELDS}
        data = _clean_welfare({**current, **values})
        changed = [name for name in WELFARE_FIELDS if data[name] != current[name]]
        if not changed:
            return record
        for name in changed:
            setattr(record, name, data[name])
        record.version += 1
        record.save(update_fields=[*changed, "version", "updated_at"])
        events.child_welfare_recorded(case, actor, record=record, created=False, changes=changed)
    touch(case, actor)
    return record


def _default(name: str):
    return None if name in ("agency", "advocate_programme") else ""


def child_agencies():
    return Partner.objects.filter(kind=PartnerKind.CHILD_WELFARE, active=True).order_by("name")


def casa_programmes():
    return Partner.objects.filter(kind=PartnerKind.CASA, active=True).order_by("name")


# ------------------------------------------------------------------------------------------------------
# What the agency asked


def _request_title(request: AgencyRequest) -> str:
    label = str(request.get_kind_display())
    detail = f": {request.description}" if request.description else ""
    return (_("Agency request: %(what)s") % {"what": f"{label}{detail}"})[:200]


def _sync_task(case: Case, actor, request: AgencyRequest) -> None:
    """An open or in-progress request is an open task due on its due date; done or declined, its task is
    done. The task is created, moved or completed here, each on the timeline as any task."""
    task = Task.objects.select_for_update().filter(pk=request.task_id).first() if request.task_id else None
    if request.is_open:
        if task is None or task.done:
            task = Task.objects.create(
                case=case,
                kind=TaskKind.AGENCY_REQUEST,
                title=_request_title(request),
                due_date=request.due_date,
                assignee=case.assigned_to,
            )
            request.task = task
            request.save(update_fields=["task"])
            events.task_added(case, actor, task=task)
        elif task.due_date != request.due_date or task.title != _request_title(request):
            changes = {"due_date": [str(task.due_date or ""), str(request.due_date or "")]}
            task.due_date, task.title = request.due_date, _request_title(request)
            task.save(update_fields=["due_date", "title"])
            events.task_updated(case, actor, task=task, changes=changes)
        else:
            return
    elif task is not None and not task.done:
        _record_completion(case, actor, task, timezone.now())
    else:
        return
    schedule.task_reminders_sync(task)


def _clean_request(kind: str, description: str, status: str) -> None:
    errors = {}
    if kind not in AgencyRequestKind.values:
        errors["kind"] = _("Choose what the agency asked.")
    if kind == AgencyRequestKind.OTHER and not description.strip():
        errors["description"] = _("Say what the agency asked.")
    if status not in AgencyRequestStatus.values:
        errors["status"] = _("Choose the request's status.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agency_request_add(
    *,
    actor,
    case: Case,
    kind: str,
    description: str = "",
    due_date: dt.date | None = None,
    requested_on: dt.date | None = None,
    status: str = AgencyRequestStatus.OPEN,
) -> AgencyRequest:
    """Record what the agency asked of the consulate. Open (or in progress), it becomes a task of the case
    due on ``due_date``, assigned to the case's officer."""
    case = _child_case(case, actor)
    _clean_request(kind, description, status)
    if not ChildWelfareCase.objects.filter(case=case).exists():
        raise ValidationError(
            _("Record the child-welfare agency's case first: its requests belong to it."),
            code="no_agency_case",
        )
    request = AgencyRequest.objects.create(
        case=case,
        kind=kind,
        description=description.strip(),
        status=status,
        due_date=due_date,
        requested_on=requested_on,
        recorded_by=actor,
    )
    _sync_task(case, actor, request)
    events.agency_request_changed(case, actor, request=request, kind=EventKind.AGENCY_REQUEST_ADDED)
    touch(case, actor)
    return request


UNSET = object()


@transaction.atomic
def agency_request_update(
    *,
    actor,
    request: AgencyRequest,
    expected_version: int | None = None,
    status=UNSET,
    due_date=UNSET,
    description=UNSET,
    resolution=UNSET,
) -> AgencyRequest:
    """Move a request's status, due date, details or the answer given. Done or declined completes its
    task; back to open or in progress opens a new one."""
    case = _child_case(request.case_id, actor)
    request = AgencyRequest.objects.select_for_update().get(pk=request.pk, case=case)
    _check_version(request, expected_version)
    new = {
        "status": request.status if status is UNSET else status,
        "due_date": request.due_date if due_date is UNSET else due_date,
        "description": request.description if description is UNSET else (description or "").strip(),
        "resolution": request.resolution if resolution is UNSET else (resolution or "").strip(),
    }
    _clean_request(request.kind, new["description"], new["status"])
    if new["status"] == AgencyRequestStatus.DECLINED and not new["resolution"]:
        raise ValidationError({"resolution": _("Say why the request was declined.")})
    changed = [name for name, value in new.items() if getattr(request, name) != value]
    if not changed:
        return request
    for name in changed:
        setattr(request, name, new[name])
    request.version += 1
    request.save(update_fields=[*changed, "version", "updated_at"])
    _sync_task(case, actor, request)
    events.agency_request_changed(case, actor, request=request, kind=EventKind.AGENCY_REQUEST_UPDATED)
    touch(case, actor)
    return request


def agency_request_of_task(task: Task) -> AgencyRequest | None:
    if task.kind != TaskKind.AGENCY_REQUEST:
        return None
    return AgencyRequest.objects.filter(task=task).first()


# ------------------------------------------------------------------------------------------------------
# The assessment

SCREENING = ("victim_of_trafficking", "at_risk_of_trafficking", "fears_return", "can_decide_alone")
REQUIRED = ("situation", "age_basis", "guardian_check")


def dif_offices():
    """The reception points whose receivers include the DIF (the domain data's), offered first."""
    return ReceptionPoint.objects.filter(receivers__contains=[ReceptionPoint.Receiver.DIF]).order_by("name")


def _is_complete(values: dict) -> bool:
    """Every screening question answered yes or no, the situation, how the age was determined, the
    guardian (named and verified) and the receiving DIF office known."""
    return (
        all(values.get(name) in (Answer.YES, Answer.NO) for name in SCREENING)
        and all(values.get(name) for name in REQUIRED)
        and bool(values.get("guardian_name"))
        and bool(values.get("dif_office") or values.get("dif_office_text"))
    )


@transaction.atomic
def child_assess(
    *,
    actor,
    case: Case,
    situation: str,
    age_basis: str,
    age_notes: str = "",
    victim_of_trafficking: str = Answer.UNKNOWN,
    at_risk_of_trafficking: str = Answer.UNKNOWN,
    fears_return: str = Answer.UNKNOWN,
    can_decide_alone: str = Answer.UNKNOWN,
    guardian_name: str = "",
    guardian_relationship: str = "",
    guardian_check: str = "",
    dif_office: ReceptionPoint | None = None,
    dif_office_text: str = "",
    notes: str = "",
) -> ChildAssessment:
    """Save an assessment of the child in the form's current version (a new row: earlier ones stay as its
    history). The situation and how the age was determined are needed to save; the rest may come later,
    in a new assessment. ``complete`` says whether it answers everything asked before a return."""
    case = _child_case(case, actor)
    errors = {}
    if not situation:
        errors["situation"] = _("Say whether the child is unaccompanied or separated.")
    if not age_basis:
        errors["age_basis"] = _("Say how the child's age was determined.")
    if age_basis == "other" and not age_notes.strip():
        errors["age_notes"] = _("Say how the age was determined.")
    if guardian_check and not guardian_name.strip():
        errors["guardian_name"] = _("Name the guardian who was verified.")
    if dif_office is not None and dif_office_text.strip():
        errors["dif_office_text"] = _("Choose the DIF office from the list or type it, not both.")
    if errors:
        raise ValidationError(errors)
    values = {
        "situation": situation,
        "age_basis": age_basis,
        "age_notes": age_notes.strip(),
        "victim_of_trafficking": victim_of_trafficking or Answer.UNKNOWN,
        "at_risk_of_trafficking": at_risk_of_trafficking or Answer.UNKNOWN,
        "fears_return": fears_return or Answer.UNKNOWN,
        "can_decide_alone": can_decide_alone or Answer.UNKNOWN,
        "guardian_name": guardian_name.strip(),
        "guardian_relationship": guardian_relationship.strip(),
        "guardian_check": guardian_check,
        "dif_office": dif_office,
        "dif_office_text": dif_office_text.strip(),
        "notes": notes.strip(),
    }
    assessment = ChildAssessment(
        case=case,
        form_version=CURRENT_FORM_VERSION,
        complete=_is_complete(values),
        assessed_by=actor,
        assessed_at=timezone.now(),
        **values,
    )
    assessment.full_clean(exclude=["case", "assessed_by", "dif_office"])
    assessment.save(force_insert=True)
    events.child_assessed(case, actor, assessment=assessment)
    touch(case, actor)
    return assessment


assert CURRENT_FORM_VERSION in ASSESSMENT_FORMS  # noqa: S101 - a form version without its questions
__all__ = [
    "OPEN_REQUEST_STATUSES",
    "agency_request_add",
    "agency_request_of_task",
    "agency_request_update",
    "casa_programmes",
    "child_agencies",
    "child_assess",
    "child_welfare_record",
    "dif_offices",
]
