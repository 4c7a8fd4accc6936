"""The matcher: is this the same person as one already recorded? Used by registration, inquiries and
detainee list imports.

``match(query, among=...)`` compares what is known of someone (``MatchQuery``) with the persons of
``among`` (the caller decides whom: the persons the user may see, or the whole network) and returns the
ranked candidates with the reasons for each, and a decision:

* ``linked``: a certain match (the same CURP or A-number with a compatible name, or the very same name,
  date of birth and sex); the first candidate is that person.
* ``review``: a likely match; a person should look at the candidates side by side.
* ``new``: nobody alike.

Candidates are found by their stored keys (``cases.namekeys``: sound keys of name-word pairs, alone and
with the year of birth, and of each name word with the date of birth; a query also asks for the dates a
typist may have meant) and by the blind indexes of CURP and A-number; other names a person is known by
(``PersonAlias``) are compared too. Names and dates are compared in ``cases.matching_names``. Merged-away
and anonymised records are never candidates. ``match_many`` does the same for many queries: a few read
only their candidates, a batch reads every eligible person once (keeping those sharing a key).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cases.identifiers import normalize_a_number
from cases.matching_names import Name, compare_names, dob_relation, name_of
from cases.models import Person, PersonAlias
from cases.namekeys import date_variants, query_keys

LINKED, REVIEW, NEW = "linked", "review", "new"
REVIEW_SCORE = 0.78  # at or above: a person looks at it
POSSIBLE_SCORE = 0.6  # below: not a candidate at all
MAX_CANDIDATES = 5
FEW = 20  # up to this many queries at once: read only their candidates

REASONS = {
    "same_curp": _("same CURP"),
    "same_a_number": _("same A-number"),
    "other_curp": _("different CURP"),
    "other_a_number": _("different A-number"),
    "same_name": _("same name"),
    "similar_name": _("similar name"),
    "surnames_reversed": _("surnames in the other order"),
    "names_swapped": _("given name and surname written in each other's place"),
    "one_surname": _("one of the records has a single surname"),
    "other_name": _("matches another name the person is known by"),
    "same_date_of_birth": _("same date of birth"),
    "day_month_swapped": _("day and month of birth swapped"),
    "date_one_digit": _("date of birth differs by one digit"),
    "other_date_of_birth": _("different date of birth"),
    "same_sex": _("same sex"),
    "other_sex": _("different sex"),
    "same_birthplace": _("same state of birth"),
    "other_birthplace": _("different state of birth"),
}


def reason_text(code: str) -> str:
    return str(REASONS.get(code, code))


@dataclass(frozen=True)
class MatchQuery:
    given_names: str = ""
    paternal_surname: str = ""
    maternal_surname: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    state_of_birth: str = ""
    curp: str = ""
    a_number: str = ""


@dataclass(frozen=True)
class Candidate:
    person_id: int
    score: float
    reasons: tuple[str, ...]
    certain: bool = False


@dataclass
class MatchResult:
    decision: str
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


# ------------------------------------------------------------------------------------------------
# Scoring a candidate (names and dates compared in ``cases.matching_names``)


_DOB_POINTS = {
    "same_date_of_birth": 1.0,
    "day_month_swapped": 0.75,
    "date_one_digit": 0.7,
    "": 0.45,
    "other_date_of_birth": 0.0,
}


@dataclass
class _Row:
    """What the matcher reads of a person (and of each other name it is known by)."""

    pk: int
    raw_names: list[tuple[str, str, str]]
    dob: dt.date | None
    sex: str
    state: str
    curp_bidx: str | None
    a_number_bidx: str | None

    @property
    def names(self) -> list[Name]:
        """Parsed only for the rows a query is compared with (most rows of a large batch never are)."""
        return [name_of(*raw) for raw in self.raw_names]


@dataclass(frozen=True)
class _Prepared:
    query: MatchQuery
    name: Name
    keys: tuple[str, ...]
    curp_bidx: str | None
    a_number_bidx: str | None
    dates: frozenset = frozenset()  # the date of birth and its likely mistypings (empty: not known)

    def may_be(self, row: _Row) -> bool:
        """Worth scoring: the same identifier, or a date of birth that could be the query's."""
        if not self.dates or row.dob is None or row.dob in self.dates:
            return True
        return bool(
            (self.curp_bidx and self.curp_bidx == row.curp_bidx)
            or (self.a_number_bidx and self.a_number_bidx == row.a_number_bidx)
        )


def _prepare(query: MatchQuery) -> _Prepared:
    curp_field = Person._meta.get_field("curp_bidx")
    a_field = Person._meta.get_field("a_number_bidx")
    a_index = None
    if query.a_number:
        try:
            a_index = a_field.index_of(normalize_a_number(query.a_number))
        except ValidationError:
            a_index = None
    try:
        curp_index = curp_field.index_of(query.curp) if query.curp else None
    except ValidationError:
        curp_index = None
    keys = query_keys(query.given_names, query.paternal_surname, query.maternal_surname, query.date_of_birth)
    name = name_of(query.given_names, query.paternal_surname, query.maternal_surname)
    dates = frozenset(date_variants(query.date_of_birth)) if query.date_of_birth else frozenset()
    return _Prepared(query, name, tuple(keys), curp_index, a_index, dates)


