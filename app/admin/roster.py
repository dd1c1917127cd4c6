"""Roster import: the campus system's list of people, checked row by row, then applied.

An admin uploads a CSV or XLSX file. `preview_import` reads it, decides for each row
whether it would create, update, leave unchanged or reject a person (and why), and keeps
the file under a random token in UPLOAD_DIR. `confirm_import` reads the kept file again,
checks it against the database as it is now, and applies every accepted row in the
caller's one transaction.

Decisions (the README repeats them for admins):
- People are matched by 学号/工号, in any case. An empty optional cell leaves the stored
  value as it is; a new person without a 人员类别 is an undergraduate.
- A number that appears twice in the file rejects both rows (which one is right cannot be
  known); the same for an email address. An email that belongs to someone else rejects
  the row.
- A cell that starts with = + - @ rejects its row (it is a spreadsheet formula, or data
  that would become one on export); a phone number such as +86 138… is accepted.
- Colleges and majors not yet known are created, and the preview says so.
- New people get an unusable password unless the admin gives an initial one at confirm
  time, must change it at first login, and hold no role (readers).
- Rows rejected in the preview are skipped at confirm time. If a row the preview accepted
  is now rejected (someone changed the data meanwhile), nothing is written and the new
  preview is shown.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import User, new_session_token
from app.audit import services as audit
from app.common import tabular
from app.common.time import utcnow
from app.errors import Conflict, DomainError, InvalidInput, NotFound
from app.extensions import db

audit.describe_actions(
    {
        "admin.roster_imported": _l("Roster imported"),
        "admin.roster_import_stopped": _l("Roster import stopped halfway"),
    }
)

CREATE, UPDATE, UNCHANGED, REJECT = "create", "update", "unchanged", "reject"

COLUMNS: dict[str, tuple[str, ...]] = {
    "student_number": (
        "学号",
        "工号",
        "学号/工号",
        "学工号",
        "student_number",
        "student number",
        "student_id",
        "number",
    ),
    "name": ("姓名", "name", "full name"),
    "college": ("学院", "院系", "college", "school"),
    "major": ("专业", "major"),
    "enrolment_year": ("入学年份", "入学年", "年级", "enrolment_year", "enrollment_year", "year"),
    "user_type": ("人员类别", "人员类型", "类别", "user_type", "type", "kind"),
    "phone": ("手机", "电话", "手机号", "手机号码", "联系电话", "phone", "mobile"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
}
REQUIRED = ("student_number", "name")
MAX_ROWS = 20_000

USER_TYPE_VALUES = {
    "本科生": "undergraduate",
    "本科": "undergraduate",
    "研究生": "postgraduate",
    "硕士": "postgraduate",
    "硕士生": "postgraduate",
    "硕士研究生": "postgraduate",
    "博士": "postgraduate",
    "博士生": "postgraduate",
    "博士研究生": "postgraduate",
    "教职工": "staff",
    "教工": "staff",
    "教师": "staff",
    "职工": "staff",
    "其他": "other",
    "其它": "other",
    "undergraduate": "undergraduate",
    "postgraduate": "postgraduate",
    "graduate": "postgraduate",
    "staff": "staff",
    "other": "other",
}

PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{4,30}")
YEAR = re.compile(r"([0-9]{4})(?:级|年|年级)?")
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")
UPLOAD_LIFETIME = timedelta(hours=24)


# How each column is named in messages; the msgids are the people pages' own.
COLUMN_LABELS = {
    "student_number": _l("Student/staff number"),
    "name": _l("Name"),
    "college": _l("College"),
    "major": _l("Major"),
    "enrolment_year": _l("Enrolment year"),
    "user_type": _l("Kind"),
    "phone": _l("Phone"),
    "email": _l("Email"),
}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class RosterRow:
    """One data row of the file and what importing it would do."""

    line: int
    student_number: str = ""
    name: str = ""
    email: str | None = None
    phone: str | None = None
    user_type: str | None = None
    enrolment_year: int | None = None
    college: str | None = None  # the college's stored name, or a new one
    major: str | None = None
    action: str = CREATE
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    person_id: int | None = None
    college_id: int | None = None  # None with `college` set: a college to create
    major_id: int | None = None
    clear_major: bool = False

    def reject(self, reason: str) -> None:
        self.reasons.append(reason)
        self.action = REJECT


@dataclass
class RosterPlan:
    rows: list[RosterRow]
    file_format: str
    encoding: str | None
    new_colleges: list[str] = field(default_factory=list)
    new_majors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys((CREATE, UPDATE, UNCHANGED, REJECT), 0)
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def rejected(self) -> list[RosterRow]:
        return [row for row in self.rows if row.action == REJECT]


@dataclass
class StoredUpload:
    token: str
    data: bytes
    filename: str
    sha256: str
    uploaded_by: int
    uploaded_at: datetime
    rejected_lines: set[int]
    rows_to_apply: int = 0  # created or updated, as the preview said


class RosterChanged(Conflict):
    """Rows the preview accepted are now rejected; carries the new plan."""

    def __init__(self, message: str, plan: RosterPlan) -> None:
        super().__init__(message)
        self.plan = plan


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().casefold()


# Reading one row ---------------------------------------------------------------------------


def _column_name(column: str) -> str:
    return str(COLUMN_LABELS[column])


def _parse_row(source: tabular.TableRow, now: datetime) -> RosterRow:
    row = RosterRow(line=source.number)
    cells = {column: source.get(column) for column in COLUMNS}
    formulas = set()
    for column, value in cells.items():
        if tabular.looks_like_formula(value) and not (
            column == "phone" and value.startswith("+") and PHONE.fullmatch(value)
        ):
            row.reject(
                _(
                    "The %(column)s cell starts with “%(char)s”, which a spreadsheet would "
                    "run as a formula.",
                    column=_column_name(column),
                    char=value[0],
                )
            )
            formulas.add(column)
    for column in formulas:
        cells[column] = ""
    if source.extra:
        row.reject(
            _("The row has more cells than the header has columns (a comma inside a value?).")
        )
    _parse_identity(row, cells, formulas)
    _parse_contacts(row, cells)
    _parse_facts(row, cells, now)
    return row


def _parse_identity(row: RosterRow, cells: dict[str, str], formulas: set[str]) -> None:
    number = cells["student_number"]
    if not number:
        if "student_number" not in formulas:
            row.reject(_("The student or staff number is missing."))
    else:
        plain = tabular.integer_text(number)
        if plain is None:
            row.reject(
                _(
                    "The number %(value)s is in scientific notation and has lost digits. "
                    "Format the column as text in Excel and export again.",
                    value=number,
                )
            )
        elif not accounts.is_valid_student_number(plain):
            row.reject(
                _(
                    "The student or staff number “%(value)s” is not in the expected format.",
                    value=number,
                )
            )
        else:
            row.student_number = plain
    row.name = cells["name"]
    if not row.name:
        if "name" not in formulas:
            row.reject(_("The name is missing."))
    elif len(row.name) > 64:
        row.reject(_("The name is longer than 64 characters."))


def _parse_contacts(row: RosterRow, cells: dict[str, str]) -> None:
    email = cells["email"]
    if email:
        try:
            row.email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            row.reject(_("“%(value)s” is not a valid email address.", value=email))
        else:
            if len(row.email) > 254:
                row.reject(_("“%(value)s” is not a valid email address.", value=email))
    phone = cells["phone"]
    if phone:
        if PHONE.fullmatch(phone) and len(phone) <= 32:
            row.phone = phone
        else:
            row.reject(_("“%(value)s” is not a valid phone number.", value=phone))


def _parse_facts(row: RosterRow, cells: dict[str, str], now: datetime) -> None:
    kind = cells["user_type"]
    if kind:
        row.user_type = USER_TYPE_VALUES.get(_key(kind))
        if row.user_type is None:
            row.reject(
                _(
                    "Unknown kind of person “%(value)s”: use 本科生, 研究生, 教职工 or 其他.",
                    value=kind,
                )
            )
    year = cells["enrolment_year"]
    if year:
        match = YEAR.fullmatch(tabular.integer_text(year) or year)
        if match and 1950 <= int(match.group(1)) <= now.year + 1:
            row.enrolment_year = int(match.group(1))
        else:
            row.reject(_("The enrolment year “%(value)s” is not plausible.", value=year))
    for column in ("college", "major"):
        value = cells[column]
        if len(value) > 100:
            row.reject(
                _(
                    "The %(column)s is longer than 100 characters.",
                    column=_column_name(column),
                )
            )
        elif value:
            setattr(row, column, value)


def _reject_duplicates(rows: list[RosterRow], attribute: str, message) -> None:
    lines: dict[str, list[RosterRow]] = {}
    for row in rows:
        value = getattr(row, attribute)
        if value:
            lines.setdefault(value.upper(), []).append(row)
    for same in lines.values():
        if len(same) > 1:
            numbers = ", ".join(str(row.line) for row in same)
            for row in same:
                row.reject(message(getattr(row, attribute), numbers))


# Deciding against the database -----------------------------------------------------------


class _Affiliations:
    """Colleges and majors as stored, loaded once; remembers the ones an import would add."""

    def __init__(self) -> None:
        self.colleges = {}
        for college in accounts.colleges():
            self.colleges.setdefault(_key(college.name), college)
            self.colleges.setdefault(_key(college.code), college)
        self.majors = {(major.college_id, _key(major.name)): major for major in accounts.majors()}
        self.new_colleges: dict[str, str] = {}
        self.new_majors: dict[tuple[str, str], tuple[str, str]] = {}

    def resolve(self, row: RosterRow, user) -> None:
        college = None
        if row.college:
            college = self.colleges.get(_key(row.college))
            if college is None:
                name = self.new_colleges.setdefault(_key(row.college), row.college)
                row.college = name
                row.notes.append(_("New college “%(name)s” will be created.", name=name))
            else:
                row.college, row.college_id = college.name, college.id
        elif user is not None and user.college is not None:
            college = user.college
        if not row.major:
            return
        if not row.college and college is None:
            row.reject(_("A major is given without a college."))
            return
        college_name = row.college or college.name
        college_id = row.college_id if row.college else college.id
        major = self.majors.get((college_id, _key(row.major))) if college_id else None
        if major is None:
            key = (_key(college_name), _key(row.major))
            college_name, name = self.new_majors.setdefault(key, (college_name, row.major))
            row.major = name
            row.notes.append(
                _(
                    "New major “%(major)s” in %(college)s will be created.",
                    major=name,
                    college=college_name,
                )
            )
        else:
            row.major, row.major_id = major.name, major.id
        if not row.college:
            row.college, row.college_id = college.name, college.id


def _decide(row: RosterRow, user, email_owners: dict, affiliations: _Affiliations) -> None:
    owner = email_owners.get(row.email) if row.email else None
    if owner is not None and (user is None or owner.id != user.id):
        row.reject(
            _(
                "The email address %(email)s already belongs to %(number)s.",
                email=row.email,
                number=owner.student_number,
            )
        )
    if row.action == REJECT:
        return
    affiliations.resolve(row, user)
    if row.action == REJECT:
        return
    if user is None:
        row.action = CREATE
        return
    row.person_id = user.id
    row.student_number = user.student_number
    if not user.active:
        row.notes.append(_("This account is deactivated and stays so."))
    current = {
        "name": user.name,
        "email": user.email,
        "phone": user.phone,
        "user_type": user.user_type,
        "enrolment_year": user.enrolment_year,
        "college": user.college.name if user.college else None,
        "major": user.major.name if user.major else None,
    }
    if row.college and row.college_id != user.college_id and not row.major and user.major_id:
        row.clear_major = True
        row.changes.append(Change("major", current["major"], None))
    for name, old in current.items():
        new = getattr(row, name)
        if new is not None and new != old:
            row.changes.append(Change(name, old, new))
    row.changes.sort(key=lambda change: list(COLUMNS).index(change.field))
    row.action = UPDATE if row.changes else UNCHANGED


def plan_import(data: bytes, *, now: datetime | None = None) -> RosterPlan:
    """What importing `data` would do, row by row; changes nothing.

    Raises `tabular.TableError` when the file as a whole cannot be used.
    """
    now = now or utcnow()
    table = tabular.read_table(data, aliases=COLUMNS, required=REQUIRED, max_rows=MAX_ROWS)
    rows = [_parse_row(source, now) for source in table.rows]
    _reject_duplicates(
        rows,
        "student_number",
        lambda value, lines: _(
            "The number %(number)s appears more than once in the file (rows %(rows)s); "
            "none of these rows is imported.",
            number=value,
            rows=lines,
        ),
    )
    _reject_duplicates(
        rows,
        "email",
        lambda value, lines: _(
            "The email address %(email)s appears more than once in the file (rows %(rows)s); "
            "none of these rows is imported.",
            email=value,
            rows=lines,
        ),
    )
    people = accounts.find_by_numbers(row.student_number for row in rows)
    email_owners = accounts.find_by_emails(row.email for row in rows)
    affiliations = _Affiliations()
    for row in rows:
        user = people.get(row.student_number.upper()) if row.student_number else None
        _decide(row, user, email_owners, affiliations)
    return RosterPlan(
        rows=rows,
        file_format=table.format,
        encoding=table.encoding,
        new_colleges=sorted(affiliations.new_colleges.values()),
        new_majors=sorted(affiliations.new_majors.values()),
    )


# Applying ---------------------------------------------------------------------------------


def _next_college_code(taken: set[str]) -> str:
    numbers = [int(code) for code in taken if code.isdigit()]
    candidate = max(numbers, default=0) + 1
    while f"{candidate:02d}" in taken:
        candidate += 1
    return f"{candidate:02d}"


class _Creator:
    """Creates the colleges and majors a plan needs, each once."""

    def __init__(self) -> None:
        self.colleges = {_key(college.name): college for college in accounts.colleges()}
        self.codes = {college.code for college in accounts.colleges()}
        self.created_colleges = 0
        self.created_majors = 0
        self.majors: dict[tuple[int, str], int] = {}

    def college_id(self, row: RosterRow) -> int | None:
        if row.college_id or not row.college:
            return row.college_id
        college = self.colleges.get(_key(row.college))
        if college is None:
            code = _next_college_code(self.codes)
            college = accounts.get_or_create_college(code, row.college)
            self.codes.add(code)
            self.colleges[_key(row.college)] = college
            self.created_colleges += 1
        return college.id

    def major_id(self, row: RosterRow, college_id: int | None) -> int | None:
        if row.major_id or not row.major or college_id is None:
            return row.major_id
        key = (college_id, _key(row.major))
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


# The kept upload ---------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "roster"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(token: str) -> tuple[Path, Path]:
    if not TOKEN.fullmatch(token or ""):
        raise NotFound(_("This upload has expired. Please upload the file again."))
    directory = _upload_dir()
    return directory / f"{token}.upload", directory / f"{token}.json"


def _remove_stale_uploads(now: datetime) -> None:
    for meta in _upload_dir().glob("*.json"):
        try:
            uploaded_at = datetime.fromisoformat(json.loads(meta.read_text())["uploaded_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if now - uploaded_at > UPLOAD_LIFETIME:
            for path in _paths(meta.stem):
                path.unlink(missing_ok=True)


def store_upload(
    data: bytes, filename: str, plan: RosterPlan, *, actor, now: datetime | None = None
) -> str:
    """Keep the uploaded file for the confirm step; returns its token."""
    now = now or utcnow()
    _remove_stale_uploads(now)
    token = secrets.token_urlsafe(24)
    data_path, meta_path = _paths(token)
    data_path.write_bytes(data)
    meta = {
        "filename": (filename or "")[:200],
        "sha256": hashlib.sha256(data).hexdigest(),
        "uploaded_by": actor.id,
        "uploaded_at": now.isoformat(),
        "rejected_lines": sorted(row.line for row in plan.rejected),
        "rows_to_apply": plan.counts[CREATE] + plan.counts[UPDATE],
    }
    meta_path.write_text(json.dumps(meta))
    return token


def remember_rejections(token: str, plan: RosterPlan) -> None:
    """The admin has now seen `plan`; its rejected rows are the ones to skip."""
    _, meta_path = _paths(token)
    meta = json.loads(meta_path.read_text())
    meta["rejected_lines"] = sorted(row.line for row in plan.rejected)
    meta_path.write_text(json.dumps(meta))


def load_upload(token: str, *, actor, now: datetime | None = None) -> StoredUpload:
    now = now or utcnow()
    data_path, meta_path = _paths(token)
    expired = NotFound(_("This upload has expired. Please upload the file again."))
    try:
        meta = json.loads(meta_path.read_text())
        data = data_path.read_bytes()
        uploaded_at = datetime.fromisoformat(meta["uploaded_at"])
    except (OSError, ValueError, KeyError) as error:
        raise expired from error
    if (
        meta.get("uploaded_by") != actor.id
        or now - uploaded_at > UPLOAD_LIFETIME
        or hashlib.sha256(data).hexdigest() != meta.get("sha256")
    ):
        raise expired
    return StoredUpload(
        token=token,
        data=data,
        filename=meta.get("filename", ""),
        sha256=meta["sha256"],
        uploaded_by=meta["uploaded_by"],
        uploaded_at=uploaded_at,
        rejected_lines=set(meta.get("rejected_lines", [])),
        rows_to_apply=meta.get("rows_to_apply", 0),
    )


def discard_upload(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


# What the views call -----------------------------------------------------------------------


def preview_import(
    data: bytes, filename: str, *, actor, now: datetime | None = None
) -> tuple[RosterPlan, str]:
    """The dry run: the plan, and a token for confirming it."""
    plan = plan_import(data, now=now)
    return plan, store_upload(data, filename, plan, actor=actor, now=now)


def initial_password_hash(initial_password: str | None) -> str:
    """The hash every new person of an import gets: of the admin's initial password, or of
    one nobody knows (the admin resets it when the person needs to log in). One hash per
    import, never one per person."""
    if initial_password:
        accounts.check_password_strength(initial_password)
        return accounts.hash_password(initial_password)
    return accounts.hash_password(secrets.token_urlsafe(32))


def confirm_import(
    token: str,
    *,
    actor,
    initial_password: str | None = None,
    password_hash: str | None = None,
    now: datetime | None = None,
    checkpoint: Checkpoint | None = None,
) -> dict[str, int]:
    """Apply a previewed file, checked again against the database as it is now.

    Any failure raises, and the caller rolls back. Without a `checkpoint` that is all or
    nothing; a checkpoint that commits keeps the chunks applied before the failure, and
    importing the same file again applies the rest (rows already there are unchanged).
    `password_hash` (from `initial_password_hash`) stands for `initial_password` when the
    import runs as a job, which must not keep the password itself.
    """
    now = now or utcnow()
    upload = load_upload(token, actor=actor, now=now)
    plan = plan_import(upload.data, now=now)
    newly_rejected = [row.line for row in plan.rejected if row.line not in upload.rejected_lines]
    if newly_rejected:
        raise RosterChanged(
            _(
                "The data changed since the preview: rows %(rows)s would now be rejected. "
                "Nothing was imported; check the new preview and confirm again.",
                rows=", ".join(str(line) for line in newly_rejected),
            ),
            plan,
        )
    if password_hash is None:
        password_hash = initial_password_hash(initial_password)
    counts = apply_plan(
        plan,
        actor=actor,
        skip_lines=upload.rejected_lines,
        password_hash=password_hash,
        now=now,
        checkpoint=checkpoint,
    )
    audit.record(
        "admin.roster_imported",
        actor=actor,
        object_type="roster",
        object_id=upload.sha256[:16],
        after={"file": upload.filename, **counts},
        now=now,
    )
    return counts


def record_stopped_import(
    token: str, *, actor, rows_done: int, error: str, now: datetime | None = None
) -> None:
    """Audit a confirm that failed after committing `rows_done` rows (chunk by chunk):
    those people stay, and the log must say where they came from."""
    try:
        upload = load_upload(token, actor=actor, now=now)
        object_id, filename = upload.sha256[:16], upload.filename
    except NotFound:  # the kept file has expired since
        object_id, filename = token[:16], ""
    audit.record(
        "admin.roster_import_stopped",
        actor=actor,
        object_type="roster",
        object_id=object_id,
        after={"file": filename, "rows_done": rows_done},
        note=error[:500],
        now=now,
    )


def review_upload(token: str, *, actor, now: datetime | None = None) -> RosterPlan:
    """The preview of a kept upload, as the database is now (after a failed confirm)."""
    upload = load_upload(token, actor=actor, now=now)
    return plan_import(upload.data, now=now)
