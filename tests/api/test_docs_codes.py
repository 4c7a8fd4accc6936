"""The partner developers' documentation says what the code does: every error ``code`` the API answers is
listed (with its status) in the introduction (``api/intro.*.md``, the schema's description) and in the
guides (``docs/api.md``, ``docs/api.es.md``), none that it does not answer; and the referral-state
diagram draws exactly the transitions ``Referral.TRANSITIONS`` allows."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from rest_framework import exceptions

from api.errors import CONFLICTS, Conflict
from cases.models.crossoffice import Referral, ReferralStatus

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ["api/intro.en.md", "api/intro.es.md", "docs/api.md", "docs/api.es.md"]
SOURCES = ["api", "cases", "consulates", "oauth", "signin", "staffsite", "audit"]

# Codes DRF's classes carry that no answer shows: ``APIException`` itself is a server error (500, Django's
# page), a ``ValidationError`` always answers ``validation_error``, and a ``Conflict`` the code from
# ``CONFLICTS`` it was raised with.
NEVER_ANSWERED = {"error", "invalid", "conflict"}


def _subclasses(cls) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _exception_classes() -> dict[str, type]:
    import config.urls  # noqa: F401  (every view, hence every exception class, is loaded)

    return {cls.__name__: cls for cls in [exceptions.APIException, *_subclasses(exceptions.APIException)]}


def _codes_passed_explicitly(classes: dict[str, type]) -> dict[str, int]:
    """``raise exceptions.PermissionDenied(..., code="second_factor_required")`` and the like, in our
    source: the code and the status of the class raised."""
    found = {}
    for package in SOURCES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                cls = classes.get(name)
                if cls is None or issubclass(cls, exceptions.ValidationError):
                    continue
                for keyword in node.keywords:
                    if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                        found[keyword.value.value] = cls.status_code
    return found


def answered_codes() -> dict[str, int]:
    """Every ``code`` an API answer can carry, with its status."""
    classes = _exception_classes()
    codes = {
        cls.default_code: cls.status_code
        for cls in classes.values()
        if isinstance(getattr(cls, "default_code", None), str) and cls.default_code not in NEVER_ANSWERED
    }
    codes.update(_codes_passed_explicitly(classes))
    codes.update({code: Conflict.status_code for code in CONFLICTS.values()})
    codes["validation_error"] = 400  # api.errors: every ValidationError
    return codes


ROW = re.compile(r"^\|\s*((?:`[a-z_]+`(?:,\s*)?)+)\s*\|\s*(\d{3})\s*\|", re.MULTILINE)


def documented_codes(text: str) -> dict[str, int]:
    out = {}
    for cell, status in ROW.findall(text):
        for code in re.findall(r"`([a-z_]+)`", cell):
            out[code] = int(status)
    return out


def test_the_codes_found_include_those_of_our_own_and_drfs():
    codes = answered_codes()
    assert {"second_factor_required", "insufficient_scope", "precondition_required", "parse_error"} <= set(
        codes
    )
    assert codes["throttled"] == 429
    assert codes["referral_not_pending"] == 409


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_error_code_is_documented_with_its_status(document):
    documented = documented_codes((ROOT / document).read_text(encoding="utf-8"))
    answered = answered_codes()
    assert sorted(set(answered) - set(documented)) == [], f"{document} does not list these codes"
    assert sorted(set(documented) - set(answered)) == [], f"{document} lists codes nothing answers"
    wrong = {
        code: (documented[code], status) for code, status in answered.items() if documented[code] != status
    }
    assert wrong == {}, f"{document}: (documented, actual) status"


# --- the referral states ----------------------------------------------------------------------------------

RESULT = {
    "accept": ReferralStatus.ACCEPTED,
    "decline": ReferralStatus.DECLINED,
    "start": ReferralStatus.IN_PROGRESS,
    "complete": ReferralStatus.COMPLETED,
    "withdraw": ReferralStatus.WITHDRAWN,
}


def _diagram(text: str) -> set[tuple[str, str]]:
    block = re.search(r"```mermaid\n(stateDiagram-v2\n.*?)```", text, re.DOTALL)
    assert block, "no stateDiagram-v2 block"
    arrows = re.findall(r"^\s*(\[\*\]|[a-z_]+)\s*-->\s*(\[\*\]|[a-z_]+)", block.group(1), re.MULTILINE)
    return {(source, target) for source, target in arrows if "[*]" not in (source, target)}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_referral_diagram_draws_the_transitions_the_code_allows(document):
    assert set(RESULT) == set(Referral.TRANSITIONS)
    allowed = {
        (str(source), str(RESULT[action]))
        for action, sources in Referral.TRANSITIONS.items()
        for source in sources
    }
    assert _diagram((ROOT / document).read_text(encoding="utf-8")) == allowed


def _state_table(text: str) -> list[str]:
    """The first column of the table headed ``| state |`` (``| estado |``)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(("| state |", "| estado |")))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1])
    return rows


@pytest.mark.parametrize("document", DOCUMENTS)
def test_the_state_table_names_every_state(document):
    rows = _state_table((ROOT / document).read_text(encoding="utf-8"))
    named = [code for row in rows for code in re.findall(r"`([a-z_]+)`", row)]
    assert sorted(named) == sorted(ReferralStatus.values)
