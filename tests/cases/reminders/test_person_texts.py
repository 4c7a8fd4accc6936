"""Issue 20, error 1: every text a person (or the contact told instead of a detained person) receives opens
with a neutral line: nothing on a lock screen or in an inbox's preview says consulate, hearing, court,
deportation or immigration. Scanned over every person-facing text, every hearing kind, with and without
the consulate's phone, in both languages. (No database: the texts are built from unsaved rows.)"""

from __future__ import annotations

import pytest
from django.utils import translation

from cases.models import Case, Hearing, Person
from cases.models.work import HearingKind
from cases.reminders import person_messages
from cases.reminders.person_messages import PREVIEW_CHARS, PREVIEW_WORDS
from consulates.models import Consulate

WHEN = {"es": "martes 12 de mayo de 2026 a las 09:30", "en": "Tuesday, May 12, 2026, 9:30 AM"}


def texts(language: str):
    """Every person-facing text and subject, as (what, text)."""
    for phone in ("+1 214-932-8670", ""):
        consulate = Consulate(city="Dallas", phone=phone)
        case = Case(consulate=consulate, person=Person(given_names="Rosa"), reference="DAL-2026-000001")
        for kind in HearingKind.values:
            hearing = Hearing(kind=kind, location="Dallas Immigration Court, 1100 Commerce St")
            yield f"person/{kind}/{bool(phone)}", person_messages.person_text(case, hearing, WHEN[language])
            yield f"proxy/{kind}/{bool(phone)}", person_messages.proxy_text(case, hearing, WHEN[language])
    yield "email subject", person_messages.email_subject()


def preview(text: str) -> str:
    return f"{text.splitlines()[0]}\n{text[:PREVIEW_CHARS]}".casefold()


@pytest.mark.parametrize("language", ["es", "en"])
def test_no_person_facing_text_names_the_consulate_or_the_hearing_in_its_preview(language):
    with translation.override(language):
        scanned = list(texts(language))
    assert len(scanned) == 2 * 2 * len(HearingKind.values) + 1
    for what, text in scanned:
        shown = preview(text)
        assert not [word for word in PREVIEW_WORDS if word in shown], (what, shown)
        assert len(text.splitlines()[0]) <= PREVIEW_CHARS, what


@pytest.mark.parametrize("language", ["es", "en"])
def test_the_details_follow_the_neutral_first_line(language):
    with translation.override(language):
        scanned = dict(texts(language))
        hearing = {"es": "audiencia", "en": "hearing"}[language]
        consulate = {"es": "Consulado de México en Dallas", "en": "Consulate of Mexico in Dallas"}[language]
    for what, text in scanned.items():
        if what == "email subject":
            continue
        first, details = text.split("\n", 1)
        assert hearing in details, what
        assert consulate in details, what
        assert "DAL-2026-000001" in details, what


@pytest.mark.parametrize(
    ("language", "in_absence"),
    [
        ("es", "orden de deportación en ausencia"),
        ("en", "can order your deportation in your absence"),
    ],
)
def test_at_liberty_an_immigration_hearing_says_what_missing_it_means(language, in_absence):
    with translation.override(language):
        scanned = dict(texts(language))
    for kind in person_messages.IMMIGRATION_COURT:
        assert in_absence in scanned[f"person/{kind}/True"]
        assert "+1 214-932-8670" in scanned[f"person/{kind}/True"]
    # not said of a criminal or family court hearing, where it is not what happens
    assert in_absence not in scanned[f"person/{HearingKind.CRIMINAL}/True"]
