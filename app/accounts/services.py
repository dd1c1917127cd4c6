"""Business rules for people: creating, editing, roles, passwords, login.

Services only flush; the caller commits once. They raise `DomainError`s with messages
in the user's language.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, literal, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from app.accounts.models import (
    LOCALES,
    ROLES,
    USER_TYPES,
    College,
    LoginDay,
    Major,
    User,
    UserRole,
    new_session_token,
)
from app.accounts.sessions import end_all_sessions
from app.audit import services as audit
from app.common.db import begin_write_transaction, get_or_not_found, insert_ignoring_conflicts
from app.common.rows import fields_of
from app.common.time import local_today, utcnow
from app.errors import Conflict, Forbidden, InvalidInput
from app.extensions import db
from app.notifications import services as notifications

TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
AUDITED_FIELDS = (
    "student_number",
    "name",
    "email",
    "nickname",
    "phone",
    "user_type",
    "college_id",
    "major_id",
    "enrolment_year",
)


@dataclass
class PersonFields:
    """The editable facts about a person, as an admin or a roster import gives them."""

    student_number: str
    name: str
    email: str | None = None
    nickname: str | None = None
    phone: str | None = None
    user_type: str = "undergraduate"
    college_id: int | None = None
    major_id: int | None = None
    enrolment_year: int | None = None


@dataclass
class ProfileFields:
    """What a person may change about themselves."""

    nickname: str | None = None
    phone: str | None = None
    email: str | None = None
    college_id: int | None = None
    major_id: int | None = None
    enrolment_year: int | None = None
    hide_from_boards: bool = False


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def normalise_email(email: str | None) -> str | None:
    email = _clean(email)
    return email.lower() if email else None


def get_person(user_id: int) -> User:
    return get_or_not_found(User, user_id, _("No such person."))


def find_person(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


def _snapshot(user: User) -> dict:
    return fields_of(user, *AUDITED_FIELDS)


def find_by_login(identifier: str) -> User | None:
    """The person whose student number or email is `identifier`."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    session = db.session
    if "@" in identifier:
        return session.scalar(select(User).where(User.email == identifier.lower()))
    return session.scalar(select(User).where(func.upper(User.student_number) == identifier.upper()))


def find_by_numbers(numbers: Iterable[str]) -> dict[str, User]:
    """People by upper-cased student number, in a few queries (for imports of many rows)."""
    wanted = sorted({number.upper() for number in numbers if number})
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(User).where(func.upper(User.student_number).in_(chunk))
        found.update({user.student_number.upper(): user for user in db.session.scalars(query)})
    return found


def people_by_ids(user_ids: Iterable[int]) -> list[User]:
    """People by id, in a few queries (unknown ids are left out)."""
    wanted = sorted(set(user_ids))
    found: list[User] = []
    for start in range(0, len(wanted), 500):
        query = select(User).where(User.id.in_(wanted[start : start + 500]))
        found.extend(db.session.scalars(query))
    return found


def find_by_emails(emails: Iterable[str]) -> dict[str, User]:
    """People by (lower-case) email, in a few queries."""
    wanted = sorted({email for email in emails if email})
    found: dict[str, User] = {}
    for start in range(0, len(wanted), 500):
        query = select(User).where(User.email.in_(wanted[start : start + 500]))
        found.update({user.email: user for user in db.session.scalars(query)})
    return found


def authenticate(identifier: str, password: str, *, now: datetime | None = None) -> User:
    """Check a login; the same message for an unknown person and a wrong password."""
    user = find_by_login(identifier)
    if user is None:
        # Hash anyway, so an unknown account takes as long to refuse as a wrong password.
        check_password_hash(_dummy_hash(), password or "")
    if user is None or not check_password_hash(user.password_hash, password or ""):
        raise InvalidInput(_("Student number, email or password is not correct."))
    if not user.active:
        raise Forbidden(
            _("This account has been deactivated. Please contact the library if this is wrong.")
        )
    config = current_app.config
    if config.get("CAS_SERVER_URL") and config.get("SSO_ONLY") and not user.has_role("admin"):
        raise Forbidden(_("Please log in with the campus login (统一身份认证)."))
    user.last_login_at = now or utcnow()
    record_login_day(user.id, now=user.last_login_at)
    return user


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password by the configured method, made once per process."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


def record_login_day(user_id: int, *, now: datetime | None = None) -> date:
    """Note that the person used the site on this local day (once a day, however often,
    from however many devices at once)."""
    day = local_today(now)
    db.session.execute(
        insert_ignoring_conflicts(LoginDay, ["user_id", "day"]).values(user_id=user_id, day=day)
    )
    return day


def login_days_of(user_id: int) -> list[date]:
    return list(
        db.session.scalars(
            select(LoginDay.day).where(LoginDay.user_id == user_id).order_by(LoginDay.day)
        )
    )


