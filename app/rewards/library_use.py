"""Library-use data: the library system's export, imported row by row, and each month's
reading figures, from which the Reading Star badge and the reading board are built.

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
- Rolling an import back deletes its rows; the same file may then be imported again.

The reading score of a month is a weighted sum (`DEFAULT_WEIGHTS`, overridable by the
`READING_SCORE_WEIGHTS` setting): loans × 3 + visits × 1 + hours in the library × 1 +
e-resource sessions × 0.5, rounded to two decimals.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, delete, func, insert, literal, or_, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.common import tabular
from app.common.pagination import ListPage
from app.common.tables import write_table
from app.common.time import local_day, utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.rewards.models import MONTH_ROW_DAY, LibraryUse, LibraryUseImport

audit.describe_actions(
    {
        "rewards.library_use_imported": _l("Library-use data imported"),
        "rewards.library_use_rolled_back": _l("Library-use import rolled back"),
    }
)

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

DEFAULT_WEIGHTS = {"loans": 3.0, "visits": 1.0, "hours": 1.0, "e_sessions": 0.5}

_INTEGER = re.compile(r"(-?)([0-9]+)(?:\.0*)?")
_DATE = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?: 00:00(?::00)?)?|([0-9]{8})")
_MONTH = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})|([0-9]{4})([0-9]{2})")
MONTH_KEY = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


class AlreadyImported(Conflict):
    """The same file was imported before and is still applied; nothing changed."""

    def __init__(self, existing: LibraryUseImport) -> None:
        super().__init__(
            _(
                "This file was already imported (import #%(id)d); nothing was changed. "
                "Roll that import back to import the file again.",
                id=existing.id,
            )
        )
        self.existing_id = existing.id


# Reading one row ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
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


def _parse_period(row: _Row, date_text: str, month_text: str, today: date) -> None:
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


def _count_limit(row: _Row, column: str) -> int:
    if column != "minutes" or not row.month:
        return MAX_COUNT
    if not row.monthly:
        return MINUTES_PER_DAY
    year, month = (int(part) for part in row.month.split("-"))
    return MINUTES_PER_DAY * calendar.monthrange(year, month)[1]


def _parse_count(row: _Row, column: str, text: str) -> int:
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


def _parse_row(source: tabular.TableRow, today: date) -> _Row:
    row = _Row(line=source.number, cells=[source.get(column) for column in COLUMNS])
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


def _read(data: bytes) -> tabular.Table:
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


# Deciding against the file and the database ------------------------------------------------


def _user_ids(numbers: set[str]) -> dict[str, int]:
    """Upper-cased student number → person id, in one query.

    A set-based read of the accounts table: `accounts.find_by_numbers` loads whole people
    500 at a time, and a file may name 200,000. For a large file reading every number is
    one cheap query, where an IN list would exceed the database's parameter limit.
    """
    query = select(User.id, User.student_number)
    if len(numbers) <= 500:
        query = query.where(func.upper(User.student_number).in_(sorted(numbers)))
    found = {}
    for user_id, number in db.session.execute(query):
        if number and number.upper() in numbers:
            found[number.upper()] = user_id
    return found


def _resolve_people(rows: list[_Row]) -> None:
    ids = _user_ids({row.number for row in rows if row.number})
    for row in rows:
        if row.number:
            row.user_id = ids.get(row.number)
            if row.user_id is None:
                row.reject("unknown_student", row.number, "student_number")


def _reject_duplicates(rows: list[_Row]) -> None:
    groups: dict[tuple, list[_Row]] = {}
    for row in rows:
        if not row.problems:
            groups.setdefault(row.key, []).append(row)
    for same in groups.values():
        if len(same) == 1:
            continue
        if len({row.counts for row in same}) == 1:
            for row in same[1:]:
                row.reject("duplicate", same[0].line)
        else:
            lines = ", ".join(str(row.line) for row in same)
            for row in same:
                row.reject("duplicate_differs", lines)


def _reject_mixed(rows: list[_Row], stored_mixed: set[tuple[int, str]]) -> None:
    """Daily rows and a whole-month row for the same person and month, in the file or
    against what is stored, are all rejected."""
    kinds: dict[tuple[int, str], set[bool]] = {}
    for row in rows:
        if not row.problems:
            kinds.setdefault((row.user_id, row.month), set()).add(row.monthly)
    mixed = {key for key, seen in kinds.items() if len(seen) > 1}
    for row in rows:
        if row.problems:
            continue
        if (row.user_id, row.month) in mixed or (
            row.user_id,
            row.month,
            row.monthly,
        ) in stored_mixed:
            row.reject("mixed_periods", row.month)


def _chunks(values: Iterable, size: int = 500) -> Iterable[list]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _stored_figures(rows: list[_Row]) -> dict[tuple, tuple]:
    """(person, month, day) → (counts, import id) stored for the periods the file names."""
    days = {row.day for row in rows if not row.problems and not row.monthly}
    months = {row.month for row in rows if not row.problems and row.monthly}
    figures = (
        LibraryUse.user_id,
        LibraryUse.month,
        LibraryUse.day,
        LibraryUse.loans,
        LibraryUse.visits,
        LibraryUse.minutes,
        LibraryUse.e_sessions,
        LibraryUse.import_id,
    )
    queries = [select(*figures).where(LibraryUse.day.in_(chunk)) for chunk in _chunks(days)]
    queries += [
        select(*figures).where(LibraryUse.day == MONTH_ROW_DAY, LibraryUse.month.in_(chunk))
        for chunk in _chunks(months)
    ]
    stored = {}
    for query in queries:
        for user_id, month, day, *counts, import_id in db.session.execute(query):
            stored[(user_id, month, day)] = (tuple(counts), import_id)
    return stored


def _stored_other_kind(rows: list[_Row]) -> set[tuple[int, str, bool]]:
    """(person, month, monthly) for file rows whose month already holds the other kind of
    stored row: daily rows for a whole-month row, a whole-month row for daily rows."""
    daily_months = {row.month for row in rows if not row.problems and not row.monthly}
    monthly_months = {row.month for row in rows if not row.problems and row.monthly}
    found = set()
    for chunk in _chunks(daily_months):
        query = select(LibraryUse.user_id, LibraryUse.month).where(
            LibraryUse.month.in_(chunk), LibraryUse.day == MONTH_ROW_DAY
        )
        found |= {(user_id, month, False) for user_id, month in db.session.execute(query)}
    for chunk in _chunks(monthly_months):
        query = (
            select(LibraryUse.user_id, LibraryUse.month)
            .where(LibraryUse.month.in_(chunk), LibraryUse.day != MONTH_ROW_DAY)
            .group_by(LibraryUse.user_id, LibraryUse.month)
        )
        found |= {(user_id, month, True) for user_id, month in db.session.execute(query)}
    return found


def _compare_with_stored(rows: list[_Row]) -> None:
    stored = _stored_figures(rows)
    for row in rows:
        if row.problems or row.key not in stored:
            continue
        counts, import_id = stored[row.key]
        if counts == row.counts:
            row.present = True
        else:
            row.reject("conflict", import_id)


Checkpoint = Callable[[int, int], None]


def _insert(rows: list[_Row], imp: LibraryUseImport, checkpoint: Checkpoint | None) -> None:
    """Store `rows` in chunks of IMPORT_CHUNK_ROWS, `checkpoint(done, total)` after each:
    a caller that commits there releases the write lock between chunks."""
    size = max(1, int(current_app.config.get("IMPORT_CHUNK_ROWS", 500)))
    for start in range(0, len(rows), size):
        values = [
            {
                "user_id": row.user_id,
                "month": row.month,
                "day": row.day,
                **dict(zip(COUNTS, row.counts, strict=True)),
                "import_id": imp.id,
            }
            for row in rows[start : start + size]
        ]
        try:
            db.session.execute(insert(LibraryUse), values)
        except IntegrityError as error:
            if start == 0 or checkpoint is None:
                raise Conflict(
                    _(
                        "Another import stored figures for the same people at the same moment. "
                        "Nothing was imported; please upload the file again."
                    )
                ) from error
            raise Conflict(
                _(
                    "Another import stored figures for the same people at the same moment. "
                    "Import #%(id)d stopped after %(rows)d rows: roll it back, then upload "
                    "the file again.",
                    id=imp.id,
                    rows=start,
                )
            ) from error
        imp.rows_accepted = start + len(values)
        db.session.flush()
        if checkpoint is not None:
            checkpoint(imp.rows_accepted, len(rows))


# What the views call -----------------------------------------------------------------------


def _require_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise Forbidden(_("Only admins can import library-use data."))


def import_library_use(
    data: bytes,
    filename: str,
    *,
    actor,
    now: datetime | None = None,
    by_job: bool = False,
    checkpoint: Checkpoint | None = None,
) -> LibraryUseImport:
    """Check every row of an upload and store the good ones; flushes only. A scheduled
    job (`by_job`, the data-hub pull) imports with no actor.

    The import's record and audit entry come first, then the rows in chunks (see
    `_insert`); the record counts the rows stored so far, so an import stopped halfway
    says what it stored, and rolling it back deletes them.

    Raises `tabular.TableError` when the file as a whole cannot be used, and
    `AlreadyImported` when the same bytes are already applied.
    """
    if not (by_job and actor is None):
        _require_admin(actor)
    now = now or utcnow()
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(
        select(LibraryUseImport)
        .where(LibraryUseImport.sha256 == digest, LibraryUseImport.status == "applied")
        .limit(1)
    )
    if existing is not None:
        raise AlreadyImported(existing)
    table = _read(data)
    today = local_day(now)
    rows = [_parse_row(source, today) for source in table.rows]
    _resolve_people(rows)
    _reject_duplicates(rows)
    _reject_mixed(rows, _stored_other_kind(rows))
    _compare_with_stored(rows)
    new = [row for row in rows if not row.problems and not row.present]
    rejected = [{**problem, "cells": row.cells} for row in rows for problem in row.problems]
    imp = LibraryUseImport(
        filename=(filename or "")[:255],
        sha256=digest,
        uploaded_by_id=actor.id if actor is not None else None,
        uploaded_at=now,
        rows_total=len(rows),
        rows_accepted=len(new),
        rejected=rejected,
        status="applied",
    )
    db.session.add(imp)
    db.session.flush()
    audit.record(
        "rewards.library_use_imported",
        actor=actor,
        object_type="library_use_import",
        object_id=imp.id,
        after={"file": imp.filename, "sha256": digest, **import_counts(imp).as_dict()},
        now=now,
    )
    imp.rows_accepted = 0
    _insert(new, imp, checkpoint)
    return imp


def rollback_import(
    imp: LibraryUseImport, *, actor, now: datetime | None = None
) -> LibraryUseImport:
    """Delete every row the import stored; the file may then be imported again."""
    _require_admin(actor)
    if imp.status != "applied":
        raise Conflict(_("This import has already been rolled back."))
    now = now or utcnow()
    deleted = db.session.execute(
        delete(LibraryUse).where(LibraryUse.import_id == imp.id),
        execution_options={"synchronize_session": False},
    ).rowcount
    imp.status = "rolled_back"
    imp.rolled_back_at = now
    imp.rolled_back_by_id = actor.id
    db.session.flush()
    audit.record(
        "rewards.library_use_rolled_back",
        actor=actor,
        object_type="library_use_import",
        object_id=imp.id,
        before={"status": "applied"},
        after={"status": "rolled_back", "rows_deleted": deleted},
        now=now,
    )
    return imp


@dataclass(frozen=True)
class ImportCounts:
    total: int
    stored: int
    present: int
    rejected: int

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "stored": self.stored,
            "present": self.present,
            "rejected": self.rejected,
        }


def import_counts(imp: LibraryUseImport) -> ImportCounts:
    """Rows in the file, stored by it, already present before it, and rejected."""
    rejected = len({problem["line"] for problem in imp.rejected or []})
    return ImportCounts(
        total=imp.rows_total,
        stored=imp.rows_accepted,
        present=imp.rows_total - imp.rows_accepted - rejected,
        rejected=rejected,
    )


def get_import(import_id: int) -> LibraryUseImport:
    imp = db.session.get(LibraryUseImport, import_id)
    if imp is None:
        raise NotFound(_("There is no such import."))
    return imp


def imports_query() -> Select:
    """Imports, newest first (for a paginated list)."""
    return select(LibraryUseImport).order_by(LibraryUseImport.id.desc())


def people_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the admins named on a page of imports, in one query."""
    wanted = {person_id for person_id in ids if person_id}
    if not wanted:
        return {}
    query = select(User.id, User.name).where(User.id.in_(wanted))
    return dict(db.session.execute(query).all())


