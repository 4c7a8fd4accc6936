"""One row of a detainee list made into a person's data, as a consular officer would type it.

Names as ICE records them (upper case, "LAST, FIRST" in one column, both surnames in the last-name column,
no maternal surname) are normalised: the surnames split in two (particles kept with their word: "DE LA
CRUZ"), words capitalised. What was written stays available (``written``) to be kept as an alias of the
person when it differs. Dates are read in the list's order (``day_first``), sex in its language.
Rows of other nationalities are skipped with a reason. Errors are by field, in the user's language."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.identifiers import CURP_STATES, check_curp_sex, normalize_a_number, validate_curp
from cases.namekeys import PARTICLES, fold

MEXICO = frozenset({"mexico", "mex", "mx", "mexicana", "mexicano", "mexican", "estados unidos mexicanos"})
_MALE = {"male", "man", "hombre", "masculino", "h", "varon"}
_FEMALE = {"female", "woman", "mujer", "femenino", "f"}
_X = {"x", "non binary", "non-binary", "nonbinary", "no binario", "no-binario"}
_MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
        )
    },
    **{
        m: i
        for i, m in enumerate(
            ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"), 1
        )
    },
}
_STATES_BY_NAME = {fold(name): code for code, name in CURP_STATES.items()}


@dataclass
class Parsed:
    """A row's values as they will be registered; ``errors`` (field -> messages) keep it out; ``skip``
    says why a row that is not for the consulate is left out; ``warnings`` are imported anyway."""

    number: int
    given_names: str = ""
    paternal_surname: str = ""
    maternal_surname: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    state_of_birth: str = ""
    curp: str = ""
    a_number: str = ""
    facility_id: int | None = None
    facility_text: str = ""
    book_in_date: dt.date | None = None
    country: str = ""
    written: tuple[str, str, str] = ("", "", "")  # given, paternal, maternal as the list wrote them
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    skip: str = ""

    @property
    def importable(self) -> bool:
        return not self.errors and not self.skip

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(str(message))

    def to_json(self) -> dict:
        return {
            "given_names": self.given_names,
            "paternal_surname": self.paternal_surname,
            "maternal_surname": self.maternal_surname,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "sex": self.sex,
            "state_of_birth": self.state_of_birth,
            "curp": self.curp,
            "a_number": self.a_number,
            "facility_id": self.facility_id,
            "facility_text": self.facility_text,
            "book_in_date": self.book_in_date.isoformat() if self.book_in_date else "",
            "country": self.country,
            "written": list(self.written),
            "warnings": self.warnings,
            "skip": self.skip,
        }


def _word(word: str) -> str:
    lower = word.lower()
    if fold(lower) in PARTICLES:
        return lower
    return "-".join(part[:1].upper() + part[1:] for part in lower.split("-"))


def capitalise(name: str) -> str:
    """``DE LA CRUZ`` -> ``de la Cruz``, ``MARÍA JOSÉ`` -> ``María José``; a name starting with a particle
    keeps it capitalised (``De León``) only when it is the whole first word of the name."""
    words = name.split()
    out = [_word(w) for w in words]
    if out and fold(out[0]) in PARTICLES:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def split_surnames(value: str) -> tuple[str, str]:
    """Both surnames in one column -> (paternal, maternal). Particles stay with the word they introduce
    ("GARCIA DE LA CRUZ" -> "GARCIA", "DE LA CRUZ"); one group only -> no maternal surname; more than
    two groups: the last is the maternal surname."""
    groups: list[list[str]] = []
    pending: list[str] = []
    for word in value.replace("-", " ").split() if "-" in value and " " not in value else value.split():
        if fold(word) in PARTICLES:
            pending.append(word)
            continue
        groups.append([*pending, word])
        pending = []
    if pending:
        if groups:
            groups[-1].extend(pending)
        else:
            groups.append(pending)
    if len(groups) <= 1:
        return (" ".join(groups[0]) if groups else "", "")
    return " ".join(w for g in groups[:-1] for w in g), " ".join(groups[-1])


def parse_date(value: str, *, day_first: bool) -> dt.date | None:
    """ISO, ``MM/DD/YYYY`` (or day first), two-digit years, ``12-MAR-1990``; raises ValueError."""
    text = value.strip()
    if not text:
        return None
    text = text.split("T")[0].split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[T ]", text) else text
    match = re.match(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$", text)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    match = re.match(r"^(\d{1,2})[-/. ]([A-Za-z]{3})[A-Za-z]*[-/. ](\d{2,4})$", text)
    if match:
        month = _MONTHS.get(fold(match[2]))
        if month is None:
            raise ValueError(text)
        return dt.date(_year(match[3]), month, int(match[1]))
    match = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2,4})$", text)
    if match:
        first, second, year = int(match[1]), int(match[2]), _year(match[3])
        if first > 12 or (day_first and second <= 12):
            return dt.date(year, second, first)
        return dt.date(year, first, second)
    match = re.match(r"^(\d{4})(\d{2})(\d{2})$", text)
    if match:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    raise ValueError(text)


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        # A birth or book-in year written with two digits: this century unless that is in the future.
        this_year = timezone.localdate().year % 100
        year += 2000 if year <= this_year else 1900
    return year


def guess_day_first(values: list[str], *, language: str) -> bool:
    """A list writes all its dates one way: day first when some date's first part is over 12, month
    first when some second part is; otherwise as the list's language does (Spanish: day first)."""
    for value in values:
        match = re.match(r"^(\d{1,2})[-/.](\d{1,2})[-/.]\d{2,4}$", value.strip())
        if match:
            if int(match[1]) > 12:
                return True
            if int(match[2]) > 12:
                return False
    return language == "es"


