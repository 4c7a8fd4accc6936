"""Names and dates of birth folded into keys that survive the ways a name is mistyped or recorded.

Pure functions (no models): ``cases.models`` stores the keys (``match_keys``), ``cases.matching`` looks
candidates up by them and scores them.

* ``fold``: lower case, accents and ñ folded, anything but letters and spaces dropped.
* ``tokens``: a name split into its words, without the particles of compound surnames (de, la, del...).
* ``phonetic``: a Spanish-aware sound key of one word: the letters Spanish writes the same sound with
  made one (b/v, c/k/qu, c/s/z before e and i, g/j before e and i, ll/y, x/j), h dropped, doubled letters
  made single, and the vowels after the first letter dropped ("Herrera" and "Herrara" both ``err``→``er``).
* ``match_keys``: what a person is found by: ``n:`` one key for every pair of a surname word and a
  given-name word (in alphabetical order, so either surname, in either column, still shares a key:
  reversed or split surnames, a missing maternal surname, given name and surname swapped), ``y:`` the same
  pairs with the year of birth, and ``w:`` every name word with the date of birth.
* ``query_keys``: the keys a query looks persons up by: the pairs with the year of birth of the date and of
  every date a typist may have meant (``date_variants``: day and month swapped, one digit off), and each
  name word with the date or with its day and month swapped; only the pairs when the date is not known.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import unicodedata

# Dates of birth a mistyping could have produced stay within these years.
LAST_YEAR = 2100

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von", "mc", "san"})


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = (c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalpha() else " " for c in letters).lower()
    return " ".join(cleaned.split())


# Particles written joined to the surname they belong to ("Delacruz", "Delosantos"): read without them.
JOINED_PARTICLES = ("delos", "delas", "dela")


def _unjoined(word: str) -> str:
    for particle in JOINED_PARTICLES:
        if word.startswith(particle) and len(word) - len(particle) >= 3:
            return word[len(particle) :]
    return word


def tokens(value: str) -> list[str]:
    words = fold(value).split()
    kept = [_unjoined(w) for w in words if w not in PARTICLES and len(w) > 1]
    return kept or words


_VOWELS = frozenset("aeiou")


def _sounds(word: str) -> str:
    out: list[str] = []
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        nxt = word[i + 1] if i + 1 < n else ""
        if c == "c" and nxt == "h":
            out.append("x")
            i += 2
            continue
        if c == "l" and nxt == "l":
            out.append("y")
            i += 2
            continue
        if c == "q" and nxt == "u":
            out.append("k")
            i += 2
            continue
        if c == "g" and nxt == "u" and i + 2 < n and word[i + 2] in "ei":
            out.append("g")
            i += 2
            continue
        if c == "p" and nxt == "h":
            out.append("f")
            i += 2
            continue
        if c == "s" and nxt == "h":
            out.append("x")
            i += 2
            continue
        if c == "c":
            out.append("s" if nxt in ("e", "i") else "k")
        elif c == "g":
            out.append("j" if nxt in ("e", "i") else "g")
        elif c in "zs":
            out.append("s")
        elif c == "v":
            out.append("b")
        elif c == "w":
            out.append("u")
        elif c == "x":
            out.append("j")
        elif c == "y":
            # a vowel at the end of a word or before a consonant (Reyes keeps its y; Ybarra is Ibarra)
            out.append("i" if (not nxt or nxt not in _VOWELS) else "y")
        elif c == "h":
            pass
        else:
            out.append(c)
        i += 1
    return "".join(out)


def phonetic(word: str) -> str:
    sounds = _sounds(fold(word).replace(" ", ""))
    if not sounds:
        return ""
    first, rest = sounds[0], sounds[1:]
    skeleton = [first]
    for c in rest:
        if c in _VOWELS:
            continue
        if skeleton[-1] != c:
            skeleton.append(c)
    return "".join(skeleton)


def _words(given_names: str, paternal_surname: str, maternal_surname: str) -> tuple[set[str], set[str]]:
    surnames = {phonetic(w) for w in tokens(f"{paternal_surname} {maternal_surname}")} - {""}
    given = {phonetic(w) for w in tokens(given_names)} - {""}
    return surnames, given


def _pairs(surnames: set[str], given: set[str]) -> set[str]:
    """Every surname word with every given-name word, in alphabetical order: a name written with given name
    and surname in each other's columns has the same pairs."""
    return {":".join(sorted((s, g))) for s in surnames for g in given}