def login_activity() -> Select:
    """Days people used the site, as engagement activity: (user_id, at = the day, amount 1)."""
    return select(
        LoginDay.user_id.label("user_id"),
        LoginDay.day.label("at"),
        literal(1.0).label("amount"),
    )


def person_groups() -> Select:
    """Every active person with the groups they belong to: (user_id, college_id,
    enrolment_year), for group portraits and engagement summaries."""
    return select(
        User.id.label("user_id"),
        User.college_id.label("college_id"),
        User.enrolment_year.label("enrolment_year"),
    ).where(User.active.is_(True))


def hash_password(password: str) -> str:
    """werkzeug's default (scrypt) in production; tests configure a cheaper method."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return generate_password_hash(password, method=method)


def check_password_strength(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise InvalidInput(
            _("The password must be at least %(n)d characters long.", n=minimum),
            field="password",
        )
    if password.isdigit() and len(set(password)) <= 2:
        raise InvalidInput(_("This password is too easy to guess."), field="password")


def _check_student_number(student_number: str) -> str:
    student_number = (student_number or "").strip()
    pattern = current_app.config["STUDENT_NUMBER_PATTERN"]
    if not re.fullmatch(pattern, student_number):
        raise InvalidInput(
            _("The student or staff number is not in the expected format."),
            field="student_number",
        )
    return student_number


def is_valid_student_number(student_number: str) -> bool:
    """Whether a 学号/工号 matches the configured pattern (for imports that check many)."""
    pattern = current_app.config["STUDENT_NUMBER_PATTERN"]
    return bool(re.fullmatch(pattern, (student_number or "").strip()))


def _check_unique(user: User | None, student_number: str, email: str | None) -> None:
    session = db.session
    others = select(User.id)
    if user is not None and user.id is not None:
        others = others.where(User.id != user.id)
    taken = session.scalar(others.where(func.upper(User.student_number) == student_number.upper()))
    if taken:
        raise Conflict(
            _("This student or staff number is already registered."), field="student_number"
        )
    if email and session.scalar(others.where(User.email == email)):
        raise Conflict(_("This email address is already in use."), field="email")


def _check_affiliation(college_id: int | None, major_id: int | None) -> None:
    session = db.session
    if college_id is not None and session.get(College, college_id) is None:
        raise InvalidInput(_("Unknown college."), field="college_id")
    if major_id is not None:
        major = session.get(Major, major_id)
        if major is None or (college_id is not None and major.college_id != college_id):
            raise InvalidInput(
                _("The major does not belong to the chosen college."), field="major_id"
            )


def _check_enrolment_year(year: int | None, now: datetime) -> None:
    if year is not None and not 1950 <= year <= now.year + 1:
        raise InvalidInput(_("The enrolment year is not plausible."), field="enrolment_year")


def _flush_unique() -> None:
    """Flush, turning a unique violation from a concurrent writer into a clear error."""
    session = db.session
    begin_write_transaction()
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise Conflict(_("This student number or email address is already registered.")) from error


def _apply_person_fields(user: User, data: PersonFields, *, now: datetime) -> None:
    student_number = _check_student_number(data.student_number)
    name = _clean(data.name)
    if not name:
        raise InvalidInput(_("The name is required."), field="name")
    email = normalise_email(data.email)
    if data.user_type not in USER_TYPES:
        raise InvalidInput(_("Unknown kind of person."), field="user_type")
    _check_unique(user, student_number, email)
    _check_affiliation(data.college_id, data.major_id)
    _check_enrolment_year(data.enrolment_year, now)
    user.student_number = student_number
    user.name = name
    user.email = email
    user.nickname = _clean(data.nickname)
    user.phone = _clean(data.phone)
    user.user_type = data.user_type
    user.college_id = data.college_id
    user.major_id = data.major_id
    user.enrolment_year = data.enrolment_year


def create_person(
    data: PersonFields,
    *,
    password: str,
    roles: list[str] | tuple[str, ...] = (),
    must_change_password: bool = True,
    password_hash: str | None = None,
    actor: User | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account; roles beyond the reader's default are given explicitly.

    `password_hash` lets a bulk load hash one shared initial password once.
    """
    now = now or utcnow()
    if password_hash is None:
        check_password_strength(password)
        password_hash = hash_password(password)
    user = User(
        password_hash=password_hash,
        must_change_password=must_change_password,
        created_at=now,
        session_token=new_session_token(),
        active=True,
        locale="zh",
        hide_from_boards=False,
    )
    _apply_person_fields(user, data, now=now)
    db.session.add(user)
    _set_roles(user, roles)
    _flush_unique()
    audit.record(
        "accounts.created",
        user,
        actor=actor,
        after={**_snapshot(user), "roles": sorted(user.role_names)},
        now=now,
    )
    return user


