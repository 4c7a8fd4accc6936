"""What a legal proceeding may hold, checked field by field with messages in the user's language
(``cases.services.proceedings`` calls these before it writes)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models.proceeding import (
    BEFORE_IMMIGRATION_JUDGE,
    OUTCOMES_BY_KIND,
    WITH_DOCKET,
    WITHOUT_COURT,
    CounselKind,
    DeadlineKind,
    ProceedingKind,
)
from consulates.courts import IMMIGRATION_KINDS, CourtKind

# The fields a proceeding is opened or edited with (the services' keyword arguments).
FIELDS = (
    "kind",
    "court",
    "court_name",
    "docket_number",
    "started_on",
    "notes",
    "counsel_kind",
    "counsel_partner",
    "counsel_name",
    "counsel_firm",
    "g28_filed_on",
    "eoir28_filed_on",
)


def _not_future(errors: dict, name: str, value, message: str) -> None:
    if value is not None and value > timezone.localdate():
        errors.setdefault(name, []).append(message)


def clean_proceeding(values: dict) -> dict:
    """``values`` (every name of ``FIELDS``) checked and normalised: texts stripped, the attorney's
    fields that do not belong to the chosen kind of counsel emptied. Raises ``ValidationError`` with
    every field's problem at once."""
    v = dict(values)
    for name in ("court_name", "docket_number", "notes", "counsel_name", "counsel_firm"):
        v[name] = (v.get(name) or "").strip()
    v["counsel_kind"] = v.get("counsel_kind") or CounselKind.NONE
    errors: dict[str, list] = {}
    kind, court = v.get("kind"), v.get("court")
    if kind not in ProceedingKind.values:
        errors["kind"] = [_("Choose the kind of proceeding.")]
    elif kind in WITHOUT_COURT:
        if court is not None or v["court_name"]:
            errors["court"] = [
                _("This kind of proceeding is decided by immigration authorities, not a court.")
            ]
    elif kind in BEFORE_IMMIGRATION_JUDGE:
        if court is not None and court.kind not in IMMIGRATION_KINDS:
            errors["court"] = [_("Choose an immigration court for this kind of proceeding.")]
        if v["court_name"]:
            errors["court_name"] = [_("Choose the immigration court from the list.")]
    elif kind == ProceedingKind.HABEAS:
        if court is None or court.kind != CourtKind.FEDERAL_DISTRICT:
            errors["court"] = [_("Choose the federal district court where the petition was filed.")]
        if v["court_name"]:
            errors["court_name"] = [_("Choose the federal court from the list.")]
    elif kind == ProceedingKind.CRIMINAL:
        if court is not None and court.kind != CourtKind.FEDERAL_DISTRICT:
            errors["court"] = [
                _("A criminal case is before a federal court from the list or a court named in words.")
            ]
        if court is not None and v["court_name"]:
            errors["court_name"] = [_("Choose a court from the list or name it, not both.")]
    if v["docket_number"] and kind in ProceedingKind.values and kind not in WITH_DOCKET:
        errors["docket_number"] = [
            _(
                "Only habeas petitions and criminal cases have a docket number; immigration cases go by the person's A-number."
            )
        ]
    _not_future(errors, "started_on", v.get("started_on"), _("The start date cannot be in the future."))
    _clean_counsel(v, errors)
    if errors:
        raise ValidationError(errors)
    return v


def _clean_counsel(v: dict, errors: dict) -> None:
    counsel = v["counsel_kind"]
    if counsel not in CounselKind.values:
        errors["counsel_kind"] = [_("Choose who represents the person.")]
        return
    if counsel != CounselKind.PARTNER:
        v["counsel_partner"] = None
    if counsel not in (CounselKind.PALE, CounselKind.PRIVATE):
        v["counsel_name"] = ""
    if counsel != CounselKind.PRIVATE:
        v["counsel_firm"] = ""
    if counsel == CounselKind.NONE:
        v["g28_filed_on"] = v["eoir28_filed_on"] = None
    if counsel == CounselKind.PARTNER:
        partner = v.get("counsel_partner")
        if partner is None or not partner.active:
            errors["counsel_partner"] = [
                _("Choose the active partner organisation that represents the person.")
            ]
    if counsel in (CounselKind.PALE, CounselKind.PRIVATE) and not v["counsel_name"]:
        errors["counsel_name"] = [_("Enter the name of the attorney or legal adviser.")]
    for name in ("g28_filed_on", "eoir28_filed_on"):
        _not_future(errors, name, v.get(name), _("A notice of appearance cannot be filed in the future."))


def clean_decision(kind: str, outcome: str, decided_on: dt.date | None, started_on: dt.date | None) -> None:
    errors: dict[str, list] = {}
    if outcome not in OUTCOMES_BY_KIND.get(kind, ()):
        errors["outcome"] = [_("Choose a decision that this kind of proceeding can have.")]
    if decided_on is None:
        errors["decided_on"] = [_("Enter the date of the decision.")]
    else:
        _not_future(errors, "decided_on", decided_on, _("The decision date cannot be in the future."))
        if started_on is not None and decided_on < started_on:
            errors.setdefault("decided_on", []).append(
                _("The decision cannot come before the proceeding started.")
            )
    if errors:
        raise ValidationError(errors)


def clean_deadline(kind: str, due_on: dt.date | None, description: str) -> str:
    errors: dict[str, list] = {}
    description = (description or "").strip()
    if kind not in DeadlineKind.values:
        errors["kind"] = [_("Choose the kind of deadline.")]
    if due_on is None:
        errors["due_on"] = [_("Enter the date the deadline falls on.")]
    if kind in (DeadlineKind.OTHER, DeadlineKind.FILING) and not description:
        errors["description"] = [_("Say what is due.")]
    if errors:
        raise ValidationError(errors)
    return description
