"""Spreadsheet cells that stay data: every CSV and XLSX this service writes goes through here.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or a
carriage return) as a formula: a partner or facility named ``=HYPERLINK("https://…", "Ver")`` would
become a live link in a manager's export. Text is written as text (OWASP's advice on CSV injection):

- in CSV, such a text gets a leading single quote (``'=HYPERLINK(…)``), which the spreadsheet shows and
  never evaluates;
- in XLSX, every text cell is a string cell marked as quoted text (``quotePrefix``), never a formula, so
  its value stays exactly the name.

Numbers stay numbers (a count, a median, a negative difference): only text is ever escaped.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _text(value):
    """``value`` as text if it is text (a lazy translation included), else ``None``."""
    if isinstance(value, Promise):
        return str(value)
    return value if isinstance(value, str) else None


def csv_cell(value):
    """One CSV cell: text that a spreadsheet would run as a formula gets a leading ``'``."""
    text = _text(value)
    if text is None:
        return "" if value is None else value
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_row(values: Iterable) -> list:
    return [csv_cell(value) for value in values]


def xlsx_append(sheet, values: Iterable) -> None:
    """Append a row to an openpyxl ``sheet``: text as quoted string cells, numbers and dates as such."""
    values = list(values)
    texts = [_text(value) for value in values]
    # openpyxl refuses control characters in a cell; they mean nothing in a name.
    sheet.append(
        [
            ILLEGAL_CHARACTERS_RE.sub("", text) if text is not None else value
            for text, value in zip(texts, values, strict=True)
        ]
    )
    for cell, text in zip(sheet[sheet.max_row], texts, strict=False):
        if text is not None:
            cell.data_type = "s"  # never "f": the text is not a formula, whatever it starts with
            cell.quotePrefix = True
