"""The Spanish catalogue: complete, compiled, and used by Django.

Spanish is the staff's default language and the msgids in the code are English, so an empty,
fuzzy or uncompiled entry shows staff English. No database needed.
"""

from __future__ import annotations

import gettext
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from cases.categories import SUBTYPES, Category
from cases.identifiers import validate_curp

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"
NETWORK_FACTS = Path(settings.BASE_DIR) / "consulates" / "data" / "network_facts.json"


# A tiny PO reader (polib is not a dependency).

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(token: str) -> str:
    match = re.fullmatch(r'"(.*)"', token.strip())
    assert match, f"not a PO string: {token!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), match.group(1))


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry: Entry | None = None
    current: tuple[str, int | None] | None = None

    def finish():
        if entry is not None and current is not None:
            entries.append(entry)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            entry, current = None, None
            continue
        if line.startswith("#~"):  # obsolete entry: not part of the catalogue
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert current is not None, f"line {number}: continuation without a keyword"
            name, index = current
            if name == "msgstr":
                entry.msgstr[index] += _unquote(line)
            else:
                setattr(entry, name, getattr(entry, name) + _unquote(line))
            continue
        keyword, _space, value = line.partition(" ")
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            current = ("msgstr", int(plural.group(1)))
            entry.msgstr[current[1]] = _unquote(value)
        elif keyword == "msgstr":
            current = ("msgstr", 0)
            entry.msgstr[0] = _unquote(value)
        elif keyword in ("msgid", "msgid_plural", "msgctxt"):
            current = (keyword, None)
            setattr(entry, keyword, _unquote(value))
        else:
            raise AssertionError(f"line {number}: unexpected {keyword!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.exists(), "run `manage.py makemessages -l es` first"
    return read_po(PO_FILE)


@pytest.fixture(scope="module")
def translatable(po_entries) -> list[Entry]:
    """The translatable entries (everything but the header)."""
    return [entry for entry in po_entries if entry.msgid != ""]


def _nplurals(po_entries) -> int:
    header = next(entry for entry in po_entries if entry.msgid == "").msgstr[0]
    match = re.search(r"^Plural-Forms:.*nplurals\s*=\s*(\d+)", header, re.M)
    assert match, "the header has no Plural-Forms"
    return int(match.group(1))


_PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|\{[^{}]*\}")


# (a) every entry translated, none fuzzy, placeholders kept


def test_catalogue_has_entries(translatable):
    assert len(translatable) > 100


def test_no_fuzzy_entries(po_entries):
    fuzzy = [entry.msgid or "<header>" for entry in po_entries if "fuzzy" in entry.flags]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"


def test_no_empty_translation(po_entries, translatable):
    nplurals = _nplurals(po_entries)
    empty = []
    for entry in translatable:
        expected = range(nplurals) if entry.msgid_plural is not None else range(1)
        if sorted(entry.msgstr) != list(expected) or not all(entry.msgstr[i].strip() for i in expected):
            empty.append(entry.msgid)
    assert not empty, f"untranslated entries: {empty}"


def test_placeholders_kept(translatable):
    wrong = []
    for entry in translatable:
        if "python-format" not in entry.flags and "python-brace-format" not in entry.flags:
            continue
        for index, text in entry.msgstr.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            expected = sorted(_PLACEHOLDER.findall(source))
            if sorted(_PLACEHOLDER.findall(text)) != expected:
                wrong.append((entry.msgid, text))
    assert not wrong, f"placeholders changed: {wrong}"


def test_msgfmt_accepts_the_catalogue(tmp_path):
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        pytest.skip("gettext's msgfmt is not installed")
    result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [msgfmt, "--check", "--statistics", "-o", str(tmp_path / "check.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
        env={"LC_ALL": "C", "PATH": str(Path(msgfmt).parent)},
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


# (b) the committed .mo is the compiled .po (compared by content: mtimes do not survive git clone)


def test_mo_matches_po(translatable):
    assert MO_FILE.exists(), "run `manage.py compilemessages` and commit locale/es/LC_MESSAGES/django.mo"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    stale = []
    for entry in translatable:
        if entry.msgid_plural is None:
            if compiled.get(entry.key) != entry.msgstr[0]:
                stale.append(entry.msgid)
        elif any(compiled.get((entry.key, i)) != text for i, text in entry.msgstr.items()):
            stale.append(entry.msgid)
    extra = (
        {key if isinstance(key, str) else key[0] for key in compiled} - {e.key for e in translatable} - {""}
    )
    assert not stale, f"django.mo is out of date (run compilemessages): {stale}"
    assert not extra, f"django.mo has entries the .po no longer has (run compilemessages): {extra}"


@pytest.mark.parametrize(
    ("msgid", "spanish"),
    [
        ("Case opened", "Caso abierto"),
        ("Closed", "Cerrado"),
        ("In progress", "En trámite"),
        ("Hearing scheduled", "Audiencia programada"),
        ("detention facility", "centro de detención"),
        ("reception point", "punto de recepción"),
        ("partner organisation", "organización aliada"),
        ("Consular officer", "Oficial de protección"),
        ("Supervisor (jefe/a de protección)", "Jefe/a de protección"),
        ("Regional manager", "Gerente regional"),
        ("Consulado General", "Consulado General"),
    ],
)
def test_django_serves_spanish(msgid, spanish):
    with translation.override("es"):
        assert _(msgid) == spanish
    with translation.override("en"):
        assert _(msgid) == msgid


@pytest.mark.django_db
def test_report_columns_count_closed_cases_in_the_plural():
    """A case's status is "Cerrado"; a column counting closed cases is "Cerrados" (as "Abiertos")."""
    from cases.reports.common import ReportParams
    from cases.reports.network import weekly_flow
    from tests import factories as f

    with translation.override("es"):
        report = weekly_flow(f.manager(), ReportParams.default())
        assert [label for _key, label in report.columns] == ["Semana del", "Abiertos", "Cerrados"]


def test_delays_read_in_spanish_with_plurals():
    import datetime as dt

    from cases.admin.timeline import render_delay

    with translation.override("es"):
        # The decimal comma of Spanish, as on every page.
        assert render_delay(dt.timedelta(hours=1)) == "1,0 hora"
        assert render_delay(dt.timedelta(hours=3, minutes=30)) == "3,5 horas"
        assert render_delay(dt.timedelta(days=12)) == "12,0 días"
    with translation.override("en"):
        assert render_delay(dt.timedelta(hours=1)) == "1.0 hour"


def test_spanish_is_the_default_language():
    assert settings.LANGUAGE_CODE == "es"
    with translation.override(settings.LANGUAGE_CODE):
        assert _("Closed") == "Cerrado"


# (c) validation messages reach staff in Spanish


def test_curp_error_is_spanish():
    with translation.override("es"), pytest.raises(ValidationError) as excinfo:
        validate_curp("X")
    with translation.override("es"):
        assert excinfo.value.messages == ["La CURP tiene 18 caracteres; la capturada tiene 1."]
    with translation.override("en"):
        assert excinfo.value.messages == ["A CURP has 18 characters; this one has 1."]


# The SRE's own labels for the areas and subtypes of protection


def test_category_labels():
    with translation.override("es"):
        assert [str(category.label) for category in Category] == [
            "Migratorio",
            "Penal",
            "Civil",
            "Laboral",
            "Derechos humanos",
            "Administrativo",
        ]


def test_subtypes_use_the_sre_labels():
    facts = json.loads(NETWORK_FACTS.read_text(encoding="utf-8"))
    sre = {area["code"]: area["subtypes"] for area in facts["case_categories"]["ambitos"]}
    with translation.override("es"):
        for category, items in SUBTYPES.items():
            expected = [label[0].upper() + label[1:] for label in sre[Category(category).name]]
            assert [str(label) for _code, label in items] == expected