def rejection_text(problem: dict) -> str:
    """A stored rejection in the reader's language."""
    message = REASONS.get(problem.get("reason"))
    if message is None:
        return str(problem.get("reason", ""))
    column = COLUMN_LABELS.get(problem.get("column"), "")
    return str(message) % {"value": problem.get("detail", ""), "column": column}


@dataclass
class RejectedRow:
    line: int
    cells: list[str]
    reasons: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)


def rejected_rows(imp: LibraryUseImport) -> list[RejectedRow]:
    """The import's rejected rows in file order, each with all its reasons."""
    rows: dict[int, RejectedRow] = {}
    for problem in imp.rejected or []:
        row = rows.setdefault(
            problem["line"], RejectedRow(problem["line"], problem.get("cells", []))
        )
        row.reasons.append(rejection_text(problem))
        row.codes.append(problem["reason"])
    return sorted(rows.values(), key=lambda row: row.line)


def rejected_page(imp: LibraryUseImport, page: int, per_page: int) -> ListPage:
    return ListPage.of(rejected_rows(imp), page, per_page)


def template_csv() -> bytes:
    """An empty file with the headers, for the library system's export to follow."""
    return write_table([names[0] for names in COLUMNS.values()], [])


def rejected_csv(imp: LibraryUseImport) -> bytes:
    """The rejected rows as they were, with the reasons in a last column: fix the cells,
    and the file can be uploaded again (the extra columns are ignored)."""
    header = [names[0] for names in COLUMNS.values()]
    header += [_("Row"), _("Reasons"), _("Reason codes")]
    body = (
        [*row.cells, str(row.line), " ".join(row.reasons), " ".join(row.codes)]
        for row in rejected_rows(imp)
    )
    return write_table(header, body)


