"""Storing a library-use import and rolling it back (the rules are in `rows`).

A person's month holds either daily rows or one whole-month row, never both; rolling an
import back deletes its rows, and the same file may then be imported again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.audit import services as audit
from app.common.time import local_day, utcnow
from app.errors import Conflict, Forbidden
from app.extensions import db
from app.rewards.library_use.results import import_counts
from app.rewards.library_use.rows import COUNTS, Row, parse_row, read_table
from app.rewards.models import MONTH_ROW_DAY, LibraryUse, LibraryUseImport


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


def _resolve_people(rows: list[Row]) -> None:
    ids = _user_ids({row.number for row in rows if row.number})
    for row in rows:
        if row.number:
            row.user_id = ids.get(row.number)
            if row.user_id is None:
                row.reject("unknown_student", row.number, "student_number")


def _reject_duplicates(rows: list[Row]) -> None:
    groups: dict[tuple, list[Row]] = {}
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


def _reject_mixed(rows: list[Row], stored_mixed: set[tuple[int, str]]) -> None:
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


def _stored_figures(rows: list[Row]) -> dict[tuple, tuple]:
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


def _stored_other_kind(rows: list[Row]) -> set[tuple[int, str, bool]]:
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


def _compare_with_stored(rows: list[Row]) -> None:
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


def _insert(rows: list[Row], imp: LibraryUseImport, checkpoint: Checkpoint | None) -> None:
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
    table = read_table(data)
    today = local_day(now)
    rows = [parse_row(source, today) for source in table.rows]
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
    audit.record(
        "rewards.library_use_imported",
        imp,
        actor=actor,
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
    audit.record(
        "rewards.library_use_rolled_back",
        imp,
        actor=actor,
        before={"status": "applied"},
        after={"status": "rolled_back", "rows_deleted": deleted},
        now=now,
    )
    return imp
