"""A labelled synthetic set for measuring the matcher (``manage.py bench_matching``). Deterministic: the same
seed gives the same set.

* ``stored``: the persons already on record, in families (siblings share both surnames, twins a date of
  birth, a son often his father's name) and among many unrelated persons with the commonest names.
* ``duplicates``: for stored persons, the same person written again the ways lists and callers write them
  (``variations``: typos, sound-alike spellings, a missing or reversed surname, given name and surname in
  each other's columns, accents dropped, compound surnames split or joined, a second given name dropped,
  day and month swapped, one digit off in the date, A-numbers in every format, ICE's upper case); each
  labelled with the stored person it is.
* ``distinct``: persons not on record who share names with someone who is (a sibling, a twin, a father or
  son of the same name, a namesake with the same name and another date of birth, a cousin), labelled new.

No two stored persons, and no distinct probe and stored person, have the same whole name and date of birth
(no one could tell those apart), nor share a CURP or an A-number.
"""

# Synthetic data from a seeded generator, not secrets: the standard random module is what is wanted.
# ruff: noqa: S311

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field, replace

from cases.identifiers import fold
from cases.namekeys import phonetic
from devtools.demo.curp import curp_complete, curp_stem
from devtools.matching_names import ALL_SURNAMES, COMPOUND_SURNAMES, FEMALE, MALE, SOUND_ALIKE

STATES = ["JC", "MN", "GT", "GR", "OC", "PL", "VZ", "ZS", "SP", "CH", "DG", "CL", "TS", "NL", "DF", "MC"]
PARTICLE_WORDS = ("de", "del", "la", "los", "las", "san")


@dataclass(frozen=True)
class Record:
    """A person as written somewhere: on record (``stored``) or as a probe (a query)."""

    given_names: str
    paternal_surname: str
    maternal_surname: str
    date_of_birth: dt.date | None
    sex: str
    state_of_birth: str = ""
    a_number: str = ""  # as written (a stored one: nine digits)
    curp: str = ""

    def identity(self) -> tuple:
        return (
            fold(f"{self.given_names} {self.paternal_surname} {self.maternal_surname}"),
            self.date_of_birth,
        )


@dataclass(frozen=True)
class Probe:
    record: Record
    expected: int | None  # index in ``SyntheticSet.stored`` of the person it is; None: a new person
    kind: str  # the variations applied, or the relation to the stored person it resembles


@dataclass
class SyntheticSet:
    stored: list[Record] = field(default_factory=list)
    duplicates: list[Probe] = field(default_factory=list)
    distinct: list[Probe] = field(default_factory=list)


def _random_dob(rng: random.Random, start: int = 1950, end: int = 2008) -> dt.date:
    return dt.date(start, 1, 1) + dt.timedelta(
        days=rng.randrange((dt.date(end, 12, 31) - dt.date(start, 1, 1)).days)
    )


def _given(rng: random.Random, sex: str) -> str:
    names = MALE if sex == "H" else FEMALE
    given = rng.choice(names)
    if " " not in given and rng.random() < 0.25:
        second = rng.choice(names)
        if second.split()[0] != given:
            given = f"{given} {second.split()[0]}"
    return given