# Monthly reading ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingRow:
    """One reader's month: sums of their rows, and the last day they have data for (the
    month's last day for a whole-month row)."""

    user_id: int
    score: float
    loans: int
    visits: int
    minutes: int
    e_sessions: int
    last_day: date


def reading_weights() -> dict[str, float]:
    """`DEFAULT_WEIGHTS`, with any of them replaced by the READING_SCORE_WEIGHTS setting."""
    configured = current_app.config.get("READING_SCORE_WEIGHTS") or {}
    return {name: float(configured.get(name, default)) for name, default in DEFAULT_WEIGHTS.items()}


def _score(loans: int, visits: int, minutes: int, e_sessions: int, weights: dict) -> float:
    total = (
        loans * weights["loans"]
        + visits * weights["visits"]
        + minutes / 60 * weights["hours"]
        + e_sessions * weights["e_sessions"]
    )
    return round(total, 2)


def reading_score(row: ReadingRow) -> float:
    """The weighted sum of a month's figures (see the module's docstring)."""
    return _score(row.loans, row.visits, row.minutes, row.e_sessions, reading_weights())


def monthly_reading(month: str) -> list[ReadingRow]:
    """Every reader's sums for `month` ("2026-10"), in one GROUP BY; highest score first,
    then by person id (callers apply their own tie rule)."""
    if not MONTH_KEY.fullmatch(month or ""):
        raise InvalidInput(_("“%(value)s” is not a month in the form YYYY-MM.", value=month))
    year, number = (int(part) for part in month.split("-"))
    month_end = date(year, number, calendar.monthrange(year, number)[1])
    query = (
        select(
            LibraryUse.user_id,
            func.sum(LibraryUse.loans),
            func.sum(LibraryUse.visits),
            func.sum(LibraryUse.minutes),
            func.sum(LibraryUse.e_sessions),
            func.max(LibraryUse.day),
        )
        .where(LibraryUse.month == month)
        .group_by(LibraryUse.user_id)
    )
    weights = reading_weights()
    rows = [
        ReadingRow(
            user_id=user_id,
            score=_score(loans, visits, minutes, e_sessions, weights),
            loans=loans,
            visits=visits,
            minutes=minutes,
            e_sessions=e_sessions,
            last_day=month_end if last_day == MONTH_ROW_DAY else last_day,
        )
        for user_id, loans, visits, minutes, e_sessions, last_day in db.session.execute(query)
    ]
    rows.sort(key=lambda row: (-row.score, row.user_id))
    return rows