def _score(p: _Prepared, row: _Row) -> Candidate | None:
    q = p.query
    reasons: list[str] = []
    same_id = False
    if p.curp_bidx and row.curp_bidx:
        if p.curp_bidx == row.curp_bidx:
            reasons.append("same_curp")
            same_id = True
        else:
            reasons.append("other_curp")
    if p.a_number_bidx and row.a_number_bidx:
        if p.a_number_bidx == row.a_number_bidx:
            reasons.append("same_a_number")
            same_id = True
        else:
            reasons.append("other_a_number")
    dob = dob_relation(q.date_of_birth, row.dob)
    if not same_id and 0.58 + 0.32 * _DOB_POINTS[dob] + 0.1 < REVIEW_SCORE:
        return None  # however alike the names, never enough: spare the comparison
    name_score, name_reasons, via_alias = 0.0, [], False
    for index, name in enumerate(row.names):
        score, why = compare_names(p.name, name)
        if score > name_score:
            name_score, name_reasons, via_alias = score, why, index > 0
    reasons += name_reasons
    if via_alias and name_score >= 0.85:
        reasons.append("other_name")
    if dob:
        reasons.append(dob)
    sex_points = 0.5
    if q.sex and row.sex:
        same_sex = q.sex == row.sex
        reasons.append("same_sex" if same_sex else "other_sex")
        sex_points = 1.0 if same_sex else 0.0
    state_points = 0.5
    if q.state_of_birth and row.state:
        same_state = q.state_of_birth == row.state
        reasons.append("same_birthplace" if same_state else "other_birthplace")
        state_points = 1.0 if same_state else 0.2
    score = 0.58 * name_score + 0.32 * _DOB_POINTS[dob] + 0.06 * sex_points + 0.04 * state_points
    if "other_curp" in reasons or "other_a_number" in reasons:
        score -= 0.25
    certain = False
    if same_id:
        # The same identifier, with a name that is recognisably the same person's.
        certain = name_score >= 0.75 and dob != "other_date_of_birth" and sex_points != 0.0
        score = max(score, 0.9 if certain else REVIEW_SCORE)
    elif (
        name_score == 1.0
        and dob == "same_date_of_birth"
        and sex_points == 1.0
        and state_points != 0.2
        and "other_curp" not in reasons
        and "other_a_number" not in reasons
        and p.name.maternal
    ):
        certain = True
    if score < POSSIBLE_SCORE and not same_id:
        return None
    return Candidate(row.pk, round(min(score, 1.0), 4), tuple(reasons), certain)


def _decide(candidates: list[Candidate]) -> MatchResult:
    candidates.sort(key=lambda c: (not c.certain, -c.score, c.person_id))
    candidates = candidates[:MAX_CANDIDATES]
    if not candidates:
        return MatchResult(NEW, [])
    best = candidates[0]
    runner_up_certain = len(candidates) > 1 and candidates[1].certain
    if best.certain and not runner_up_certain:
        return MatchResult(LINKED, candidates)
    if best.certain or best.score >= REVIEW_SCORE:
        return MatchResult(REVIEW, [c for c in candidates if c.certain or c.score >= REVIEW_SCORE])
    return MatchResult(NEW, [])


# ------------------------------------------------------------------------------------------------
# Reading candidates


def _eligible(among: QuerySet) -> QuerySet:
    return among.filter(merged_into__isnull=True, anonymised_at__isnull=True)


_FIELDS = (
    "pk",
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "date_of_birth",
    "sex",
    "state_of_birth",
    "curp_bidx",
    "a_number_bidx",
    "match_keys",
)


class _Index:
    """Persons by key, identifier and id: read from the database for a few queries (their keys only), or
    whole for a large batch (one read of every eligible person, then every lookup is in memory)."""

    def __init__(self, wanted: set[str] | None = None) -> None:
        self.rows: dict[int, _Row] = {}
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.wanted = wanted  # the keys the queries look for (None: every key)

    def add(self, values) -> None:
        pk, given, paternal, maternal, dob, sex, state, curp, a_number, stored = values
        self.rows[pk] = _Row(pk, [(given, paternal, maternal)], dob, sex, state, curp, a_number)
        wanted = self.wanted
        for key in stored:
            if wanted is None or key in wanted:
                self.by_key[key].add(pk)
        if curp:
            self.by_key[f"curp:{curp}"].add(pk)
        if a_number:
            self.by_key[f"a:{a_number}"].add(pk)

    def add_aliases(self, aliases) -> None:
        for person_id, given, paternal, maternal, stored in aliases:
            row = self.rows.get(person_id)
            if row is None:
                continue
            row.raw_names.append((given, paternal, maternal))
            for key in stored:
                if self.wanted is None or key in self.wanted:
                    self.by_key[key].add(person_id)

    def candidates(self, p: _Prepared) -> set[int]:
        ids: set[int] = set()
        for key in p.keys:
            ids |= self.by_key.get(key, set())
        if p.curp_bidx:
            ids |= self.by_key.get(f"curp:{p.curp_bidx}", set())
        if p.a_number_bidx:
            ids |= self.by_key.get(f"a:{p.a_number_bidx}", set())
        return ids