class Generator:
    def __init__(self, seed: int = 19):
        self.rng = random.Random(seed)
        self.identities: set[tuple] = set()
        self.a_numbers: set[str] = set()
        self.curps: set[str] = set()

    # Identifiers ------------------------------------------------------------------------------------

    def _a_number(self) -> str:
        while True:
            # about a third are old eight-digit numbers (a leading zero in the nine-digit form)
            value = f"0{self.rng.randint(10_000_000, 99_999_999)}" if self.rng.random() < 0.35 else None
            value = (
                value or f"{self.rng.randint(250_000_000, 299_999_999)}"
            )  # the demo data uses 200-249 million
            if value not in self.a_numbers:
                self.a_numbers.add(value)
                return value

    def _curp(self, record: Record) -> str:
        if record.date_of_birth is None or record.sex not in "HM" or not record.state_of_birth:
            return ""
        stem = curp_stem(
            record.given_names,
            record.paternal_surname,
            record.maternal_surname,
            record.date_of_birth,
            record.sex,
            record.state_of_birth,
        )
        for homonym in range(10 if record.date_of_birth.year < 2000 else 26):
            value = curp_complete(stem, record.date_of_birth, homonym)
            if value not in self.curps:
                self.curps.add(value)
                return value
        return ""

    def _with_identifiers(self, record: Record, a_share: float = 0.6, curp_share: float = 0.5) -> Record:
        a_number = self._a_number() if self.rng.random() < a_share else ""
        record = replace(record, a_number=a_number)
        if self.rng.random() < curp_share:
            record = replace(record, curp=self._curp(record))
        return record

    def _claim(self, record: Record) -> bool:
        """Keep the record only if no one has its whole name and date of birth yet."""
        key = record.identity()
        if key in self.identities:
            return False
        self.identities.add(key)
        return True

    # The persons on record ----------------------------------------------------------------------------

    def person(
        self,
        *,
        sex: str | None = None,
        paternal: str | None = None,
        maternal: str | None = None,
        given: str | None = None,
        dob: dt.date | None = None,
    ) -> Record:
        rng = self.rng
        sex = sex or rng.choice("HM")
        return Record(
            given_names=given or _given(rng, sex),
            paternal_surname=paternal or rng.choice(ALL_SURNAMES),
            maternal_surname=maternal
            if maternal is not None
            else (rng.choice(ALL_SURNAMES) if rng.random() < 0.95 else ""),
            date_of_birth=dob or _random_dob(rng),
            sex=sex,
            state_of_birth=rng.choice(STATES),
        )

    def family(self) -> list[Record]:
        """A father, a mother and their children (siblings share both surnames; a son may carry his father's
        name; twins share a date of birth)."""
        rng = self.rng
        father = self.person(sex="H", dob=_random_dob(rng, 1950, 1975))
        mother = self.person(sex="M", dob=_random_dob(rng, 1952, 1978))
        members = [father, mother]
        paternal, maternal = father.paternal_surname, mother.paternal_surname
        for _ in range(rng.randint(1, 4)):
            sex = rng.choice("HM")
            dob = _random_dob(rng, max(father.date_of_birth.year, mother.date_of_birth.year) + 18, 2008)
            given = father.given_names if sex == "H" and rng.random() < 0.2 else None
            child = self.person(sex=sex, paternal=paternal, maternal=maternal, given=given, dob=dob)
            members.append(child)
            if rng.random() < 0.08:  # a twin
                twin_sex = rng.choice("HM")
                members.append(self.person(sex=twin_sex, paternal=paternal, maternal=maternal, dob=dob))
        return members

    def stored(self, families: int, singles: int) -> list[Record]:
        out: list[Record] = []
        candidates = [member for _ in range(families) for member in self.family()]
        candidates += [self.person() for _ in range(singles)]
        for record in candidates:
            if self._claim(record):
                out.append(self._with_identifiers(record))
        return out

    # Probes -------------------------------------------------------------------------------------------

    def duplicate(self, record: Record) -> tuple[Record, list[str]]:
        from devtools.matching_variations import vary

        return vary(self.rng, record)

    def relative(self, stored: Record) -> tuple[Record, str] | None:
        """A different person who shares names with ``stored``."""
        rng = self.rng
        kind = rng.choices(
            ["sibling", "twin", "father_son", "namesake", "cousin", "common"],
            weights=[25, 10, 15, 25, 15, 10],
        )[0]
        dob, birth = stored.date_of_birth, stored.date_of_birth or _random_dob(rng)
        if kind == "sibling":
            new = self.person(
                paternal=stored.paternal_surname,
                maternal=stored.maternal_surname,
                dob=_shift_years(birth, rng.choice([-1, 1]) * rng.randint(1, 12), rng),
            )
        elif kind == "twin":
            new = self.person(paternal=stored.paternal_surname, maternal=stored.maternal_surname, dob=birth)
            if _first_sound(new.given_names) == _first_sound(stored.given_names):
                return None
        elif kind == "father_son":
            new = replace(
                stored,
                date_of_birth=_shift_years(birth, rng.choice([-1, 1]) * rng.randint(18, 35), rng),
                state_of_birth=rng.choice(STATES),
                a_number="",
                curp="",
            )
        elif kind == "namesake":
            maternal = stored.maternal_surname if rng.random() < 0.5 else rng.choice(ALL_SURNAMES)
            new = self.person(
                sex=stored.sex, given=stored.given_names, paternal=stored.paternal_surname, maternal=maternal
            )
            if _dob_close(new.date_of_birth, dob):
                return None
        elif kind == "cousin":
            new = self.person(paternal=stored.paternal_surname)
        else:
            new = self.person(
                sex=stored.sex, given=stored.given_names.split()[0], paternal=stored.paternal_surname
            )
            if _dob_close(new.date_of_birth, dob):
                return None
        if not self._claim(new):
            return None
        return self._with_identifiers(new, a_share=0.4, curp_share=0.2), kind


def _first_sound(given: str) -> str:
    words = fold(given).split()
    return phonetic(words[0]) if words else ""


def _shift_years(date: dt.date, years: int, rng: random.Random) -> dt.date:
    shifted = date + dt.timedelta(days=365 * years + rng.randint(-150, 150))
    return min(shifted, dt.date(2008, 12, 31))


def _dob_close(a: dt.date | None, b: dt.date | None) -> bool:
    """Dates a typo could turn into each other (one digit off, day and month swapped, the same date)."""
    if a is None or b is None:
        return False
    x, y = a.strftime("%Y%m%d"), b.strftime("%Y%m%d")
    swapped = (a.year, a.month, a.day) == (b.year, b.day, b.month)
    return swapped or sum(1 for i, j in zip(x, y, strict=True) if i != j) <= 1


def build(
    *, seed: int = 19, duplicates: int = 2400, distinct: int = 2400, singles: int = 6000
) -> SyntheticSet:
    gen = Generator(seed)
    families = max(duplicates // 3, 200)
    stored = gen.stored(families, singles)
    rng = gen.rng
    result = SyntheticSet(stored=stored)
    for index in rng.sample(range(len(stored)), duplicates):
        probe, kinds = gen.duplicate(stored[index])
        result.duplicates.append(Probe(record=probe, expected=index, kind="+".join(kinds) or "as-is"))
    while len(result.distinct) < distinct:
        made = gen.relative(stored[rng.randrange(len(stored))])
        if made is not None:
            result.distinct.append(Probe(record=made[0], expected=None, kind=made[1]))
    return result


__all__ = [
    "COMPOUND_SURNAMES",
    "PARTICLE_WORDS",
    "SOUND_ALIKE",
    "Generator",
    "Probe",
    "Record",
    "SyntheticSet",
    "build",
]
