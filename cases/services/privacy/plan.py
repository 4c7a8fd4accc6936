"""What anonymising clears: one plan for the live rows and their pghistory rows (see ``anonymise``).

Each ``Scrub`` names a model, its history model, how their rows belong to the persons and cases being
anonymised, and the value each personal field gets (``BLANK``: the field's own empty value, prepared by the
field itself, so encrypted or otherwise customised fields store what they would store for an empty value).
A field added later that holds personal data belongs here (e.g. a blind index of an identifier).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

ANONYMISED_NAME = "***"
BLANK = object()  # the field's empty value: None when nullable, else "", [] or {}

# Keys of a timeline entry's details that hold free text (a task's title, a belonging's description),
# and the fields whose old and new values a "changes" entry may quote.
FREE_TEXT_PAYLOAD_KEYS = frozenset({"title", "description", "warnings"})
FREE_TEXT_CHANGE_KEYS = frozenset(
    {"summary", "notes", "title", "outcome_notes", "description", "docket_number", "court_name"}
)


# --- The plan --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The persons being anonymised and all their cases (plain ids: the history tables are filtered on
    their own indexed columns, without joins)."""

    person_ids: list[int]
    case_ids: list[int]


@dataclass(frozen=True)
class Scrub:
    """Rows of ``model`` (and of its history model) that belong to the persons being anonymised, and
    the values their personal fields get. ``delete``: the live rows are deleted (their history rows are
    cleared like the others)."""

    model: str
    history: str
    rows: Callable[[Scope], Q]
    fields: dict
    history_rows: Callable[[Scope], Q] | None = None
    delete: bool = False

    def history_q(self, scope: Scope) -> Q:
        return (self.history_rows or self.rows)(scope)


def _by_case(scope: Scope) -> Q:
    return Q(case_id__in=scope.case_ids)


def _by_person(scope: Scope) -> Q:
    return Q(person_id__in=scope.person_ids)


PERSON_SCRUB = Scrub(
    model="cases.Person",
    history="cases.PersonHistory",
    rows=lambda scope: Q(pk__in=scope.person_ids),
    history_rows=lambda scope: Q(pgh_obj_id__in=scope.person_ids),
    fields={
        "given_names": ANONYMISED_NAME,
        "paternal_surname": ANONYMISED_NAME,
        "maternal_surname": BLANK,
        "date_of_birth": BLANK,
        "state_of_birth": BLANK,
        "curp": BLANK,
        "curp_bidx": BLANK,
        "a_number": BLANK,
        "a_number_bidx": BLANK,
        "passport_number": BLANK,
        "matricula_consular": BLANK,
        "phone": BLANK,
        "email": BLANK,
        "us_address": BLANK,
        "us_county": BLANK,
        "mexico_address": BLANK,
        "contact_consent": False,
        "contact_consent_at": BLANK,
    },
)

