"""A report as CSV or XLSX, with the filters that produced it at the top of the file. Every cell goes
through ``cases.reports.cells``: text is written as text, never as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from cases.reports.cells import csv_row, xlsx_append
from cases.reports.common import Report, ReportParams


def _header(report: Report, params: ReportParams) -> list[list[str]]:
    rows = [[report.title], *[[label, value] for label, value in params.as_header()]]
    rows.append([_("Produced"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])  # text: CSV and XLSX alike
    if report.note:
        rows.append([report.note])
    rows.append([])
    return rows


def to_csv(report: Report, params: ReportParams) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(csv_row(row) for row in _header(report, params))
    writer.writerow(csv_row(label for _key, label in report.columns))
    for row in report.rows:
        writer.writerow(csv_row(row.get(key) for key, _label in report.columns))
    return ("\ufeff" + buffer.getvalue()).encode()  # BOM: spreadsheets open the accents right


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _dated(values) -> list:
    """Dates written as ISO text (a week, a range's ends) become date cells a spreadsheet can sort and
    compute with; nothing else is touched."""
    return [dt.date.fromisoformat(v) if isinstance(v, str) and _ISO_DATE.match(v) else v for v in values]


def _sheet_title(workbook: Workbook, title: str) -> str:
    """The report's title in the user's language, as a sheet's name may be: at most 31 characters,
    without brackets, colons, asterisks, question marks or slashes, unique in the workbook."""
    base = _SHEET_FORBIDDEN.sub(" ", str(title)).strip()[:31] or "Hoja"
    name, number = base, 2
    while name in workbook.sheetnames:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    return name


def add_sheet(workbook: Workbook, report: Report, params: ReportParams, *, first: bool = False) -> None:
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = _sheet_title(workbook, report.title)
    for row in _header(report, params):
        xlsx_append(sheet, _dated(row))
    sheet.cell(row=1, column=1).font = Font(bold=True, size=13)
    xlsx_append(sheet, [label for _key, label in report.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in report.rows:
        xlsx_append(sheet, _dated(row.get(key) for key, _label in report.columns))
    date_format = "dd/mm/yyyy" if get_language().startswith("es") else "yyyy-mm-dd"
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = date_format
    for index, (_key, label) in enumerate(report.columns, start=1):
        sheet.column_dimensions[sheet.cell(row=header_row, column=index).column_letter].width = max(
            12, min(40, len(label) + 4)
        )


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_xlsx(reports: list[Report], params: ReportParams) -> bytes:
    workbook = Workbook()
    for index, report in enumerate(reports):
        add_sheet(workbook, report, params, first=index == 0)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