def update_person(
    user: User, data: PersonFields, *, actor: User | None, now: datetime | None = None
) -> User:
    """An admin's (or an import's) edit of a person's facts; audited when anything changed."""
    with audit.edit("accounts.updated", user, _snapshot, actor=actor, now=now):
        _apply_person_fields(user, data, now=now or utcnow())
        _flush_unique()
    return user


def person_fields(user: User) -> PersonFields:
    return PersonFields(**{f.name: getattr(user, f.name) for f in fields(PersonFields)})


def update_profile(user: User, data: ProfileFields, *, now: datetime | None = None) -> User:
    """A person's edit of their own profile."""
    email = normalise_email(data.email)
    _check_unique(user, user.student_number, email)
    _check_affiliation(data.college_id, data.major_id)
    _check_enrolment_year(data.enrolment_year, now or utcnow())
    user.nickname = _clean(data.nickname)
    user.phone = _clean(data.phone)
    user.email = email
    user.college_id = data.college_id
    user.major_id = data.major_id
    user.enrolment_year = data.enrolment_year
    user.hide_from_boards = bool(data.hide_from_boards)
    _flush_unique()
    return user


def _set_roles(user: User, roles: list[str] | tuple[str, ...]) -> None:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise InvalidInput(_("Unknown role: %(role)s", role=", ".join(sorted(unknown))))
    wanted = set(roles)
    for grant in list(user.roles):
        if grant.role not in wanted:
            user.roles.remove(grant)
    for role in ROLES:
        if role in wanted and not user.has_role(role):
            user.roles.append(UserRole(role=role, granted_at=utcnow()))


def set_roles(user: User, roles: list[str], *, actor: User) -> tuple[set[str], set[str]]:
    """Replace a person's roles; returns (before, after). An admin keeps their own admin role,
    so the last door into the admin pages cannot be closed by accident."""
    before = user.role_names
    if user.id == actor.id and "admin" in before and "admin" not in roles:
        raise Forbidden(_("You cannot remove your own admin role."))
    _set_roles(user, roles)
    db.session.flush()
    after = user.role_names
    audit.record_change(
        "accounts.roles_changed",
        user,
        actor=actor,
        before={"roles": sorted(before)},
        after={"roles": sorted(after)},
    )
    return before, after


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise InvalidInput(_("The current password is not correct."), field="current_password")
    if current_password == new_password:
        raise InvalidInput(
            _("The new password must differ from the current one."), field="password"
        )
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    end_all_sessions(user.id)
    audit.record("accounts.password_changed", user, actor=user)


def reset_password(user: User, *, actor: User) -> str:
    """Give a person a temporary password, which they must change at next login."""
    temporary = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(10))
    user.password_hash = hash_password(temporary)
    user.must_change_password = True
    end_all_sessions(user.id)
    audit.record("accounts.password_reset", user, actor=actor)
    notifications.notify(
        user, "account.password_reset", context={"actor_name": actor.name if actor else None}
    )
    return temporary


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivate (no more logins, history kept) or reactivate an account."""
    if user.id == actor.id and not active:
        raise Forbidden(_("You cannot deactivate your own account."))
    if user.active == active:
        return
    user.active = active
    if not active:
        end_all_sessions(user.id)
    audit.record(
        "accounts.reactivated" if active else "accounts.deactivated",
        user,
        actor=actor,
        before={"active": not active},
        after={"active": active},
    )


def set_locale(user: User, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidInput(_("Unknown language."))
    user.locale = locale
    db.session.flush()


def colleges() -> list[College]:
    return list(db.session.scalars(select(College).order_by(College.code)))


def majors() -> list[Major]:
    return list(db.session.scalars(select(Major).order_by(Major.college_id, Major.name)))


def get_or_create_college(code: str, name: str) -> College:
    session = db.session
    college = session.scalar(select(College).where(College.code == code))
    if college is None:
        college = College(code=code, name=name)
        session.add(college)
        session.flush()
    return college


def get_or_create_major(college: College, name: str) -> Major:
    session = db.session
    major = session.scalar(select(Major).where(Major.college_id == college.id, Major.name == name))
    if major is None:
        major = Major(college_id=college.id, name=name)
        session.add(major)
        session.flush()
    return major


def profile_gaps(user: User) -> list[str]:
    """What a person should still fill in, as sentences for their home page."""
    gaps = []
    if not user.email:
        gaps.append(_("Add an email address, so the library can reach you."))
    if not user.college_id:
        gaps.append(_("Choose your college, so your hours count for it."))
    if not user.phone:
        gaps.append(_("Add a phone number, so shift coordinators can reach you."))
    return gaps