def match_keys(given_names: str, paternal_surname: str, maternal_surname: str, date_of_birth) -> list[str]:
    """The keys stored with a person (and with each other name of theirs):

    * ``n:<word>:<word>`` for every pair of a surname word and a given-name word (in alphabetical order);
    * ``y:<word>:<word>:<year of birth>``: the same, with the year;
    * ``w:<word>:<date of birth>``: every name word with the date.
    """
    surnames, given = _words(given_names, paternal_surname, maternal_surname)
    pairs = _pairs(surnames, given)
    keys = {f"n:{pair}" for pair in pairs}
    if isinstance(date_of_birth, dt.date):
        year = date_of_birth.year
        keys |= {f"y:{pair}:{year}" for pair in pairs}
        day = date_of_birth.isoformat()
        keys |= {f"w:{word}:{day}" for word in surnames | given}
    return sorted(keys)


@functools.lru_cache(maxsize=50_000)
def date_variants(value: dt.date) -> frozenset[dt.date]:
    """The date, and the dates a typist might have meant or written instead: day and month swapped, and
    every valid date one digit away (YYYYMMDD) in a plausible year."""
    found = {value}
    year, month, day = value.year, value.month, value.day
    if day <= 12 and day != month:
        found.add(dt.date(year, day, month))
    for other in _one_digit_off(year, 4):
        if 1900 <= other <= LAST_YEAR and day <= calendar.monthrange(other, month)[1]:
            found.add(dt.date(other, month, day))
    for other in _one_digit_off(month, 2):
        if 1 <= other <= 12 and day <= calendar.monthrange(year, other)[1]:
            found.add(dt.date(year, other, day))
    last = calendar.monthrange(year, month)[1]
    for other in _one_digit_off(day, 2):
        if 1 <= other <= last:
            found.add(dt.date(year, month, other))
    return frozenset(found)


def _one_digit_off(number: int, width: int) -> list[int]:
    """The numbers written with one digit changed (``width`` digits, leading zeros kept)."""
    text = f"{number:0{width}d}"
    return [
        int(text[:i] + digit + text[i + 1 :])
        for i in range(width)
        for digit in "0123456789"
        if digit != text[i]
    ]


def query_keys(given_names: str, paternal_surname: str, maternal_surname: str, date_of_birth) -> list[str]:
    """The keys to look a person up by: names paired (with the year of birth, or any year of a date one
    digit away, when a date is known), and each name word with the date or a likely mistyping of it."""
    surnames, given = _words(given_names, paternal_surname, maternal_surname)
    pairs = _pairs(surnames, given)
    if not isinstance(date_of_birth, dt.date):
        return sorted({f"n:{pair}" for pair in pairs})
    dates = date_variants(date_of_birth)
    years = {d.year for d in dates}
    keys = {f"y:{pair}:{year}" for pair in pairs for year in years}
    # One name word with the date itself, or with day and month swapped (a date one digit off is found by
    # the pairs: a word with any of those forty-odd dates would bring many strangers).
    words = surnames | given
    exact = {date_of_birth} | {
        d
        for d in dates
        if (d.year, d.month, d.day) == (date_of_birth.year, date_of_birth.day, date_of_birth.month)
    }
    for day in (d.isoformat() for d in exact):
        keys |= {f"w:{word}:{day}" for word in words}
    return sorted(keys)
