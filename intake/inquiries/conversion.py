"""From an inquiry to a record: the persons it may be about (the matcher, among the persons the user
sees), linking it to one of them, or registering the person and opening a case in one step.

Either way the inquiry shows on the case's timeline (``events.inquiry_linked``). A name the caller gave
that differs from the person's is kept as one of the person's other names (source ``inquiry``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cases import events
from cases.categories import Category
from cases.identifiers import CURP_STATES
from cases.matching import MatchQuery, match, reason_text
from cases.models import Case, Person, PersonAlias
from cases.models.case import Priority, Status
from cases.models.custody import SOURCE_OF_SEARCH, CustodySource
from cases.models.identity import AliasSource, DuplicateSource
from cases.namekeys import fold
from cases.services.aliases import alias_add
from cases.services.cases import case_open
from cases.services.locate import locate_attempts_copy
from cases.services.persons import person_register
from cases.services.registration import hidden_duplicates_review
from intake.inquiries.services import inquiry_write, save
from intake.models import Inquiry, LocateResult, Urgency

OPEN_CASE = (Status.OPEN, Status.IN_PROGRESS, Status.PENDING_CLOSURE)
_STATES = {fold(name): code for code, name in CURP_STATES.items()}


def state_of_birth(birthplace: str) -> str:
    """The CURP state code a birthplace names ("Michoacán", "Morelia, Michoacán"), else ""."""
    folded = fold(birthplace)
    if not folded:
        return ""
    if folded in _STATES:
        return _STATES[folded]
    for name, code in sorted(_STATES.items(), key=lambda item: -len(item[0])):
        if folded.endswith(" " + name) or folded.startswith(name + " "):
            return code
    return ""


def query_of(inquiry: Inquiry) -> MatchQuery:
    return MatchQuery(
        given_names=inquiry.sought_given_names,
        paternal_surname=inquiry.sought_paternal_surname,
        maternal_surname=inquiry.sought_maternal_surname,
        date_of_birth=inquiry.sought_date_of_birth,
        state_of_birth=state_of_birth(inquiry.sought_birthplace),
        a_number=inquiry.sought_a_number,
    )


@dataclass
class Suggestion:
    person: Person
    score: float
    reasons: list[str]  # in words


def candidates(*, user, inquiry: Inquiry, limit: int = 5) -> list[Suggestion]:
    """The persons the inquiry may be about, best first, among those ``user`` sees, with the reasons
    in words. Nothing when the inquiry names no one to compare."""
    query = query_of(inquiry)
    if not (query.paternal_surname or query.maternal_surname or query.given_names or query.a_number):
        return []
    result = match(query, among=Person.objects.visible_to(user))
    found = result.candidates[:limit]
    persons = Person.objects.visible_to(user).in_bulk([c.person_id for c in found])
    return [
        Suggestion(persons[c.person_id], c.score, [reason_text(code) for code in c.reasons])
        for c in found
        if c.person_id in persons
    ]


def _alias_from_inquiry(actor, person: Person, inquiry: Inquiry) -> PersonAlias | None:
    """The caller's spelling, kept as another name of the person when it differs from the record's."""
    given = inquiry.sought_given_names
    paternal = inquiry.sought_paternal_surname
    maternal = inquiry.sought_maternal_surname
    if not (paternal or maternal) or not given:
        return None
    said = tuple(fold(part) for part in (given, paternal, maternal))
    known = [(person.given_names, person.paternal_surname, person.maternal_surname)]
    known += list(person.aliases.values_list("given_names", "paternal_surname", "maternal_surname"))
    if any(said == tuple(fold(part) for part in names) for names in known):
        return None
    try:
        return alias_add(
            actor=actor,
            person=person,
            given_names=given,
            paternal_surname=paternal,
            maternal_surname=maternal,
            source=AliasSource.INQUIRY,
        )
    except (ValidationError, PermissionDenied):  # the same spelling recorded meanwhile; a person only read
        return None


def _open_case_of(actor, person: Person, inquiry: Inquiry) -> Case | None:
    """The person's latest open case at the inquiry's consulate that the actor sees, if any."""
    return (
        Case.objects.visible_to(actor)
        .filter(person=person, consulate_id=inquiry.consulate_id, status__in=OPEN_CASE)
        .order_by("-opened_at", "-pk")
        .first()
    )


@transaction.atomic
def inquiry_link(*, actor, inquiry: Inquiry, person: Person, expected_version: int | None = None) -> Inquiry:
    """Say the inquiry is about ``person`` (one the actor sees). Its open case at the inquiry's
    consulate, if it has one, is linked too and shows the inquiry on its timeline."""
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    visible = Person.objects.visible_to(actor).filter(
        pk=getattr(person, "pk", None), merged_into__isnull=True
    )
    person = visible.filter(anonymised_at__isnull=True).first()
    if person is None:
        raise ValidationError({"person": _("Choose a person from the list.")})
    inquiry.person = person
    inquiry.case = _open_case_of(actor, person, inquiry)
    _alias_from_inquiry(actor, person, inquiry)
    if inquiry.case is not None:
        events.inquiry_linked(inquiry.case, actor, inquiry=inquiry, how="linked")
    return save(inquiry, ["person", "case"])


def _found(inquiry: Inquiry):
    """The last search that found the person held, if one did."""
    return (
        inquiry.locate_attempts.filter(result=LocateResult.FOUND, facility__isnull=False)
        .select_related("facility")
        .order_by("-attempted_at", "-pk")
        .first()
    )


@transaction.atomic
def inquiry_convert(
    *,
    actor,
    inquiry: Inquiry,
    sex: str = "",
    category: str = Category.MIGRATORIO,
    subtype: str = "",
    expected_version: int | None = None,
    request=None,
) -> Inquiry:
    """Register the person sought and open a case for them at the inquiry's consulate, in one step:
    names, date of birth, birthplace (as a state of birth, when it names one), A-number, the facility the
    person was found at and the arrest date (as the date detained since) are carried over. The inquiry
    stays open, linked to both, until the caller is answered."""
    inquiry = inquiry_write(inquiry, actor, expected_version=expected_version)
    if inquiry.person_id is not None:
        raise ValidationError(_("This inquiry is already linked to a person."), code="linked")
    if not (inquiry.sought_paternal_surname or inquiry.sought_maternal_surname):
        raise ValidationError(
            {"sought_paternal_surname": _("Write the person's surname before registering them.")}
        )
    person = person_register(
        actor=actor,
        consulate=inquiry.consulate,
        request=request,
        given_names=inquiry.sought_given_names,
        paternal_surname=inquiry.sought_paternal_surname,
        maternal_surname=inquiry.sought_maternal_surname,
        date_of_birth=inquiry.sought_date_of_birth,
        state_of_birth=state_of_birth(inquiry.sought_birthplace),
        a_number=inquiry.sought_a_number,
        sex=sex,
    )
    hidden_duplicates_review(actor=actor, person=person, source=DuplicateSource.INQUIRY)
    found = _found(inquiry)
    facility = found.facility if found else None
    summary = _("Opened from inquiry %(number)s.") % {"number": inquiry.pk}
    if inquiry.sought_birthplace and not person.state_of_birth:
        summary += " " + _("Place of birth as the caller said it: %(place)s.") % {
            "place": inquiry.sought_birthplace
        }
    case = case_open(
        actor=actor,
        person=person,
        consulate=inquiry.consulate,
        category=category,
        subtype=subtype,
        priority=Priority.URGENT if inquiry.urgency == Urgency.URGENT else Priority.NORMAL,
        summary=summary,
        facility=facility,
        detained_since=inquiry.arrested_on if facility else None,
        custody_source=SOURCE_OF_SEARCH.get(found.where, CustodySource.OTHER)
        if found
        else CustodySource.OTHER,
    )
    # The searches made for the inquiry become the case's locate history (copied: the inquiry keeps its own).
    locate_attempts_copy(case=case, attempts=inquiry.locate_attempts.order_by("attempted_at", "pk"))
    inquiry.person = person
    inquiry.case = case
    events.inquiry_linked(case, actor, inquiry=inquiry, how="converted")
    return save(inquiry, ["person", "case"])
