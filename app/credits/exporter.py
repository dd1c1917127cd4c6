"""Writing a batch's lines as a file in a template: XLSX (streamed, constant memory), CSV in
UTF-8 with BOM or GB18030, all through `app.common.tables` (which neutralises cells that
start with = + - @ tab or CR). Text cells for numbers that are identifiers.

Every column but hours and credits is written as text: student and record numbers keep
their leading zeros and never turn into scientific notation, and dates come out exactly in
the template's format, which is what campus importers read. Hours and credits are numbers
(an adjustment may be negative) and are ours, not user text, so they are never neutralised.

The same rows in the same template give the same bytes: the workbook's creation date is the
export day (the rows' `recognised_on`), and XlsxWriter stamps the parts of the zip with a
fixed date. Re-downloads still come from the stored bytes, never from a new rendering.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from operator import attrgetter

from app.common.tables import XLSX_TYPE, write_table
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
    national_number: str = ""
    id_number: str = ""


MEDIA_TYPES = {
    "xlsx": XLSX_TYPE,
    "csv_utf8": "text/csv; charset=utf-8",
    "csv_gb18030": "text/csv; charset=gb18030",
}
EXTENSIONS = {"xlsx": ".xlsx", "csv_utf8": ".csv", "csv_gb18030": ".csv"}
CSV_ENCODINGS = {"csv_utf8": "utf-8", "csv_gb18030": "gb18030"}
NUMBER_FIELDS = frozenset({"hours", "credits"})
DATE_FIELDS = frozenset({"started_on", "ended_on", "recognised_on"})
# The workbook's creation date when there are no rows to take the export day from.
EMPTY_FILE_DAY = date(2000, 1, 1)
# Column widths in the XLSX, in characters; other columns get DEFAULT_WIDTH.
WIDTHS = {
    "id_number": 20,
    "national_number": 20,
    "activity_name": 36,
    "note": 24,
    "organiser": 20,
    "college": 20,
    "line_number": 16,
}
DEFAULT_WIDTH = 12


def render(template: CreditTemplate, rows: Iterable[ExportRow]) -> tuple[bytes, int]:
    """The file of `rows` in `template`, and how many rows it has (the header not counted)."""
    header = [column["header"] for column in template.columns]
    cells = _cells(template)
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        rows = itertools.chain((first,), rows)
    count = 0

    def lines() -> Iterator[list[object]]:
        nonlocal count
        for row in rows:
            count += 1
            yield [value(row) for _number, value in cells]

    if template.file_type == "xlsx":
        day = first.recognised_on if first is not None else EMPTY_FILE_DAY
        content = write_table(
            header,
            lines(),
            "xlsx",
            text_columns=[index for index, (number, _value) in enumerate(cells) if not number],
            widths={
                index: WIDTHS.get(column["field"], DEFAULT_WIDTH)
                for index, column in enumerate(template.columns)
            },
            created=datetime.combine(day, time()),
        )
    else:
        content = write_table(header, lines(), encoding=CSV_ENCODINGS[template.file_type])
    return content, count


Cell = Callable[[ExportRow], object]


def _cells(template: CreditTemplate) -> list[tuple[bool, Cell]]:
    """(is a number, value of a row as written) per column: dates in the template's format,
    numbers as they are."""
    formatted: dict[date, str] = {}  # a batch has few distinct days: format each once

    def day_text(day: date) -> str:
        text = formatted.get(day)
        if text is None:
            text = formatted[day] = day.strftime(template.date_format)
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
    return value if isinstance(value, str) else str(value)