def parse_sex(value: str, *, language: str) -> str | None:
    key = fold(value)
    if not key:
        return ""
    if key == "m":  # Male in an English list, mujer in a Spanish one
        return "M" if language == "es" else "H"
    if key in _MALE:
        return "H"
    if key in _FEMALE:
        return "M"
    if key in _X:
        return "X"
    return None


def parse_row(number: int, values: dict[str, str], *, facilities, language: str, day_first: bool) -> Parsed:
    """``values``: field -> the cell's text. ``facilities``: ``FacilityIndex``."""
    row = Parsed(number=number)
    get = lambda name: (values.get(name) or "").strip()  # noqa: E731
    _names(row, get)
    country = get("country")
    row.country = country
    if country and fold(country) not in MEXICO:
        row.skip = _("Not a Mexican national (%(country)s).") % {"country": country[:60]}
        return row
    for name in ("date_of_birth", "book_in_date"):
        try:
            setattr(row, name, parse_date(get(name), day_first=day_first))
        except ValueError:
            row.error(name, _("This date could not be read: “%(value)s”.") % {"value": get(name)[:30]})
    today = timezone.localdate()
    if row.date_of_birth and not (dt.date(1900, 1, 1) <= row.date_of_birth <= today):
        row.error("date_of_birth", _("The date of birth is not plausible."))
    if row.book_in_date and row.book_in_date > today + dt.timedelta(days=1):
        row.error("book_in_date", _("The book-in date cannot be in the future."))
    sex = parse_sex(get("sex"), language=language)
    if sex is None:
        row.error("sex", _("The sex could not be read: “%(value)s”.") % {"value": get("sex")[:20]})
    else:
        row.sex = sex
    if get("curp"):
        try:
            row.curp = validate_curp(get("curp"))
            check_curp_sex(row.curp, row.sex)
        except ValidationError as exc:
            row.errors.setdefault("curp", []).extend(exc.messages)
    if get("a_number"):
        try:
            row.a_number = normalize_a_number(get("a_number"))
        except ValidationError as exc:
            row.errors.setdefault("a_number", []).extend(exc.messages)
    state = get("state_of_birth")
    if state:
        row.state_of_birth = (
            state.upper() if state.upper() in CURP_STATES else _STATES_BY_NAME.get(fold(state), "")
        )
    if not row.state_of_birth and row.curp:
        row.state_of_birth = row.curp[11:13] if row.curp[11:13] in CURP_STATES else ""
    facility_text = get("facility")
    row.facility_text = facility_text[:200]
    if facility_text:
        row.facility_id = facilities.find(facility_text)
        if row.facility_id is None:
            row.warnings.append(_("Facility not recognised: the case is opened without it."))
    return row


def _names(row: Parsed, get) -> None:
    given, paternal, maternal = get("given_names"), get("paternal_surname"), get("maternal_surname")
    full = get("full_name")
    if full and not (given or paternal):
        if "," in full:
            paternal, given = (part.strip() for part in full.split(",", 1))
        else:
            # "FIRST LAST" without a comma: the last word(s) are the surname.
            words = full.split()
            given, paternal = " ".join(words[:1]), " ".join(words[1:])
    middle = get("middle_name")
    if middle:
        given = f"{given} {middle}".strip()
    row.written = (" ".join(given.split()), " ".join(paternal.split()), " ".join(maternal.split()))
    if paternal and not maternal:
        paternal, maternal = split_surnames(paternal)
    row.given_names = capitalise(given)[:120]
    row.paternal_surname = capitalise(paternal)[:80]
    row.maternal_surname = capitalise(maternal)[:80]
    if not row.given_names:
        row.error("given_names", _("The row has no first name."))
    if not (row.paternal_surname or row.maternal_surname):
        row.error("paternal_surname", _("The row has no last name."))


class FacilityIndex:
    """The network's detention facilities by folded name (and name without its operator's words), loaded
    once per import."""

    _NOISE = frozenset({"ice", "the", "of", "de", "la", "el", "facility", "center", "centre", "centro"})

    def __init__(self, facilities):
        self._exact: dict[str, int] = {}
        self._words: list[tuple[frozenset[str], int]] = []
        for pk, name in facilities:
            key = fold(name)
            self._exact.setdefault(key, pk)
            self._words.append((frozenset(key.split()) - self._NOISE, pk))

    @classmethod
    def load(cls) -> FacilityIndex:
        from consulates.models import DetentionFacility

        return cls(DetentionFacility.objects.filter(active=True).values_list("pk", "name"))

    def find(self, text: str) -> int | None:
        key = fold(text)
        if key in self._exact:
            return self._exact[key]
        words = frozenset(key.split()) - self._NOISE
        if not words:
            return None
        found = [
            pk for name_words, pk in self._words if name_words and name_words <= words or words <= name_words
        ]
        return found[0] if len(found) == 1 else None