def _month_ends(first: date, last: date) -> dict[str, date]:
    """{"2026-10": date(2026, 10, 31), …} for every month from `first` to `last`."""
    ends = {}
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        ends[f"{year:04d}-{month:02d}"] = date(year, month, calendar.monthrange(year, month)[1])
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ends


def reading_activity(since: date, until: date) -> Select:
    """Library use on days in [since, until) as engagement activity: (user_id, at = the day,
    amount = the day's reading score). A whole-month row counts on the month's last day.

    One pass over the table: a UNION of daily and month rows would read the month rows
    through the month index, and with them every daily row of those months."""
    weights = reading_weights()
    score = (
        LibraryUse.loans * weights["loans"]
        + LibraryUse.visits * weights["visits"]
        + LibraryUse.minutes / 60.0 * weights["hours"]
        + LibraryUse.e_sessions * weights["e_sessions"]
    )
    used = (LibraryUse.loans + LibraryUse.visits + LibraryUse.minutes + LibraryUse.e_sessions) > 0
    ends = {month: end for month, end in _month_ends(since, until).items() if since <= end < until}
    day = LibraryUse.day
    in_range = (LibraryUse.day >= since) & (LibraryUse.day < until)
    if ends:
        month_end = case(*((LibraryUse.month == m, literal(e)) for m, e in ends.items()))
        day = case((LibraryUse.day == MONTH_ROW_DAY, month_end), else_=LibraryUse.day)
        # `+ ""` keeps the month index out of it: a scan reads each row once.
        month_rows = (LibraryUse.day == MONTH_ROW_DAY) & (LibraryUse.month + "").in_(ends)
        in_range = or_(in_range, month_rows)
    return select(
        LibraryUse.user_id.label("user_id"), day.label("at"), score.label("amount")
    ).where(in_range, used)


