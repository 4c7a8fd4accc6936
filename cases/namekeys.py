"""Names and dates of birth folded into keys that survive the ways a name is mistyped or recorded.

Pure functions (no models): ``cases.models`` stores the keys (``match_keys``), ``cases.matching`` looks
candidates up by them and scores them.

* ``fold``: lower case, accents and ñ folded, anything but letters and spaces dropped.
* ``tokens``: a name split into its words, without the particles of compound surnames (de, la, del...).
* ``phonetic``: a Spanish-aware sound key of one word: the letters Spanish writes the same sound with
  made one (b/v, c/k/qu, c/s/z before e and i, g/j before e and i, ll/y, x/j), h dropped, doubled letters
  made single, and the vowels after the first letter dropped ("Herrera" and "Herrara" both ``err``→``er``).
* ``match_keys``: what a person is found by: one ``n:<surname>:<given>`` key for every pair of a surname
  word and a given-name word (either surname, in either column: reversed or split surnames and a missing
  maternal surname still share a key), and ``d:<date of birth>``.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

PARTICLES = frozenset({"de", "del", "la", "las", "los", "y", "e", "da", "van", "von", "mc", "san"})


def fold(value: str) -> str:
    decomposed = unicodedata.normalize("NFKD", value or "")
    letters = (c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalpha() else " " for c in letters).lower()
    return " ".join(cleaned.split())


def tokens(value: str) -> list[str]:
    words = fold(value).split()
    kept = [w for w in words if w not in PARTICLES and len(w) > 1]
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


def match_keys(given_names: str, paternal_surname: str, maternal_surname: str, date_of_birth) -> list[str]:
    surnames = {phonetic(w) for w in tokens(f"{paternal_surname} {maternal_surname}")} - {""}
    given = {phonetic(w) for w in tokens(given_names)} - {""}
    keys = {f"n:{s}:{g}" for s in surnames for g in given}
    if isinstance(date_of_birth, dt.date):
        keys.add(f"d:{date_of_birth.isoformat()}")
    return sorted(keys)