SCRUB_PLAN: tuple[Scrub, ...] = (
    PERSON_SCRUB,
    Scrub(
        model="cases.EmergencyContact",
        history="cases.EmergencyContactHistory",
        rows=_by_person,
        fields={"name": BLANK, "relationship": BLANK, "phone": BLANK, "email": BLANK, "notes": BLANK},
        delete=True,
    ),
    Scrub(
        model="cases.Case",
        history="cases.CaseHistory",
        rows=_by_person,
        fields={"summary": BLANK, "outcome_notes": BLANK},
    ),
    Scrub("cases.Hearing", "cases.HearingHistory", _by_case, {"outcome": BLANK, "notes": BLANK}),
    Scrub("cases.Task", "cases.TaskHistory", _by_case, {"title": ANONYMISED_NAME}),
    # A proceeding's docket number finds the person in public court records; its notes are free text.
    Scrub("cases.Proceeding", "cases.ProceedingHistory", _by_case, {"notes": BLANK, "docket_number": BLANK}),
    Scrub(
        "cases.ProceedingDeadline",
        "cases.DeadlineHistory",
        lambda scope: Q(proceeding__case_id__in=scope.case_ids),
        {"description": BLANK},
    ),
    # A critical incident's description and closing note (encrypted; a closed one keeps a note: a check).
    Scrub(
        "cases.CriticalIncident",
        "cases.CriticalIncidentHistory",
        _by_case,
        {"description": ANONYMISED_NAME, "closing_note": ANONYMISED_NAME},
    ),
    Scrub("cases.Transfer", "cases.TransferHistory", _by_case, {"reason": BLANK, "note": BLANK}),
    # A child's agency and court numbers find the child in the agency's and the court's records.
    Scrub(
        "cases.ChildWelfareCase",
        "cases.ChildWelfareHistory",
        _by_case,
        {
            "agency_case_number": BLANK,
            "court_cause_number": BLANK,
            "notes": BLANK,
            "caseworker_phone": BLANK,
            "advocate_phone": BLANK,
        },
    ),
    Scrub(
        "cases.AgencyRequest",
        "cases.AgencyRequestHistory",
        _by_case,
        {"description": BLANK, "resolution": BLANK},
    ),
    # Append-only: cleared under ``pgtrigger.ignore`` (``anonymise``), as the timeline is.
    Scrub(
        "cases.ChildAssessment",
        "cases.ChildAssessmentHistory",
        _by_case,
        {
            "age_notes": BLANK,
            "guardian_name": BLANK,
            "guardian_relationship": BLANK,
            "dif_office_text": BLANK,
            "notes": BLANK,
        },
    ),
    Scrub("cases.Consent", "cases.ConsentHistory", _by_case, {"withdrawal_note": BLANK}),
    Scrub(
        "cases.Referral",
        "cases.ReferralHistory",
        _by_case,
        {"request_note": BLANK, "decline_reason": BLANK, "outcome_note": BLANK, "withdrawal_reason": BLANK},
    ),
    Scrub(
        "cases.RepatriationHandoff",
        "cases.HandoffHistory",
        _by_case,
        {
            name: BLANK
            for name in (
                "medical_needs",
                "medication",
                "disability",
                "minors_details",
                "destination",
                "family_contact_name",
                "family_contact_phone",
                "family_contact_relationship",
                "belongings_notes",
                "notes",
                "received_by_name",
                "confirmation_notes",
            )
        },
    ),
    # A hand-over to another consulate: its free text goes, and the export sent (the person's data: the
    # stored file is deleted by ``anonymise``); which consulate, when and how stay.
    Scrub(
        "cases.Handover",
        "cases.HandoverHistory",
        _by_case,
        {
            "reason_notes": BLANK,
            "method_notes": BLANK,
            "acknowledgement_notes": BLANK,
            "export_file": BLANK,
        },
    ),
    # Why a vulnerable person's removal went ahead, and the warning's words (they name the person's flags).
    Scrub(
        "cases.RemovalWarningAck",
        "cases.RemovalWarningAckHistory",
        _by_case,
        {"warning": BLANK, "reason": BLANK},
    ),
    # Families (decision 0027): the relationship's notes and the reason it was removed (the pair stays: the
    # other person's record keeps that a relative existed); the checklist's caregiver, description and note.
    Scrub(
        "cases.FamilyRelationship",
        "cases.FamilyRelationshipHistory",
        lambda scope: Q(person_a_id__in=scope.person_ids) | Q(person_b_id__in=scope.person_ids),
        {"notes": BLANK, "end_reason": BLANK},
    ),
    Scrub(
        "cases.FamilyChecklistItem",
        "cases.FamilyChecklistItemHistory",
        _by_case,
        {"caregiver_name": BLANK, "caregiver_contact": BLANK, "note": BLANK, "description": BLANK},
    ),
    Scrub(
        "cases.Belonging",
        "cases.BelongingHistory",
        _by_case,
        {"description": BLANK, "resolution_note": BLANK},
    ),
    Scrub(
        "cases.Document",
        "cases.DocumentHistory",
        _by_case,
        {"original_name": BLANK, "description": BLANK},
        delete=True,
    ),
    Scrub(
        "cases.Reminder",
        "cases.ReminderHistory",
        lambda scope: Q(person_id__in=scope.person_ids) | Q(case_id__in=scope.case_ids),
        {"last_error": BLANK},
    ),
    # One record per person (issue 19): the person's other names go (a merge recorded the merged record's
    # name as one); the free text of merges and possible-duplicate decisions is cleared, and a merge's
    # snapshot (both records as they were: kept out of its history) with them.
    Scrub(
        "cases.PersonAlias",
        "cases.PersonAliasHistory",
        _by_person,
        {"given_names": ANONYMISED_NAME, "paternal_surname": ANONYMISED_NAME, "maternal_surname": BLANK},
        delete=True,
    ),
    Scrub(
        "cases.PersonMerge",
        "cases.PersonMergeHistory",
        lambda scope: Q(survivor_id__in=scope.person_ids) | Q(merged_id__in=scope.person_ids),
        {"reason": ANONYMISED_NAME, "unmerge_reason": BLANK, "snapshot": BLANK},
    ),
    Scrub(
        "cases.DuplicateReview",
        "cases.DuplicateReviewHistory",
        lambda scope: Q(person_id__in=scope.person_ids) | Q(candidate_id__in=scope.person_ids),
        {"resolution_note": BLANK},
    ),
)


def _empty(field: models.Field):
    if field.null:
        return None
    if isinstance(field, models.JSONField):
        return {}
    if getattr(field, "base_field", None) is not None:  # ArrayField
        return []
    return ""


def field_values(model, fields: dict) -> dict:
    return {
        name: _empty(model._meta.get_field(name)) if value is BLANK else value
        for name, value in fields.items()
    }


def scrub_payload(payload: dict) -> dict:
    """A timeline entry's details without their free text: codes, ids, dates and names of organisations
    and consulates stay."""
    if not isinstance(payload, dict):
        return payload
    cleaned = {key: ("" if key in FREE_TEXT_PAYLOAD_KEYS else value) for key, value in payload.items()}
    changes = cleaned.get("changes")
    if isinstance(changes, dict):
        cleaned["changes"] = {
            key: (["", ""] if key in FREE_TEXT_CHANGE_KEYS else value) for key, value in changes.items()
        }
    return cleaned
