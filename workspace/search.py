"""The global search of the staff homes: a name, a CURP, an A-number or a case reference. Near misses of a
name ("herrara") are offered as "did you mean" from the trigram index on the person's folded name."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db.models import Prefetch

from cases.access import AccessAction, listing_label, record_access
from cases.identifiers import fold
from cases.models import Case, Person, PersonAlias
from cases.selectors import case_search_filter, is_case_reference, person_search_filter

LIMIT = 20
SUGGESTIONS = 5


@dataclass
class Results:
    persons: list
    cases: list
    suggestions: list[str]
    more: bool

    @property
    def empty(self) -> bool:
        return not (self.persons or self.cases)


def search_results(request, term: str) -> Results:
    user = request.user
    visible_cases = (
        Case.objects.visible_to(user).select_related("consulate", "assigned_to").order_by("-opened_at")
    )
    cases = []
    if is_case_reference(term):
        cases = list(visible_cases.filter(case_search_filter(term)).select_related("person")[:LIMIT])
    persons = []
    if not cases:
        persons = list(
            Person.objects.visible_to(user)
            .filter(person_search_filter(term))
            .prefetch_related(Prefetch("cases", queryset=visible_cases, to_attr="visible_cases"))
            .order_by("paternal_surname", "maternal_surname", "given_names", "pk")[: LIMIT + 1]
        )
    more = len(persons) > LIMIT
    persons = persons[:LIMIT]
    suggestions = [] if (persons or cases) else _suggestions(user, term)
    # The page shows names: one access-log row, without the term (it may be a name or an identifier).
    record_access(request, AccessAction.LIST, what=listing_label("staff: search", request.GET))
    return Results(persons=persons, cases=cases, suggestions=suggestions, more=more)


def _suggestions(user, term: str) -> list[str]:
    """Names like the term (each word within the trigram index's word similarity), most alike first."""
    folded = fold(term)
    if len(folded) < 3 or any(ch.isdigit() for ch in folded):
        return []
    rows = []
    # Main names and other names (aliases) alike: a name found either way leads to the person.
    for model in (Person, PersonAlias):
        rows += list(
            model.objects.visible_to(user)
            .filter(search_name__trigram_word_similar=folded)
            .annotate(similarity=TrigramWordSimilarity(folded, "search_name"))
            .order_by("-similarity", "paternal_surname", "pk")
            .values_list("similarity", "given_names", "paternal_surname", "maternal_surname")[
                : SUGGESTIONS * 4
            ]
        )
    rows.sort(key=lambda row: -row[0])
    names = []
    for _similarity, *parts in rows:
        name = " ".join(part for part in parts if part)
        if name and name not in names:
            names.append(name)
        if len(names) == SUGGESTIONS:
            break
    return names
