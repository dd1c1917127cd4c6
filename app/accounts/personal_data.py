"""A person's own data, for download (JSON) and reading (a page).

Each feature that keeps data about people registers a section: a function from the person
to plain data (dicts, lists, strings, numbers, datetimes). Accounts registers the account,
roles and audit sections here; other features add theirs from their own services module:

    from app.accounts import personal_data

    personal_data.register_section("notifications", _l("Notifications"), my_notifications)

Sections are collected in registration order. Exporting is audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.audit import services as audit
from app.common.time import to_local, utcnow
from app.extensions import db

FORMAT = "gongchuang-personal-data/1"

audit.describe_actions({"accounts.data_exported": _l("Personal data downloaded")})


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    collect: Callable[[User], Any]


SECTIONS: dict[str, Section] = {}

# Names for keys the built-in sections use, for the readable page.
FIELD_LABELS: dict[str, Any] = {
    "student_number": _l("Student/staff number"),
    "name": _l("Name"),
    "nickname": _l("Nickname"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "user_type": _l("Kind"),
    "college": _l("College"),
    "major": _l("Major"),
    "enrolment_year": _l("Enrolment year"),
    "locale": _l("Language"),
    "hide_from_boards": _l("Hidden from public leaderboards"),
    "active": _l("Active"),
    "must_change_password": _l("Must change password"),
    "created_at": _l("Created"),
    "last_login_at": _l("Last login"),
    "device": _l("Device"),
    "last_seen_at": _l("Last seen"),
    "ended_at": _l("Logged out"),
    "role": _l("Role"),
    "granted_at": _l("Since"),
    "time": _l("Time"),
    "action": _l("Action"),
    "description": _l("What happened"),
    "by": _l("By"),
    "before": _l("before"),
    "after": _l("after"),
    "note": _l("Note"),
    "object": _l("Object"),
    "address": _l("Address"),
}


def register_section(key: str, title: Any, collect: Callable[[User], Any]) -> None:
    """Add (or replace) a section of everyone's personal data export."""
    SECTIONS[key] = Section(key=key, title=title, collect=collect)


def collect(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the registered sections know about `user`."""
    return {
        "format": FORMAT,
        "generated_at": now or utcnow(),
        "person_id": user.id,
        "sections": {key: section.collect(user) for key, section in SECTIONS.items()},
    }


def export_personal_data(user: User, *, fmt: str, now: datetime | None = None) -> dict[str, Any]:
    """Collect `user`'s data for themselves, and note in the audit log that they did."""
    now = now or utcnow()
    data = collect(user, now=now)
    audit.record(
        "accounts.data_exported",
        actor=user,
        object_type="user",
        object_id=user.id,
        after={"format": fmt, "sections": list(data["sections"])},
        now=now,
    )
    return data


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def to_json(data: dict[str, Any]) -> str:
    """The download: UTF-8 JSON with times in UTC (ISO 8601, `Z`)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)


def for_display(value: Any) -> Any:
    """The same data with times in the configured zone, for the readable page."""
    if isinstance(value, datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dict):
        return {key: for_display(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [for_display(item) for item in value]
    return value


# The sections accounts keeps ----------------------------------------------------------------


def _account(user: User) -> dict[str, Any]:
    return {
        "student_number": user.student_number,
        "name": user.name,
        "nickname": user.nickname,
        "email": user.email,
        "phone": user.phone,
        "user_type": user.user_type,
        "college": user.college.name if user.college else None,
        "major": user.major.name if user.major else None,
        "enrolment_year": user.enrolment_year,
        "locale": user.locale,
        "hide_from_boards": user.hide_from_boards,
        "active": user.active,
        "must_change_password": user.must_change_password,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
    }


def _roles(user: User) -> list[dict[str, Any]]:
    return [
        {"role": grant.role, "granted_at": grant.granted_at}
        for grant in sorted(user.roles, key=lambda grant: grant.role)
    ]


def _label(action: str) -> str:
    return str(audit.ACTION_LABELS.get(action, action))


def _audit_about(user: User) -> list[dict[str, Any]]:
    """Changes made to this person's account, by whom, with before and after."""
    query = audit.entries_query(audit.AuditFilter(object_type="user", object_id=str(user.id)))
    return [
        {
            "time": entry.created_at,
            "action": entry.action,
            "description": _label(entry.action),
            "by": entry.actor.name if entry.actor else None,
            "before": entry.before,
            "after": entry.after,
            "note": entry.note,
        }
        for entry in db.session.scalars(query)
    ]


def _audit_by(user: User) -> list[dict[str, Any]]:
    """What this person did that was logged, and from where; without the before and
    after of other people's records, which are not theirs to take."""
    query = audit.entries_query(audit.AuditFilter(actor_id=user.id))
    return [
        {
            "time": entry.created_at,
            "action": entry.action,
            "description": _label(entry.action),
            "object": f"{entry.object_type} #{entry.object_id}",
            "address": entry.address,
        }
        for entry in db.session.scalars(query)
    ]


register_section("account", _l("Account and profile"), _account)
register_section("roles", _l("Roles"), _roles)
register_section("audit_about_me", _l("Changes to my account"), _audit_about)
register_section("audit_by_me", _l("Things I did that were logged"), _audit_by)
