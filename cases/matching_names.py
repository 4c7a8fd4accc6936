"""How alike two names and two dates of birth are, for the matcher (``cases.matching``). Pure functions.

Names are compared word by word (``cases.namekeys.tokens``: folded, particles of compound surnames dropped,
"Delacruz" read as "Cruz"), each pair of words by Jaro-Winkler similarity, raised when Spanish says them
the same (``phonetic``: "Lopes" and "López"). Surnames are compared in order (paternal with paternal,
maternal with maternal), in the other order (reversed surnames), or, when one record has fewer surname
words (ICE's lists often have no maternal surname), each word of the shorter with its best match in the
longer. A name written with given names and surname in each other's columns is compared that way too.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from cases.namekeys import phonetic, tokens

SOUND_ALIKE = 0.92  # two words Spanish says the same (and spells alike enough) are at least this alike
DIFFERENT_GIVEN = 0.72  # given names less alike than this are other given names...
DIFFERENT_GIVEN_CAP = 0.6  # ...and the names are then at most this alike, whatever the surnames


@functools.lru_cache(maxsize=200_000)
def jaro_winkler(a: str, b: str) -> float:
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    a_hits, b_hits = [False] * la, [False] * lb
    matches = 0
    for i, ch in enumerate(a):
        lo, hi = max(0, i - window), min(lb, i + window + 1)
        for j in range(lo, hi):
            if not b_hits[j] and b[j] == ch:
                a_hits[i] = b_hits[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    transpositions, k = 0, 0
    for i in range(la):
        if a_hits[i]:
            while not b_hits[k]:
                k += 1
            if a[i] != b[k]:
                transpositions += 1
            k += 1
    m = float(matches)
    jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@functools.lru_cache(maxsize=200_000)
def word_likeness(a: str, b: str) -> float:
    if a == b:
        return 1.0
    score = jaro_winkler(a, b)
    if score >= 0.75 and phonetic(a) == phonetic(b):
        score = max(score, SOUND_ALIKE)
    return score


def _best(word: str, others: tuple[str, ...]) -> float:
    return max((word_likeness(word, other) for other in others), default=0.0)


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True)
class Name:
    given: tuple[str, ...]
    paternal: tuple[str, ...]
    maternal: tuple[str, ...]

    @property
    def surnames(self) -> tuple[str, ...]:
        return (*self.paternal, *self.maternal)

    def swapped(self) -> Name:
        """Given names and paternal surname in each other's columns."""
        return Name(self.paternal, self.given, self.maternal)


@functools.lru_cache(maxsize=200_000)
def name_of(given: str, paternal: str, maternal: str) -> Name:
    return Name(tuple(tokens(given)), tuple(tokens(paternal)), tuple(tokens(maternal)))


def _surnames(q: Name, c: Name) -> tuple[float, list[str]]:
    qs, cs = q.surnames, c.surnames
    if len(qs) == len(cs):
        straight = _mean(word_likeness(a, b) for a, b in zip(qs, cs, strict=True))
        if len(qs) > 1:
            crossed = _mean(word_likeness(a, b) for a, b in zip(qs, reversed(cs), strict=True))
            if crossed > straight + 0.05:
                return crossed - 0.02, ["surnames_reversed"]
        return straight, []
    shorter, longer = (qs, cs) if len(qs) < len(cs) else (cs, qs)
    return _mean(_best(word, longer) for word in shorter) - 0.03, ["one_surname"]


def _given(q: Name, c: Name) -> float:
    first = max(_best(q.given[0], c.given), _best(c.given[0], q.given))
    every = _mean(_best(word, c.given) for word in q.given)
    return 0.7 * first + 0.3 * every


def _straight(q: Name, c: Name) -> tuple[float, list[str]]:
    if not q.surnames or not c.surnames or not q.given or not c.given:
        return 0.0, []
    surname, reasons = _surnames(q, c)
    given = _given(q, c)
    score = 0.6 * surname + 0.4 * given
    if given < DIFFERENT_GIVEN:
        # Other given names altogether (twins, brothers and sisters share surnames and sometimes a birthday)
        score = min(score, DIFFERENT_GIVEN_CAP)
    return score, reasons


def compare_names(q: Name, c: Name) -> tuple[float, list[str]]:
    """A likeness of two names (0 to 1) and the reason codes."""
    if q == c and q.given and q.surnames:
        return 1.0, ["same_name"]
    score, reasons = _straight(q, c)
    if score < 0.9 and q.paternal and c.given and _best(q.paternal[0], c.given) >= 0.8:
        swapped, why = _straight(q.swapped(), c)
        if swapped - 0.03 > score:
            score, reasons = swapped - 0.03, [*why, "names_swapped"]
    if score >= 0.999:
        return 1.0, ["same_name", *reasons]
    if score >= 0.85:
        return score, ["similar_name", *reasons]
    return score, reasons


def dob_relation(a: dt.date | None, b: dt.date | None) -> str:
    """How two dates of birth relate: the same, day and month swapped, one digit off, different, or ""
    (one is unknown)."""
    if a is None or b is None:
        return ""
    if a == b:
        return "same_date_of_birth"
    if a.year == b.year and a.month == b.day and a.day == b.month:
        return "day_month_swapped"
    da, db = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    if sum(x != y for x, y in zip(da, db, strict=True)) == 1:
        return "date_one_digit"
    return "other_date_of_birth"
