"""What a library-use import did: its counts, its rejected rows (on the page and as a CSV to
fix and upload again), and the empty template."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import Select, select

from app.accounts.models import User
from app.common.db import get_or_not_found
from app.common.pagination import ListPage
from app.common.tables import write_table
from app.extensions import db
from app.rewards.library_use.rows import COLUMN_LABELS, COLUMNS, REASONS
from app.rewards.models import LibraryUseImport


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
    return get_or_not_found(LibraryUseImport, import_id, _("There is no such import."))


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
