"""Roster import, applying: creating and updating the people a checked plan lists.

Flushes only; the caller commits (or a checkpoint commits chunk by chunk).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import User, new_session_token
from app.admin.roster_plan import (
    CREATE,
    REJECT,
    UNCHANGED,
    UPDATE,
    RosterPlan,
    RosterRow,
    match_key,
)
from app.common.time import utcnow
from app.errors import Conflict, DomainError, InvalidInput
from app.extensions import db


def _next_college_code(taken: set[str]) -> str:
    numbers = [int(code) for code in taken if code.isdigit()]
    candidate = max(numbers, default=0) + 1
    while f"{candidate:02d}" in taken:
        candidate += 1
    return f"{candidate:02d}"


class _Creator:
    """Creates the colleges and majors a plan needs, each once."""

    def __init__(self) -> None:
        self.colleges = {match_key(college.name): college for college in accounts.colleges()}
        self.codes = {college.code for college in accounts.colleges()}
        self.created_colleges = 0
        self.created_majors = 0
        self.majors: dict[tuple[int, str], int] = {}

    def college_id(self, row: RosterRow) -> int | None:
        if row.college_id or not row.college:
            return row.college_id
        college = self.colleges.get(match_key(row.college))
        if college is None:
            code = _next_college_code(self.codes)
            college = accounts.get_or_create_college(code, row.college)
            self.codes.add(code)
            self.colleges[match_key(row.college)] = college
            self.created_colleges += 1
        return college.id

    def major_id(self, row: RosterRow, college_id: int | None) -> int | None:
        if row.major_id or not row.major or college_id is None:
            return row.major_id
        key = (college_id, match_key(row.major))
        if key not in self.majors:
            college = next(c for c in self.colleges.values() if c.id == college_id)
            self.majors[key] = accounts.get_or_create_major(college, row.major).id
            self.created_majors += 1
        return self.majors[key]


Checkpoint = Callable[[int, int], None]


def _chunk_size() -> int:
    return max(1, int(current_app.config.get("IMPORT_CHUNK_ROWS", 500)))


def apply_plan(
    plan: RosterPlan,
    *,
    actor,
    skip_lines: set[int] = frozenset(),
    password_hash: str,
    now: datetime | None = None,
    checkpoint: Checkpoint | None = None,
) -> dict[str, int]:
    """Create and update people as `plan` says; returns counts. Flushes only.

    Rows are applied in chunks of IMPORT_CHUNK_ROWS; after each chunk `checkpoint(done,
    total)` is called, and a caller that commits there releases the database's write lock
    between chunks (a long import then never blocks other people's writes for long). New
    people are written with one INSERT per chunk and audited by the import's one entry;
    each update of an existing person keeps its own `accounts.updated` entry.
    """
    now = now or utcnow()
    creator = _Creator()
    counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED, REJECT), 0)
    work = []
    for row in plan.rows:
        if row.line in skip_lines or row.action == REJECT:
            counts[REJECT] += 1
        elif row.action == UNCHANGED:
            counts[UNCHANGED] += 1
        else:
            work.append(row)
    size = _chunk_size()
    for start in range(0, len(work), size):
        chunk = work[start : start + size]
        _apply_chunk(chunk, creator, actor=actor, password_hash=password_hash, now=now)
        for row in chunk:
            counts[row.action] += 1
        if checkpoint is not None:
            checkpoint(start + len(chunk), len(work))
    counts["colleges_created"] = creator.created_colleges
    counts["majors_created"] = creator.created_majors
    return counts


def _apply_chunk(
    rows: list[RosterRow], creator: _Creator, *, actor, password_hash: str, now: datetime
) -> None:
    new_people = []
    for row in rows:
        try:
            college_id = creator.college_id(row)
            major_id = creator.major_id(row, college_id)
            if row.action == CREATE:
                new_people.append(_new_person(row, college_id, major_id, password_hash, now))
            else:
                _update_person(row, college_id, major_id, actor=actor, now=now)
        except DomainError as error:
            raise InvalidInput(
                _(
                    "Row %(line)d could not be imported: %(reason)s Nothing was imported.",
                    line=row.line,
                    reason=error.message,
                )
            ) from error
    if not new_people:
        return
    try:
        db.session.execute(insert(User), new_people)
    except IntegrityError as error:
        raise Conflict(
            _(
                "Someone registered a number or email address of rows %(first)d to %(last)d "
                "while the import ran. Those rows were not imported; upload the file again "
                "to import them.",
                first=rows[0].line,
                last=rows[-1].line,
            )
        ) from error


def _new_person(
    row: RosterRow, college_id: int | None, major_id: int | None, password_hash: str, now
) -> dict:
    """The new account's columns, as `accounts.create_person` would set them: the plan has
    already checked every value and that number and email are free."""
    return {
        "student_number": row.student_number,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "user_type": row.user_type or "undergraduate",
        "college_id": college_id,
        "major_id": major_id,
        "enrolment_year": row.enrolment_year,
        "password_hash": password_hash,
        "must_change_password": True,
        "created_at": now,
        "session_token": new_session_token(),
        "active": True,
        "locale": "zh",
        "hide_from_boards": False,
    }


def _update_person(
    row: RosterRow, college_id: int | None, major_id: int | None, *, actor, now
) -> None:
    user = accounts.get_person(row.person_id)
    data = accounts.person_fields(user)
    data.name = row.name
    for name in ("email", "phone", "user_type", "enrolment_year"):
        if getattr(row, name) is not None:
            setattr(data, name, getattr(row, name))
    if row.college:
        data.college_id = college_id
    if row.major:
        data.major_id = major_id
    elif row.clear_major:
        data.major_id = None
    accounts.update_person(user, data, actor=actor, now=now)


def initial_password_hash(initial_password: str | None) -> str:
    """The hash every new person of an import gets: of the admin's initial password, or of
    one nobody knows (the admin resets it when the person needs to log in). One hash per
    import, never one per person."""
    if initial_password:
        accounts.check_password_strength(initial_password)
        return accounts.hash_password(initial_password)
    return accounts.hash_password(secrets.token_urlsafe(32))
