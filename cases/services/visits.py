"""Facility visits: plan one, mark it done or cancelled, record its interviews (one screen, one
transaction; each saved interview a ``visit`` entry on its case's timeline) and its conditions checklist
(decision 0026). Who may: ``visit.plan`` and ``visit.record`` in ``consulates.policy``."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import events
from cases.models import (
    ChecklistItemAnswer,
    ChecklistVersion,
    FacilityVisit,
    VisitChecklist,
    VisitInterview,
)
from cases.models.visits import NOTE_MAX, ConditionAnswer, InterviewNeed, VisitStatus
from cases.selectors.visits import visit_nationals
from cases.services.common import case_write, touch
from consulates.policy import authorize, holders


def _stale(kind: str = "visit") -> ValidationError:
    return ValidationError(
        _("Someone else changed this visit while you were editing it. Reload the page and try again."),
        code="stale",
    )


def _clean_officers(consulate_id: int, officers) -> list:
    officers = list(officers or [])
    allowed = set(holders("case.assignee", consulate_id).values_list("pk", flat=True))
    if any(officer.pk not in allowed for officer in officers):
        raise ValidationError(
            {"officers": [_("Choose officers of the consulate that makes the visit.")]}, code="officers"
        )
    return officers


@transaction.atomic
def visit_plan(*, actor, facility, planned_for: dt.date, officers=(), notes: str = "") -> FacilityVisit:
    """A planned visit by the consulate whose district holds the facility (its county's consulate); a
    facility outside the network's districts is visited by no consulate of it."""
    if facility is None or not facility.county_id:
        raise ValidationError(
            {"facility": [_("This facility is in no consulate's district: it cannot be visited from here.")]}
        )
    if planned_for is None:
        raise ValidationError({"planned_for": [_("Enter the day of the visit.")]})
    visit = FacilityVisit(
        consulate_id=facility.county.consulate_id,
        facility=facility,
        planned_for=planned_for,
        notes=(notes or "").strip()[:500],
        created_by=actor,
    )
    authorize(actor, "visit.plan", visit)
    officers = _clean_officers(visit.consulate_id, officers)
    visit.save()
    visit.officers.set(officers)
    return visit


def _lock(visit: FacilityVisit | int, actor, expected_version: int | None) -> FacilityVisit:
    pk = visit if isinstance(visit, int) else visit.pk
    visit = FacilityVisit.objects.select_for_update(of=("self",)).select_related("facility").get(pk=pk)
    authorize(actor, "visit.record", visit)
    if visit.status == VisitStatus.CANCELLED:
        raise ValidationError(_("This visit was cancelled."), code="visit_cancelled")
    if expected_version is not None and visit.version != expected_version:
        raise _stale()
    return visit


@transaction.atomic
def visit_update(
    *,
    actor,
    visit: FacilityVisit,
    expected_version: int | None = None,
    planned_for: dt.date | None = None,
    officers=None,
    notes: str | None = None,
    status: str | None = None,
) -> FacilityVisit:
    """Move the day, change who goes, the notes; mark it done or cancelled (a done visit may still be
    corrected; a cancelled one is closed)."""
    visit = _lock(visit, actor, expected_version)
    if status is not None and status != visit.status:
        if status not in (VisitStatus.DONE, VisitStatus.CANCELLED, VisitStatus.PLANNED):
            raise ValidationError({"status": [_("Choose a valid status.")]})
        if status == VisitStatus.CANCELLED and visit.interviews.exists():
            raise ValidationError(
                {
                    "status": [
                        _("Interviews were recorded on this visit: it took place and cannot be cancelled.")
                    ]
                }
            )
        visit.status = status
    if planned_for is not None:
        visit.planned_for = planned_for
    if notes is not None:
        visit.notes = notes.strip()[:500]
    if officers is not None:
        visit.officers.set(_clean_officers(visit.consulate_id, officers))
    visit.version += 1
    visit.save()
    return visit


def _clean_row(row: dict) -> dict:
    findings = (row.get("findings") or "").strip()
    needs = (row.get("needs") or "").strip()
    need = row.get("need") or ""
    errors = {}
    if len(findings) > NOTE_MAX:
        errors["findings"] = [_("Keep it under %(max)s characters.") % {"max": NOTE_MAX}]
    if len(needs) > NOTE_MAX:
        errors["needs"] = [_("Keep it under %(max)s characters.") % {"max": NOTE_MAX}]
    if need not in InterviewNeed.values:
        errors["need"] = [_("Choose one of the needs listed.")]
    if errors:
        raise ValidationError(errors)
    return {"seen": bool(row.get("seen")), "findings": findings, "need": need, "needs": needs}


@transaction.atomic
def visit_interviews_record(
    *, actor, visit: FacilityVisit, rows: list[dict], expected_version: int | None = None
) -> list[VisitInterview]:
    """Record the visit's interviews at once. ``rows``: ``{"case_id", "seen", "findings", "need",
    "needs"}``, one per national on the visit's list. A row left blank (not seen, nothing written) for a
    person not yet interviewed records nothing; every interview saved new or changed writes its case's
    ``visit`` entry. All or nothing: one refused row saves no row. Recording marks the visit done."""
    visit = _lock(visit, actor, expected_version)
    allowed = {case.pk for case in visit_nationals(visit, actor)}
    by_case: dict[int, dict] = {}
    errors: dict[str, list] = {}
    for row in rows:
        case_id = int(row["case_id"])
        if case_id not in allowed:
            raise ValidationError(_("This person is not on the visit's list."), code="not_on_list")
        try:
            by_case[case_id] = _clean_row(row)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[f"{case_id}-{field}"] = messages
    if errors:
        raise ValidationError(errors)
    existing = {i.case_id: i for i in VisitInterview.objects.select_for_update().filter(visit=visit)}
    saved = []
    for case_id in sorted(by_case):  # cases locked in pk order
        values = by_case[case_id]
        interview = existing.get(case_id)
        blank = not values["seen"] and not values["findings"] and not values["needs"] and not values["need"]
        if interview is None and blank:
            continue
        if interview is not None and all(getattr(interview, k) == v for k, v in values.items()):
            continue
        case = case_write(case_id, actor, "case.work")
        first = interview is None
        if first:
            interview = VisitInterview(visit=visit, case=case)
        for name, value in values.items():
            setattr(interview, name, value)
        interview.recorded_by, interview.recorded_at = actor, timezone.now()
        interview.save()
        interview.visit = visit
        events.visit_interview(case, actor, interview=interview, first=first)
        touch(case, actor)
        saved.append(interview)
    if saved and visit.status == VisitStatus.PLANNED:
        visit.status = VisitStatus.DONE
    visit.version += 1
    visit.save(update_fields=["status", "version", "updated_at"])
    return saved


@transaction.atomic
def visit_checklist_record(
    *, actor, visit: FacilityVisit, answers: dict, expected_version: int | None = None
) -> VisitChecklist:
    """Record (or correct) the visit's conditions checklist. ``answers``: item key -> ``{"answer",
    "note"}``. A new checklist is answered in the current version; a saved one keeps its version (so its
    items keep the texts they were answered with). A problem needs a note saying what it is."""
    visit = _lock(visit, actor, expected_version)
    checklist = VisitChecklist.objects.select_for_update().filter(visit=visit).first()
    version = checklist.checklist_version if checklist else ChecklistVersion.current()
    errors: dict[str, list] = {}
    cleaned = []
    for position, item in enumerate(version.items):
        given = answers.get(item["key"]) or {}
        answer = given.get("answer") or ConditionAnswer.NOT_CHECKED
        note = (given.get("note") or "").strip()
        if answer not in ConditionAnswer.values:
            errors[f"{item['key']}-answer"] = [_("Choose one of the answers listed.")]
        elif answer == ConditionAnswer.PROBLEM and not note:
            errors[f"{item['key']}-note"] = [_("Say what the problem is.")]
        if len(note) > 500:
            errors[f"{item['key']}-note"] = [_("Keep it under %(max)s characters.") % {"max": 500}]
        cleaned.append((position, item["key"], answer, note))
    unknown = set(answers) - {item["key"] for item in version.items}
    if unknown:
        errors["answers"] = [_("The checklist changed while you were answering it. Reload the page.")]
    if errors:
        raise ValidationError(errors)
    if checklist is None:
        checklist = VisitChecklist.objects.create(visit=visit, checklist_version=version, recorded_by=actor)
    else:
        checklist.recorded_by, checklist.recorded_at = actor, timezone.now()
        checklist.save()
    current = {a.key: a for a in checklist.answers.all()}
    for position, key, answer, note in cleaned:
        row = current.get(key)
        if row is None:
            ChecklistItemAnswer.objects.create(
                checklist=checklist, key=key, position=position, answer=answer, note=note
            )
        elif (row.answer, row.note) != (answer, note):
            row.answer, row.note = answer, note
            row.save(update_fields=["answer", "note"])
    if visit.status == VisitStatus.PLANNED:
        visit.status = VisitStatus.DONE
    visit.version += 1
    visit.save(update_fields=["status", "version", "updated_at"])
    return checklist