def last_day_of_data(before: date) -> date | None:
    """The last day the imported library-use data reaches before `before` (a whole-month
    row reaches its month's last day). Reads the month index's last entry, then that
    month's rows only."""
    month_key = f"{before.year:04d}-{before.month:02d}"
    last_month = db.session.scalar(
        select(func.max(LibraryUse.month)).where(LibraryUse.month <= month_key)
    )
    if last_month is None:
        return None
    last_daily, month_rows = db.session.execute(
        select(
            func.max(case((LibraryUse.day != MONTH_ROW_DAY, LibraryUse.day))),
            func.count(case((LibraryUse.day == MONTH_ROW_DAY, 1))),
        ).where(LibraryUse.month == last_month)
    ).one()
    year, month = (int(part) for part in last_month.split("-"))
    month_end = date(year, month, calendar.monthrange(year, month)[1])
    days = [day for day in (last_daily, month_end if month_rows else None) if day is not None]
    return min(max(days), before - timedelta(days=1)) if days else None


def library_use_in_months(months: Iterable[str]) -> Select:
    """Library-use rows of some months ("2026-10"), daily and whole-month rows alike:
    (user_id, month, loans, visits, minutes, e_sessions), for annual reports and group
    portraits to filter and group in one query."""
    return select(
        LibraryUse.user_id.label("user_id"),
        LibraryUse.month.label("month"),
        LibraryUse.loans.label("loans"),
        LibraryUse.visits.label("visits"),
        LibraryUse.minutes.label("minutes"),
        LibraryUse.e_sessions.label("e_sessions"),
    ).where(LibraryUse.month.in_(sorted(months)))
