"""Reading a library-use file into checked rows: the accepted columns, the reasons a row
is rejected, and the parsing of one row.

The file (CSV in UTF-8 with or without BOM or GB18030, or XLSX; read by
`app.common.tabular`) has one row per reader and day, or per reader and month:

    学号, 日期 (YYYY-MM-DD) or 月份 (YYYY-MM), 借阅次数, 入馆次数, 在馆分钟, 电子资源次数

English headers work too (`COLUMNS` lists every accepted header). The upload page repeats
these decisions for admins:
- The whole file is refused, and nothing stored, when it cannot be read (encoding, damage),
  is empty, has more than `MAX_ROWS` rows, or lacks a column (a date or a month column is
  enough). A file with the same SHA-256 as an applied import is not imported again.
- Every other problem rejects just its row, with a reason code (`REASONS`) and the cell at
  fault: unknown student, a count that is negative, not a whole number or impossibly large,
  a bad or future date or month, a row repeated in the file, or figures that differ from
  those another import stored for the same person and period. An empty count is 0.
- A row repeated with the same figures is stored once; repeated with different figures,
  none of its copies is (which one is right cannot be known). A row identical to stored
  data counts as already present.
- A person's month holds either daily rows or one whole-month row, never both (they would
  be counted twice).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.common import tabular
from app.rewards.models import MONTH_ROW_DAY

# Canonical column → accepted headers; the first is the template's header.
COLUMNS: dict[str, tuple[str, ...]] = {
    "student_number": (
        "学号",
        "工号",
        "学号/工号",
        "读者证号",
        "student_number",
        "student number",
        "student_id",
        "reader_id",
    ),
    "date": ("日期", "借阅日期", "date", "day"),
    "month": ("月份", "统计月份", "month"),
    "loans": ("借阅次数", "借阅量", "借书次数", "loans"),
    "visits": ("入馆次数", "到馆次数", "visits"),
    "minutes": ("在馆分钟", "在馆分钟数", "在馆时长", "minutes", "minutes in library"),
    "e_sessions": (
        "电子资源次数",
        "电子资源使用次数",
        "e_sessions",
        "e-resource sessions",
        "eresource sessions",
    ),
}
COUNTS = ("loans", "visits", "minutes", "e_sessions")
REQUIRED = ("student_number", *COUNTS)
PERIOD_COLUMNS = ("date", "month")
MAX_ROWS = 200_000
# No count in one row can be this large; also keeps values inside a 32-bit column.
MAX_COUNT = 100_000
MINUTES_PER_DAY = 24 * 60
EARLIEST_DAY = date(2000, 1, 1)

COLUMN_LABELS = {
    "student_number": _l("Student number"),
    "date": _l("Date"),
    "month": _l("Month"),
    "loans": _l("Loans"),
    "visits": _l("Visits"),
    "minutes": _l("Minutes in library"),
    "e_sessions": _l("E-resource sessions"),
}

# Why a row was rejected: stored as a code with the cell at fault, shown in the reader's
# language. `%(value)s` is the stored detail, `%(column)s` the column's label.
REASONS = {
    "unknown_student": _l("No person has the student number “%(value)s”."),
    "missing_student": _l("The student number is missing."),
    "bad_student": _l(
        "The student number %(value)s is in scientific notation and has lost digits. "
        "Format the column as text in Excel and export again."
    ),
    "not_a_number": _l("%(column)s “%(value)s” is not a whole number."),
    "negative": _l("%(column)s is negative (%(value)s)."),
    "too_large": _l("%(column)s %(value)s is more than is possible for the period."),
    "missing_period": _l("The row has neither a date nor a month."),
    "bad_date": _l("“%(value)s” is not a date in the form YYYY-MM-DD (from 2000 on)."),
    "bad_month": _l("“%(value)s” is not a month in the form YYYY-MM (from 2000 on)."),
    "period_mismatch": _l("The month does not match the date %(value)s."),
    "future": _l("%(value)s is in the future."),
    "extra_cells": _l("The row has more cells than the header has columns."),
    "duplicate": _l("The row repeats row %(value)s with the same figures; it is stored once."),
    "duplicate_differs": _l(
        "Rows %(value)s give different figures for the same person and period; "
        "none of them is imported."
    ),
    "conflict": _l(
        "Import #%(value)s already stored different figures for this person and period. "
        "Roll that import back first if this file is right."
    ),
    "mixed_periods": _l(
        "The person has both daily rows and a whole-month row for %(value)s (in this file "
        "or already stored); they would be counted twice."
    ),
}

_INTEGER = re.compile(r"(-?)([0-9]+)(?:\.0*)?")
_DATE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?: 00:00(?::00)?)?|([0-9]{8})")
_MONTH = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})|([0-9]{4})([0-9]{2})")


# Reading one row ---------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    line: int
    cells: list[str]
    number: str = ""
    user_id: int | None = None
    month: str = ""
    day: date = MONTH_ROW_DAY
    counts: tuple[int, ...] = ()
    problems: list[dict] = field(default_factory=list)
    present: bool = False

    def reject(self, reason: str, detail: object = "", column: str | None = None) -> None:
        problem = {"line": self.line, "reason": reason, "detail": str(detail)}
        if column:
            problem["column"] = column
        self.problems.append(problem)

    @property
    def key(self) -> tuple[int | None, str, date]:
        return self.user_id, self.month, self.day

    @property
    def monthly(self) -> bool:
        return self.day == MONTH_ROW_DAY


def _parse_date(text: str) -> date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    if match.group(4):
        parts = (match.group(4)[:4], match.group(4)[4:6], match.group(4)[6:])
    else:
        parts = match.group(1, 2, 3)
    try:
        day = date(*(int(part) for part in parts))
    except ValueError:
        return None
    return day if day >= EARLIEST_DAY else None


def _parse_month(text: str) -> str | None:
    """`"2026-10"`, `"2026/10"`, `"202610"`, or the 1st of a month (Excel turns a typed
    "2026-10" into that date) → `"2026-10"`."""
    match = _MONTH.fullmatch(text)
    if match:
        parts = match.group(1, 2) if match.group(1) else match.group(3, 4)
        year, month = (int(part) for part in parts)
        if 1 <= month <= 12 and year >= EARLIEST_DAY.year:
            return f"{year:04d}-{month:02d}"
        return None
    day = _parse_date(text)
    return f"{day:%Y-%m}" if day and day.day == 1 else None


def _parse_period(row: Row, date_text: str, month_text: str, today: date) -> None:
    month = _parse_month(month_text) if month_text else None
    if month_text and month is None:
        row.reject("bad_month", month_text, "month")
    if date_text:
        day = _parse_date(date_text)
        if day is None:
            row.reject("bad_date", date_text, "date")
            return
        if month and month != f"{day:%Y-%m}":
            row.reject("period_mismatch", date_text, "month")
        if day > today:
            row.reject("future", day.isoformat(), "date")
        row.day, row.month = day, f"{day:%Y-%m}"
    elif month:
        if month > f"{today:%Y-%m}":
            row.reject("future", month, "month")
        row.month = month
    elif not month_text:
        row.reject("missing_period")


def _count_limit(row: Row, column: str) -> int:
    if column != "minutes" or not row.month:
        return MAX_COUNT
    if not row.monthly:
        return MINUTES_PER_DAY
    year, month = (int(part) for part in row.month.split("-"))
    return MINUTES_PER_DAY * calendar.monthrange(year, month)[1]


def _parse_count(row: Row, column: str, text: str) -> int:
    if not text:
        return 0
    match = _INTEGER.fullmatch(text)
    if not match:
        row.reject("not_a_number", text, column)
        return 0
    if match.group(1) and int(match.group(2)):
        row.reject("negative", text, column)
        return 0
    value = int(match.group(2))
    if value > _count_limit(row, column):
        row.reject("too_large", text, column)
        return 0
    return value


def parse_row(source: tabular.TableRow, today: date) -> Row:
    row = Row(line=source.number, cells=[source.get(column) for column in COLUMNS])
    if source.extra:
        row.reject("extra_cells")
    number = source.get("student_number")
    plain = tabular.integer_text(number) if number else ""
    if not number:
        row.reject("missing_student")
    elif plain is None:
        row.reject("bad_student", number, "student_number")
    else:
        row.number = plain.upper()
    _parse_period(row, source.get("date"), source.get("month"), today)
    row.counts = tuple(_parse_count(row, column, source.get(column)) for column in COUNTS)
    return row


def read_table(data: bytes) -> tabular.Table:
    table = tabular.read_table(data, aliases=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
    if not any(column in table.columns for column in PERIOD_COLUMNS):
        raise tabular.TableError(
            _(
                "The file has no column %(names)s. The first row must name the columns.",
                names="、".join(tabular.column_label(column, COLUMNS) for column in PERIOD_COLUMNS),
            )
        )
    if not table.rows:
        raise tabular.TableError(_("The file has a header row but no data."))
    return table
