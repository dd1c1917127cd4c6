"""Writing a batch's lines as a file in a template: XLSX (streamed, constant memory), CSV in
UTF-8 with BOM or GB18030. Text cells for numbers that are identifiers; cells that start
with = + - @ are neutralised.

Every column but hours and credits is written as text: student and record numbers keep
their leading zeros and never turn into scientific notation, and dates come out exactly in
the template's format, which is what campus importers read. Hours and credits are numbers
(an adjustment may be negative) and are ours, not user text, so they are never neutralised.

The same rows in the same template give the same bytes: the workbook's creation date is the
export day (the rows' `recognised_on`), and XlsxWriter stamps the parts of the zip with a
fixed date. Re-downloads still come from the stored bytes, never from a new rendering.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter

import xlsxwriter

from app.credits.models import CreditTemplate


@dataclass(slots=True)
class ExportRow:
    student_number: str
    name: str
    college: str
    class_name: str
    activity_name: str
    category: str
    level: str
    role: str
    started_on: date
    ended_on: date
    hours: Decimal
    credits: Decimal
    recognised_on: date
    organiser: str
    line_number: str
    note: str
    major: str
    enrolment_year: str
    kind: str


MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv_utf8": "text/csv; charset=utf-8",
    "csv_gb18030": "text/csv; charset=gb18030",
}
EXTENSIONS = {"xlsx": ".xlsx", "csv_utf8": ".csv", "csv_gb18030": ".csv"}
CSV_ENCODINGS = {"csv_utf8": "utf-8-sig", "csv_gb18030": "gb18030"}
NUMBER_FIELDS = frozenset({"hours", "credits"})
DATE_FIELDS = frozenset({"started_on", "ended_on", "recognised_on"})
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The workbook's creation date when there are no rows to take the export day from.
EMPTY_FILE_DAY = date(2000, 1, 1)
# Column widths in the XLSX, in characters; other columns get DEFAULT_WIDTH.
WIDTHS = {"activity_name": 36, "note": 24, "organiser": 20, "college": 20, "line_number": 16}
DEFAULT_WIDTH = 12


def neutralise(text: str) -> str:
    """`text`, with an apostrophe in front when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def render(template: CreditTemplate, rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    """The file of `rows` in `template`, and how many rows it has (the header not counted)."""
    if template.file_type == "xlsx":
        return _xlsx(template, rows)
    return _csv(template, rows, CSV_ENCODINGS[template.file_type])


Cell = Callable[[ExportRow], object]


def _cells(template: CreditTemplate) -> list[tuple[bool, Cell]]:
    """(is a number, value of a row as written) per column: text neutralised, dates in the
    template's format, numbers as they are."""
    formatted: dict[date, str] = {}  # a batch has few distinct days: format each once

    def day_text(day: date) -> str:
        text = formatted.get(day)
        if text is None:
            text = formatted[day] = neutralise(day.strftime(template.date_format))
        return text

    cells: list[tuple[bool, Cell]] = []
    for column in template.columns:
        name = column["field"]
        read = attrgetter(name)
        if name in NUMBER_FIELDS:
            cells.append((True, read))
        elif name in DATE_FIELDS:
            cells.append((False, lambda row, read=read: day_text(read(row))))
        else:
            cells.append((False, lambda row, read=read: _text(read(row))))
    return cells


def _text(value: object) -> str:
    """A text cell: None is empty; a number given for an identifier (an enrolment year)
    is written as its digits."""
    if value is None:
        return ""
    return neutralise(value if isinstance(value, str) else str(value))


def _headers(template: CreditTemplate) -> list[str]:
    return [neutralise(column["header"]) for column in template.columns]


def _xlsx(template: CreditTemplate, rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    rows = iter(rows)
    first = next(rows, None)
    day = first.recognised_on if first is not None else EMPTY_FILE_DAY
    output = io.BytesIO()
    # constant_memory writes each row out to a temporary file as soon as the next one
    # starts (it needs in_memory off), so memory stays flat however long the batch is.
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, "in_memory": False})
    workbook.set_properties({"created": datetime.combine(day, time())})
    sheet = workbook.add_worksheet()
    for index, column in enumerate(template.columns):
        sheet.set_column(index, index, WIDTHS.get(column["field"], DEFAULT_WIDTH))
    sheet.write_row(0, 0, _headers(template), workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    writers = [
        (index, sheet.write_number, lambda row, read=value: float(read(row)))
        if number
        else (index, sheet.write_string, value)
        for index, (number, value) in enumerate(_cells(template))
    ]
    count = 0
    if first is not None:
        for count, row in enumerate(itertools.chain((first,), rows), start=1):
            for index, write, value in writers:
                write(count, index, value(row))
    workbook.close()
    return output.getvalue(), count


def _csv(template: CreditTemplate, rows: Iterable[ExportRow], encoding: str) -> tuple[bytes, int]:
    """CSV with CRLF line ends, as Excel writes it; utf-8-sig starts with the BOM Excel
    needs to read UTF-8."""
    output = io.BytesIO()
    text = io.TextIOWrapper(output, encoding=encoding, newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(_headers(template))
    values = [value for _number, value in _cells(template)]
    count = 0
    for row in rows:
        writer.writerow([value(row) for value in values])
        count += 1
    text.flush()
    content = output.getvalue()
    text.detach()
    return content, count
