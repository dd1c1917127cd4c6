"""Roster import, the plan: the campus system's list of people, checked row by row.

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

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.accounts import services as accounts
from app.accounts.forms import PERSON_FIELD_LABELS
from app.common import tabular
from app.common.rows import fields_of
from app.common.time import utcnow

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


# How each column is named in messages: as the people pages name a person's fields.
COLUMN_LABELS = PERSON_FIELD_LABELS


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


def match_key(text: str) -> str:
    """How names and numbers are compared: NFKC, trimmed, any case."""
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
        row.user_type = USER_TYPE_VALUES.get(match_key(kind))
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
            self.colleges.setdefault(match_key(college.name), college)
            self.colleges.setdefault(match_key(college.code), college)
        self.majors = {
            (major.college_id, match_key(major.name)): major for major in accounts.majors()
        }
        self.new_colleges: dict[str, str] = {}
        self.new_majors: dict[tuple[str, str], tuple[str, str]] = {}

    def resolve(self, row: RosterRow, user) -> None:
        college = None
        if row.college:
            college = self.colleges.get(match_key(row.college))
            if college is None:
                name = self.new_colleges.setdefault(match_key(row.college), row.college)
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
        major = self.majors.get((college_id, match_key(row.major))) if college_id else None
        if major is None:
            key = (match_key(college_name), match_key(row.major))
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
        **fields_of(user, "name", "email", "phone", "user_type", "enrolment_year"),
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
