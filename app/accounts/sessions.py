"""Each device's login, kept on the server: the cookies carry a random token, the
`login_sessions` row its digest. Logging out ends that row; a password change, a reset, a
deactivation or "log out all my devices" ends every row of the person.

Services only flush; the caller commits once.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.orm import joinedload

from app import hooks
from app.accounts import personal_data
from app.accounts.models import LoginSession, User
from app.audit import services as audit
from app.common.rows import fields_of
from app.common.time import utcnow
from app.extensions import db

# How stale "last seen" may be before a request writes it again (one write per device per
# few minutes, not one per page).
TOUCH_INTERVAL = timedelta(minutes=5)


# First match wins: Edge and WeChat also say "Chrome" or "Safari".
_BROWSERS = (
    ("MicroMessenger", "WeChat"),
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("Firefox", "Firefox"),
    ("Chrome", "Chrome"),
    ("CriOS", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("HarmonyOS", "HarmonyOS"),
    ("Linux", "Linux"),
)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def describe_device(user_agent: str | None) -> str:
    """A short name for a browser's User-Agent: "Chrome · Android"; "" when unknown."""
    user_agent = user_agent or ""
    browser = next((name for key, name in _BROWSERS if re.search(key, user_agent)), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    return " · ".join(part for part in (browser, system) if part)


def _unused_since(now: datetime) -> datetime:
    """Rows not seen since then are dead: no cookie of theirs can still be valid (the
    remember cookie lives longest)."""
    config = current_app.config
    return now - max(config["REMEMBER_COOKIE_DURATION"], config["PERMANENT_SESSION_LIFETIME"])


def start_session(user: User, *, user_agent: str | None, now: datetime | None = None) -> str:
    """A new login of `user` on one device; returns its token, which `user.get_id()` now
    gives to Flask-Login for the cookies."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        user_id=user.id,
        token_sha256=_digest(token),
        device=describe_device(user_agent)[:64],
        created_at=now,
        last_seen_at=now,
    )
    db.session.add(row)
    db.session.flush()
    user.login_token, user.login_session = token, row
    return token


@functools.cache
def _live_session_query(counts: tuple = ()) -> tuple[Select, tuple[str, ...]]:
    """The person and their live login session for a token digest, and the labels of the
    `counts` (`hooks.PAGE_COUNTS` providers) read with them: built once per set of counts
    (every request runs it, and building a statement costs more than running it), with the
    roles joined in (every request asks for them; `unique()` folds the rows of one person)."""
    columns = [count(User.id) for count in counts]
    statement = (
        select(User, LoginSession, *columns)
        .join(LoginSession, LoginSession.user_id == User.id)
        .options(joinedload(User.roles))
        .where(
            LoginSession.token_sha256 == bindparam("digest"),
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > bindparam("since"),
            User.active.is_(True),
        )
    )
    return statement, tuple(column.name for column in columns)


def user_of_token(
    token: str | None, *, now: datetime | None = None, with_counts: bool = False
) -> User | None:
    """The active person whose live login session `token` is, or None; `with_counts`: with
    the numbers every page shows (`hooks.PAGE_COUNTS`) in `user.page_counts`."""
    if not token:
        return None
    statement, labels = _live_session_query(
        tuple(hooks.PAGE_COUNTS.providers) if with_counts else ()
    )
    found = (
        db.session.execute(
            statement, {"digest": _digest(token), "since": _unused_since(now or utcnow())}
        )
        .unique()
        .all()
    )
    if not found:
        return None
    user, row, *numbers = found[0]
    user.login_token, user.login_session = token, row
    user.page_counts = dict(zip(labels, numbers, strict=True))
    return user


def touch(row: LoginSession | None, *, now: datetime | None = None) -> bool:
    """Note that the device was seen, at most once per `TOUCH_INTERVAL`; True when written."""
    now = now or utcnow()
    if row is None or row.ended_at is not None or now - row.last_seen_at < TOUCH_INTERVAL:
        return False
    row.last_seen_at = now
    db.session.flush()
    return True


def end_session(row: LoginSession | None, *, now: datetime | None = None) -> None:
    """Log out this one device."""
    if row is not None and row.ended_at is None:
        row.ended_at = now or utcnow()
        db.session.flush()


def end_all_sessions(user_id: int, *, now: datetime | None = None) -> int:
    """Log the person out on every device, remembered ones included; returns how many."""
    result = db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def log_out_everywhere(user: User, *, now: datetime | None = None) -> int:
    """The person's own "log out all my devices"; audited."""
    now = now or utcnow()
    ended = end_all_sessions(user.id, now=now)
    audit.record(
        "accounts.logged_out_everywhere", user, actor=user, after={"sessions": ended}, now=now
    )
    return ended


def live_sessions(user_id: int, *, now: datetime | None = None) -> list[LoginSession]:
    """The devices the person is logged in on, the most recently seen first."""
    query = (
        select(LoginSession)
        .where(
            LoginSession.user_id == user_id,
            LoginSession.ended_at.is_(None),
            LoginSession.last_seen_at > _unused_since(now or utcnow()),
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return list(db.session.scalars(query))


def delete_sessions(user_id: int) -> None:
    """Forget every login of the person (anonymising)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def _my_sessions(user: User) -> list[dict[str, Any]]:
    query = (
        select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.created_at.desc(), LoginSession.id.desc())
    )
    return [
        fields_of(row, "id", "device", "created_at", "last_seen_at", "ended_at")
        for row in db.session.scalars(query)
    ]


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    personal_data.register_section(
        "login_sessions",
        _l("Devices and logins"),
        _my_sessions,
        covers={"login_sessions.user_id": None},
    )
