"""The ways the same person's data is written again (``devtools.matching_set``): each function takes a record
and returns it changed as a list, a caller or an officer would write it, or None when it does not apply."""

# Synthetic data from a seeded generator, not secrets: the standard random module is what is wanted.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from dataclasses import replace

from devtools.matching_names import SOUND_ALIKE

KEYBOARD_NEIGHBOURS = {
    "a": "sqz", "e": "wrd", "i": "uok", "o": "ipl", "u": "yij", "r": "etf", "n": "bmh", "l": "kop",
    "s": "adz", "t": "ryg", "m": "nj", "d": "sfe", "c": "xvs", "z": "sx", "g": "fh", "h": "gj",
}  # fmt: skip


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _typo_word(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["substitute", "delete", "double", "transpose"])
    if kind == "substitute":
        c = word[i].lower()
        new = rng.choice(KEYBOARD_NEIGHBOURS.get(c, "aeio"))
        return word[:i] + (new.upper() if word[i].isupper() else new) + word[i + 1 :]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _in_one_word(rng: random.Random, text: str, change) -> str | None:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4]
    if not long:
        return None
    i = rng.choice(long)
    changed = change(words[i])
    if changed is None or changed == words[i]:
        return None
    words[i] = changed
    return " ".join(words)


def _name_field(rng: random.Random, r) -> str:
    fields = ["given_names", "paternal_surname"] + (["maternal_surname"] if r.maternal_surname else [])
    return rng.choice(fields)


def typo(rng, r):
    name = _name_field(rng, r)
    changed = _in_one_word(rng, getattr(r, name), lambda w: _typo_word(rng, w))
    return replace(r, **{name: changed}) if changed else None


def sound_alike(rng, r):
    name = _name_field(rng, r)

    def change(word):
        lower = _strip_accents(word).lower()
        options = [(a, b) for a, b in SOUND_ALIKE if a in lower[1:] or (a == "h" and lower.startswith("h"))]
        if not options:
            return None
        a, b = rng.choice(options)
        at = lower.find(a, 0 if a == "h" else 1)
        out = lower[:at] + b + lower[at + len(a) :]
        return out.capitalize()

    changed = _in_one_word(rng, getattr(r, name), change)
    return replace(r, **{name: changed}) if changed else None


def no_maternal(rng, r):
    return replace(r, maternal_surname="") if r.maternal_surname and r.paternal_surname else None


def surnames_reversed(rng, r):
    if not r.maternal_surname:
        return None
    return replace(r, paternal_surname=r.maternal_surname, maternal_surname=r.paternal_surname)


def columns_swapped(rng, r):
    """Given names written as the surname and the surname as the given names (a list's "Last, First")."""
    return replace(r, given_names=r.paternal_surname, paternal_surname=r.given_names)


def both_surnames_in_one(rng, r):
    """Both surnames in the paternal column, the maternal empty (how US forms write "García López")."""
    if not r.maternal_surname:
        return None
    return replace(r, paternal_surname=f"{r.paternal_surname} {r.maternal_surname}", maternal_surname="")


def compound_changed(rng, r):
    """ "De la Cruz" written "Delacruz", "DE LA CRUZ" or "Cruz"."""
    for name in ("paternal_surname", "maternal_surname"):
        value = getattr(r, name)
        words = value.split()
        if len(words) > 1 and words[0].lower() in ("de", "del", "san"):
            joined = "".join(words).capitalize()
            return replace(r, **{name: rng.choice([joined, words[-1]])})
    return None


def second_given_dropped(rng, r):
    words = r.given_names.split()
    if len(words) < 2:
        return None
    kept = words[0] if rng.random() < 0.7 else words[-1]
    return replace(r, given_names=kept)


def accents_dropped(rng, r):
    return replace(
        r,
        given_names=_strip_accents(r.given_names),
        paternal_surname=_strip_accents(r.paternal_surname),
        maternal_surname=_strip_accents(r.maternal_surname),
    )


def day_month_swapped(rng, r):
    d = r.date_of_birth
    if d is None or d.day > 12 or d.day == d.month:
        return None
    return replace(r, date_of_birth=dt.date(d.year, d.day, d.month))


def date_digit_off(rng, r):
    d = r.date_of_birth
    if d is None:
        return None
    text = d.strftime("%Y%m%d")
    for _ in range(10):
        i = rng.choice([2, 3, 5, 6, 7])
        digit = str((int(text[i]) + rng.choice([1, -1, 2])) % 10)
        try:
            changed = text[:i] + digit + text[i + 1 :]
            new = dt.date(int(changed[:4]), int(changed[4:6]), int(changed[6:]))
        except ValueError:
            continue
        if new != d and new.year <= 2010:
            return replace(r, date_of_birth=new)
    return None


def no_date(rng, r):
    return replace(r, date_of_birth=None) if r.date_of_birth else None


def no_sex(rng, r):
    return replace(r, sex="")


VARIATIONS = {
    "typo": (typo, 30),
    "sound_alike": (sound_alike, 20),
    "no_maternal": (no_maternal, 20),
    "surnames_reversed": (surnames_reversed, 10),
    "columns_swapped": (columns_swapped, 4),
    "both_surnames_in_one": (both_surnames_in_one, 8),
    "compound_changed": (compound_changed, 10),
    "second_given_dropped": (second_given_dropped, 10),
    "day_month_swapped": (day_month_swapped, 8),
    "date_digit_off": (date_digit_off, 10),
    "no_date": (no_date, 2),
    "no_sex": (no_sex, 5),
}


def a_number_as_written(rng: random.Random, digits: str) -> str:
    """An A-number in one of the forms lists use: A-123-456-789, 123456789, A123456789, and eight digits
    with or without the leading zero for the old numbers."""
    forms = [f"A-{digits[:3]}-{digits[3:6]}-{digits[6:]}", digits, f"A{digits}", f"A {digits}"]
    if digits.startswith("0"):
        forms += [digits[1:], f"A{digits[1:]}", digits]
    return rng.choice(forms)


def vary(rng: random.Random, record):
    """The record written again: one to three variations, ICE's upper case without accents half of the
    time, and the A-number (in any form) or the CURP when the writer has them."""
    kinds: list[str] = []
    names = list(VARIATIONS)
    weights = [VARIATIONS[n][1] for n in names]
    wanted = rng.choices([1, 2, 3], weights=[50, 35, 15])[0]
    attempts = 0
    while len(kinds) < wanted and attempts < 12:
        attempts += 1
        name = rng.choices(names, weights=weights)[0]
        if name in kinds:
            continue
        changed = VARIATIONS[name][0](rng, record)
        if changed is not None and changed != record:
            record = changed
            kinds.append(name)
    if rng.random() < 0.5:
        record = replace(
            record,
            given_names=_strip_accents(record.given_names).upper(),
            paternal_surname=_strip_accents(record.paternal_surname).upper(),
            maternal_surname=_strip_accents(record.maternal_surname).upper(),
        )
        kinds.append("ice_upper")
    a_number, curp = "", ""
    if record.a_number and rng.random() < 0.45:
        a_number = a_number_as_written(rng, record.a_number)
        kinds.append("a_number")
    if record.curp and rng.random() < 0.1:
        curp = record.curp.lower() if rng.random() < 0.3 else record.curp
        kinds.append("curp")
    return replace(record, a_number=a_number, curp=curp), kinds
