"""CURPs and A-numbers that another person already holds: duplicates kept out without an oracle.

When a write records a CURP or A-number that is new for the record, each value is looked up through its
blind index:

* nobody else holds it: it is recorded;
* a person the writer can see holds it: a plain field error (the writer can find that person anyway);
* a person the writer cannot see holds it: the value is withheld (the rest of the write is saved), an
  ``IdentifierReview`` is opened for the administrators and the consulate that owns that person, the
  match is written to the access log, and the writer is told only that the identifier needs review.

A user opens at most ``IDENTIFIER_REVIEW_RATE_PER_USER`` reviews per window; past it, every new
identifier from that user is refused before it is looked up, so the refusal tells nothing either. The rows
of the detainee lists a user imports draw on a budget of their own (``IDENTIFIER_REVIEW_RATE_PER_IMPORTER``,
``budget=IMPORT``): a list names other consulates' detainees by the dozen, a form one at a time.
Values are never logged; the review keeps the value encrypted, and only until it is resolved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.access import record_access
from cases.models import IdentifierReview, Person
from cases.models.access import AccessAction
from consulates.policy import home_consulate
from signin import ratelimit

IDENTIFIER_FIELDS = ("curp", "a_number")
INTERACTIVE, IMPORT = "interactive", "import"
# budget -> (rate limiter scope, setting)
_BUDGETS = {
    INTERACTIVE: ("identifier-review", "IDENTIFIER_REVIEW_RATE_PER_USER"),
    IMPORT: ("identifier-review-import", "IDENTIFIER_REVIEW_RATE_PER_IMPORTER"),
}


def duplicate_message(field: str) -> str:
    if field == "curp":
        return _("A person with this CURP is already registered in the network.")
    return _("A person with this A-number is already registered in the network.")


def review_message(field: str) -> str:
    if field == "curp":
        return _("The CURP was not recorded: it needs review by an administrator. Everything else was saved.")
    return _("The A-number was not recorded: it needs review by an administrator. Everything else was saved.")


class IdentifierReviewLimited(ValidationError):
    """The user opened too many reviews in the current window. ``retry_after``: seconds to wait."""

    def __init__(self, field: str, retry_after: int):
        minutes = max(1, math.ceil(retry_after / 60))
        message = ngettext(
            "Too many identifiers you entered need review. Try again in %(minutes)d minute.",
            "Too many identifiers you entered need review. Try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        super().__init__({field: [message]})
        self.retry_after = retry_after


@dataclass(frozen=True)
class Withheld:
    field: str
    value: str
    holder_id: int


def _budget(budget: str):
    scope, setting = _BUDGETS[budget]
    return scope, ratelimit.parse_rate(getattr(settings, setting))


def identifiers_screen(
    *, actor, person_pk: int | None, identifiers: dict[str, str], budget: str = INTERACTIVE
) -> list[Withheld]:
    """Check the identifiers a write is about to record (``{field: normalised value}``, only those new
    for the record). Raises a field error for a duplicate the actor can see, ``IdentifierReviewLimited``
    over the rate of ``budget``; returns those held by persons the actor cannot see, to be withheld and
    reviewed."""
    result = identifiers_screen_many(
        actor=actor, identifiers={None: identifiers}, budget=budget, exclude=person_pk
    )[None]
    if isinstance(result, ValidationError):
        raise result
    return result


def identifiers_screen_many(
    *, actor, identifiers: dict, budget: str = INTERACTIVE, exclude: int | None = None
) -> dict:
    """The screening of many records at once (``{key: {field: normalised value}}``; ``exclude``: the
    record being changed, whose own values are no duplicate): per key, a list of ``Withheld``, or the
    ``ValidationError`` ``identifiers_screen`` raises (a visible holder's duplicate, another record of the
    same call holding the value, the rate limit). Nothing is looked up past the rate limit."""
    out: dict = {key: [] for key in identifiers}
    asked = {key: values for key, values in identifiers.items() if values}
    if not asked:
        return out
    scope, rate = _budget(budget)
    wait = ratelimit.exceeded(scope, str(actor.pk), rate)
    if wait:
        for key, values in asked.items():
            out[key] = IdentifierReviewLimited(next(iter(values)), wait)
        return out
    holders: dict[tuple[str, str], int] = {}
    for field in IDENTIFIER_FIELDS:
        values = {values[field] for values in asked.values() if values.get(field)}
        if not values:
            continue
        people = Person.objects.exclude(pk=exclude) if exclude else Person.objects.all()
        found = people.with_curp(*values) if field == "curp" else people.with_a_number(*values)
        bidx = "curp_bidx" if field == "curp" else "a_number_bidx"
        index_of = Person._meta.get_field(bidx).index_of
        by_index = {index_of(value): value for value in values}
        for pk, index in found.values_list("pk", bidx):
            holders[(field, by_index[index])] = pk
    visible = set(
        Person.objects.visible_to(actor).filter(pk__in=set(holders.values())).values_list("pk", flat=True)
    )
    seen: set[tuple[str, str]] = set()
    for key, values in asked.items():
        errors: dict[str, str] = {}
        withheld: list[Withheld] = []
        for field, value in values.items():
            holder_id = holders.get((field, value))
            if (field, value) in seen or holder_id in visible:
                errors[field] = duplicate_message(field)
            elif holder_id is not None:
                withheld.append(Withheld(field=field, value=value, holder_id=holder_id))
        if errors:
            out[key] = ValidationError(errors)
            continue
        seen.update(values.items())
        for item in withheld:
            wait = ratelimit.hit(scope, str(actor.pk), rate)
            if wait:
                out[key] = IdentifierReviewLimited(item.field, wait)
                break
        else:
            out[key] = withheld
    return out


def identifier_reviews_open(*, actor, person: Person, withheld: list[Withheld], request=None) -> None:
    """Open (or find, when the same value was entered on the same record before) a review per withheld
    identifier, and write the match to the access log: who entered what kind of identifier that which
    person holds (ids only). ``request`` gives the log the client's address. Marks the saved person with
    ``identifiers_in_review``, the fields the writer is told about."""
    consulate_id = home_consulate(actor) or person.registered_by_id
    for item in withheld:
        review = (
            IdentifierReview.objects.open()
            .filter(kind=item.field, existing_person_id=item.holder_id, attempted_person=person)
            .first()
        )
        if review is None:
            review = IdentifierReview.objects.create(
                kind=item.field,
                value=item.value,
                existing_person_id=item.holder_id,
                attempted_person=person,
                requested_by=actor,
                requesting_consulate_id=consulate_id,
            )
        record_access(
            request,
            AccessAction.IDENTIFIER_REVIEW,
            user=actor,
            person_id=item.holder_id,
            what=f"identifier review #{review.pk}: {item.field}",
        )
    person.identifiers_in_review = tuple(item.field for item in withheld)


def review_notices(person: Person) -> dict[str, list[str]]:
    """What the writer is told about the identifiers withheld from this write, by field."""
    return {field: [review_message(field)] for field in getattr(person, "identifiers_in_review", ())}
