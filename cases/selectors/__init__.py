"""Reads of persons and cases. Every public selector starts from ``visible_to(user)``."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db.models import Q

from cases.identifiers import fold, normalize_a_number
from cases.models import Person, PersonAlias
from consulates.policy import holders

_CURP_LIKE = re.compile(r"^[A-Za-zÑñ]{4}\d{6}[A-Za-z0-9]{8}$")
_A_NUMBER_LIKE = re.compile(r"^[Aa]?[\d\s\-.]{7,13}$")


def person_search_filter(term: str, *, prefix: str = "") -> Q:
    """What a search box means for persons: a CURP, an A-number, or words of a name.

    Names match accent- and case-insensitively on any part (given names or either surname); every
    word must match. ``prefix`` lets cases reuse this through ``person__``.
    """
    term = (term or "").strip()
    if not term:
        return Q()
    # CURP and A-number are encrypted: they are found through their blind indexes (Person.with_*).
    if _CURP_LIKE.match(term):
        return Q(**{f"{prefix}id__in": Person.objects.with_curp(term).values("pk")})
    if _A_NUMBER_LIKE.match(term):
        try:
            normalize_a_number(term)
        except ValidationError:
            pass
        else:
            return Q(**{f"{prefix}id__in": Person.objects.with_a_number(term).values("pk")})
    words = fold(term).split()
    condition = Q()
    for word in words:
        condition &= Q(**{f"{prefix}search_name__contains": word})
    return condition | _alias_condition(words, prefix)


# Up to this many persons found by another name are named in the query itself (so the planner can OR the
# trigram index with the primary key); more are looked up by a subquery.
ALIAS_IDS_INLINE = 500


def _alias_condition(words: list[str], prefix: str) -> Q:
    """The persons one of whose other names (``PersonAlias``) has every word. Read first, on the aliases'
    own trigram index: usually none, and then the name condition is left exactly as it was (same plan)."""
    if not words:
        return Q(**{f"{prefix}id__in": []})
    condition = Q()
    for word in words:
        condition &= Q(search_name__contains=word)
    aliases = PersonAlias.objects.filter(condition).values_list("person_id", flat=True)
    ids = list(dict.fromkeys(aliases.order_by()[: ALIAS_IDS_INLINE + 1]))  # no DISTINCT: the trigram index
    if not ids:
        return Q(**{f"{prefix}id__in": []})  # matches nothing; Django drops it from an OR
    if len(ids) > ALIAS_IDS_INLINE:
        return Q(**{f"{prefix}id__in": aliases})
    return Q(**{f"{prefix}id__in": ids})


_REFERENCE = re.compile(r"^[A-Za-z]{3}-\d{4}-\d{6}$")


def is_case_reference(term: str) -> bool:
    """``term`` is a whole case reference (``DAL-2026-000123``, any case)."""
    return bool(_REFERENCE.match((term or "").strip()))


def case_search_filter(term: str) -> Q:
    """A full reference finds that case (exact, through the unique index); anything else searches
    the person: name words, CURP or A-number."""
    term = (term or "").strip()
    if is_case_reference(term):
        return Q(reference=term.upper())
    return person_search_filter(term, prefix="person__")


def assignable_users(consulate_id: int):
    """Active officers and supervisors of a consulate: the choices for assignment."""
    return holders("case.assignee", consulate_id).order_by("first_name", "last_name", "username")