_ALIAS_FIELDS = ("person_id", "given_names", "paternal_surname", "maternal_surname", "match_keys")


def _index_all(prepared: list[_Prepared], among: QuerySet) -> _Index:
    """Every eligible person of ``among`` read once; kept (and indexed) only those sharing a key or an
    identifier with one of the queries, or known by another name that does."""
    wanted = {key for p in prepared for key in p.keys}
    wanted |= {f"curp:{p.curp_bidx}" for p in prepared if p.curp_bidx}
    wanted |= {f"a:{p.a_number_bidx}" for p in prepared if p.a_number_bidx}
    index = _Index(wanted)
    eligible = _eligible(among)
    aliases = [
        row
        for row in PersonAlias.objects.filter(person__in=eligible.values("pk"))
        .order_by()
        .values_list(*_ALIAS_FIELDS)
        .iterator(chunk_size=10_000)
        if not wanted.isdisjoint(row[4])
    ]
    named_otherwise = {row[0] for row in aliases}
    for values in eligible.order_by().values_list(*_FIELDS).iterator(chunk_size=10_000):
        pk, curp, a_number, stored = values[0], values[7], values[8], values[9]
        if (
            wanted.isdisjoint(stored)
            and pk not in named_otherwise
            and f"curp:{curp}" not in wanted
            and f"a:{a_number}" not in wanted
        ):
            continue
        index.add(values)
    index.add_aliases(aliases)
    return index


def _index_for(prepared: list[_Prepared], among: QuerySet) -> _Index:
    """The persons sharing a key or an identifier with one of a few queries: each way in is one indexed
    query (an OR of them would defeat the indexes), then the eligible ones among them are read."""
    index = _Index()
    keys = sorted({key for p in prepared for key in p.keys})
    curps = sorted({p.curp_bidx for p in prepared if p.curp_bidx})
    a_numbers = sorted({p.a_number_bidx for p in prepared if p.a_number_bidx})
    ids: set[int] = set()
    if keys:
        with transaction.atomic(), connection.cursor() as cursor:
            # The planner misjudges an overlap with a hundred-odd keys that few rows hold and would read the
            # whole table (hundreds of milliseconds); the keys' GIN index answers in under one. SET LOCAL
            # lasts to the end of the outermost transaction (a savepoint does not end it): the setting is
            # put back right after, so the caller's own queries are planned as usual.
            cursor.execute("SELECT current_setting('enable_seqscan')")
            (before,) = cursor.fetchone()
            cursor.execute("SET LOCAL enable_seqscan = off")
            ids |= set(
                Person.objects.filter(match_keys__overlap=keys).order_by().values_list("pk", flat=True)
            )
            ids |= set(
                PersonAlias.objects.filter(match_keys__overlap=keys)
                .order_by()
                .values_list("person_id", flat=True)
            )
            cursor.execute("SELECT set_config('enable_seqscan', %s, true)", [before])
    if curps:
        ids |= set(Person.objects.filter(curp_bidx__in=curps).values_list("pk", flat=True))
    if a_numbers:
        ids |= set(Person.objects.filter(a_number_bidx__in=a_numbers).values_list("pk", flat=True))
    if not ids:
        return index
    for values in _eligible(among).filter(pk__in=ids).order_by().values_list(*_FIELDS):
        index.add(values)
    if index.rows:
        aliases = PersonAlias.objects.filter(person_id__in=list(index.rows)).order_by()
        index.add_aliases(aliases.values_list(*_ALIAS_FIELDS))
    return index


def _match_prepared(p: _Prepared, index: _Index) -> MatchResult:
    rows = index.rows
    scored = (_score(p, rows[pk]) for pk in index.candidates(p) if p.may_be(rows[pk]))
    return _decide([c for c in scored if c is not None])


def match(query: MatchQuery, *, among: QuerySet | None = None) -> MatchResult:
    return match_many([query], among=among)[0]


def match_many(queries: Iterable[MatchQuery], *, among: QuerySet | None = None) -> list[MatchResult]:
    """Each query's result, in order. Up to ``FEW`` queries read only the persons sharing their keys; more
    read every eligible person of ``among`` once."""
    among = Person.objects.all() if among is None else among
    prepared = [_prepare(q) for q in queries]
    index = _index_for(prepared, among) if len(prepared) <= FEW else _index_all(prepared, among)
    return [_match_prepared(p, index) for p in prepared]
