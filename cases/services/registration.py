"""Registering a person who may already be on record: likely duplicates are shown before anything is saved.

``person_register_screened`` runs the matcher (``cases.matching``) over every person on record, once, and
splits the likely and certain candidates by what the registering user may see:

* candidates the user may see (``Person.objects.visible_to``): nothing is saved; ``PossibleDuplicates``
  (a ``ValidationError`` with code ``possible_duplicates``) carries them, to be shown with their name, date
  of birth, consulate and reasons. The user either opens the existing record, or registers a new person
  anyway with ``confirm_new_person=True`` and a ``new_person_reason``: the reason is kept as a possible-duplicate review per
  shown candidate, resolved "different persons" by the user with the reason as its note (the record of who
  decided what, and the pair is not proposed again);
* candidates the user may not see (another consulate's persons): never shown nor hinted (the answer is the
  same as with no candidate at all): the person is saved and a possible-duplicate review is opened for the
  consulate owning the candidate (``duplicate_review_open``, source ``registration``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.access import record_access
from cases.matching import REVIEW_SCORE, MatchQuery, match, reason_text
from cases.models import DuplicateReview, Person
from cases.models.access import AccessAction
from cases.models.identity import DuplicateResolution, DuplicateSource, DuplicateStatus
from cases.services.duplicate_reviews import duplicate_review_open
from cases.services.persons import person_register
from consulates.models import Consulate
from consulates.policy import authorize, home_consulate

SHOWN = 5  # the most alike visible candidates shown to the user
REASON_MAX_LENGTH = 300
QUERY_FIELDS = (
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "date_of_birth",
    "sex",
    "state_of_birth",
    "curp",
    "a_number",
)


@dataclass(frozen=True)
class LikelyDuplicate:
    person: Person
    score: float
    reasons: tuple[str, ...]
    certain: bool

    @property
    def reasons_text(self) -> list[str]:
        return [str(reason_text(code)) for code in self.reasons]


class PossibleDuplicates(ValidationError):
    """The person may already be on record: ``candidates`` (visible to the user, most alike first).
    ``reason_missing``: the user confirmed a new person without saying why (a field error too)."""

    def __init__(self, candidates: list[LikelyDuplicate], *, reason_missing: bool = False):
        message = _(
            "This person may already be registered. Open the existing record, or confirm that this is a "
            "different person and say why."
        )
        errors = {NON_FIELD_ERRORS: [message]}
        if reason_missing:
            errors["new_person_reason"] = [_("Say why this is a different person from the ones found.")]
        super().__init__(errors)
        self.code = "possible_duplicates"
        self.summary = message
        self.candidates = candidates
        self.reason_missing = reason_missing


def record_candidates_shown(request, candidates: list[LikelyDuplicate]) -> None:
    """The likely duplicates shown to the user are a read of those persons: one access-log row each. Called
    by the page or the API once the refused registration is rolled back (outside its transaction)."""
    for item in candidates:
        record_access(
            request, AccessAction.VIEW, person_id=item.person.pk, what="registration: possible duplicate"
        )


def _query(fields: dict) -> MatchQuery:
    values = {name: fields.get(name) for name in QUERY_FIELDS}
    return MatchQuery(
        **{name: (value if name == "date_of_birth" else (value or "")) for name, value in values.items()}
    )


def _registration_screen(*, actor, fields: dict) -> tuple[list[LikelyDuplicate], list]:
    """The likely duplicates of a person about to be registered: those ``actor`` may see (shown, most alike
    first) and the matcher's candidates ``actor`` may not see (never shown). One match over every person on
    record and one read of which candidates are visible, whatever the outcome (the same work either way)."""
    result = match(_query(fields))
    if result.decision == "new" or not result.candidates:
        return [], []
    likely = [c for c in result.candidates if c.certain or c.score >= REVIEW_SCORE]
    ids = [candidate.person_id for candidate in likely]
    visible = Person.objects.visible_to(actor).filter(pk__in=ids).select_related("registered_by").in_bulk()
    shown, hidden = [], []
    for rank, candidate in enumerate(likely):
        person = visible.get(candidate.person_id)
        if person is None:
            hidden.append(candidate)
        elif len(shown) < SHOWN:
            certain = candidate.certain and result.decision == "linked" and rank == 0
            shown.append(LikelyDuplicate(person, candidate.score, tuple(candidate.reasons), certain))
    return shown, hidden


@transaction.atomic
def person_register_screened(
    *,
    actor,
    consulate: Consulate | None = None,
    request=None,
    confirm_new_person: bool = False,
    new_person_reason: str = "",
    **fields,
) -> Person:
    """Register a person (``person_register``) unless they may already be on record where ``actor`` can see:
    then ``PossibleDuplicates`` and nothing is saved, until ``confirm_new_person`` with a ``new_person_reason``."""
    # Refused as ``person_register`` refuses, before anything is looked up.
    consulate_id = consulate.pk if consulate else home_consulate(actor)
    if consulate_id is None:
        raise ValidationError({"registered_by": _("Choose the consulate registering this person.")})
    authorize(actor, "person.register", consulate or Consulate(pk=consulate_id))
    reason = " ".join((new_person_reason or "").split())
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "new_person_reason": _("Keep the reason under %(count)d characters.")
                % {"count": REASON_MAX_LENGTH}
            }
        )
    shown, hidden = _registration_screen(actor=actor, fields=fields)
    # A CURP or A-number a visible person holds is refused beside its field by ``person_register`` itself.
    clash = any({"same_curp", "same_a_number"} & set(item.reasons) for item in shown)
    if shown and not clash and not (confirm_new_person and reason):
        raise PossibleDuplicates(shown, reason_missing=confirm_new_person)
    person = person_register(actor=actor, consulate=consulate, request=request, **fields)
    now = timezone.now()
    for item in shown:
        DuplicateReview.objects.create(
            person=person,
            candidate=item.person,
            score=item.score,
            reasons=list(item.reasons),
            source=DuplicateSource.REGISTRATION,
            requested_by=actor,
            requesting_consulate_id=person.registered_by_id,
            status=DuplicateStatus.RESOLVED,
            resolution=DuplicateResolution.DISTINCT,
            resolution_note=reason,
            resolved_by=actor,
            resolved_at=now,
        )
    _review_hidden(actor, person, hidden, DuplicateSource.REGISTRATION)
    return person


def hidden_duplicates_review(*, actor, person: Person, source: str) -> None:
    """For a person registered without the screen above (an inquiry's conversion, whose page showed the
    visible candidates first): the likely duplicates ``actor`` may not see become reviews for the
    consulates holding them, as on registration. Nothing is said to ``actor``."""
    _shown, hidden = _registration_screen(
        actor=actor, fields={name: getattr(person, name) for name in QUERY_FIELDS}
    )
    _review_hidden(actor, person, hidden, source)


def _review_hidden(actor, person: Person, hidden: list, source: str) -> None:
    for candidate in hidden:
        if candidate.person_id == person.pk:
            continue
        duplicate_review_open(
            actor=actor,
            person=person,
            candidate=Person.objects.get(pk=candidate.person_id),
            score=candidate.score,
            reasons=list(candidate.reasons),
            source=source,
            consulate=person.registered_by,
        )
