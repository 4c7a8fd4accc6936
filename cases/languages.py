"""The languages a person speaks, as ISO 639 codes with their names.

Staff record a person's languages as words (``español``, ``mixteco``, ``tsotsil``…); the API gives
partners each one as ``{"code", "label"}``: ``code`` is the ISO 639-1 code where one exists (``es``,
``en``), otherwise the ISO 639-3 code (``nah``, ``oto``: the ISO 639-2 collective code of the family);
``null`` for a word this table does not know, or a family of languages with no single code (Mixtec,
Mixe, Chinantec, Mazatec, Triqui: each is many languages in ISO 639-3), whose ``label`` is then the word
as recorded. Ask the consulate which variety when it matters.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import pgettext_lazy

# ISO 639 code -> its name, in the caller's language.
LANGUAGES = {
    "es": pgettext_lazy("language name", "Spanish"),
    "en": pgettext_lazy("language name", "English"),
    "fr": pgettext_lazy("language name", "French"),
    "pt": pgettext_lazy("language name", "Portuguese"),
    "nah": pgettext_lazy("language name", "Nahuatl"),
    "zap": pgettext_lazy("language name", "Zapotec"),
    "tzo": pgettext_lazy("language name", "Tsotsil"),
    "tzh": pgettext_lazy("language name", "Tseltal"),
    "yua": pgettext_lazy("language name", "Yucatec Maya"),
    "oto": pgettext_lazy("language name", "Otomi"),
    "tsz": pgettext_lazy("language name", "Purépecha"),
    "maz": pgettext_lazy("language name", "Mazahua"),
    "mam": pgettext_lazy("language name", "Mam"),
    "quc": pgettext_lazy("language name", "K'iche'"),
    "kjb": pgettext_lazy("language name", "Q'anjob'al"),
    "tar": pgettext_lazy("language name", "Rarámuri (Tarahumara)"),
    "hus": pgettext_lazy("language name", "Huastec (Teenek)"),
}

# A recorded word (accents and case ignored) -> its code.
_WORDS = {
    "es": ("espanol", "spanish", "castellano", "es", "spa"),
    "en": ("ingles", "english", "en", "eng"),
    "fr": ("frances", "french", "fr", "fra"),
    "pt": ("portugues", "portuguese", "pt", "por"),
    "nah": ("nahuatl", "nahuatl", "mexicano", "nah"),
    "zap": ("zapoteco", "zapotec", "zap"),
    "tzo": ("tsotsil", "tzotzil", "tzo"),
    "tzh": ("tseltal", "tzeltal", "tzh"),
    "yua": ("maya", "maya yucateco", "yucatec maya", "yua"),
    "oto": ("otomi", "hnahnu", "oto"),
    "tsz": ("purepecha", "tarasco", "tsz"),
    "maz": ("mazahua", "maz"),
    "mam": ("mam",),
    "quc": ("kiche", "k'iche'", "quiche", "quc"),
    "kjb": ("q'anjob'al", "qanjobal", "kanjobal", "kjb"),
    "tar": ("raramuri", "tarahumara", "tar"),
    "hus": ("huasteco", "teenek", "tenek", "hus"),
}


def _plain(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.strip().lower())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


_CODE_OF = {_plain(word): code for code, words in _WORDS.items() for word in words}


def language_code(word: str) -> str | None:
    """The ISO 639 code of a recorded language word, or ``None`` if unknown."""
    return _CODE_OF.get(_plain(word))


def described(words: list[str]) -> list[dict]:
    """``[{"code", "label"}]`` for a person's recorded languages, in their order, without repeats."""
    out, seen = [], set()
    for word in words:
        code = language_code(word)
        key = code or _plain(word)
        if not key or key in seen:
            continue
        seen.add(key)
        out.append({"code": code, "label": str(LANGUAGES[code]) if code else word.strip()})
    return out
