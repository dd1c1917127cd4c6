"""A person's own data, for download (JSON) and reading (a page).

Each feature that keeps data about people registers a section: a function from the person
to plain data (dicts, lists, strings, numbers, datetimes). Accounts registers the account,
roles and audit sections here; other features add theirs from their `connect_hooks()`
(called by `app.wiring.wire_hooks`, never at import):

    def connect_hooks() -> None:
        personal_data.register_section("notifications", _l("Notifications"), my_notifications)

Most sections are lists of one table's rows that name the person (`register_rows`); each
says which table columns it lists (`covers`), and a test fails when a table with a column
pointing at a person is in no section. Secrets (token hashes, passwords) are never
exported, nor other people's details. Sections are collected in registration order.
Exporting is audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, String, cast, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app import hooks
from app.accounts.forms import PERSON_FIELD_LABELS, ROLE_LABELS
from app.accounts.models import ROLES, SsoSession, User
from app.audit import services as audit
from app.audit.actions import ACTION_LABELS
from app.audit.models import AuditEntry
from app.common.rows import fields_of
from app.common.time import to_local, utcnow
from app.extensions import db

FORMAT = "gongchuang-personal-data/1"


@dataclass(frozen=True)
class Section:
    key: str
    title: Any
    collect: Callable[[User], Any]
    # "table.column" naming the person -> the key of the section's list of those rows
    # (None: the whole section).
    covers: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Rows:
    """The rows of one table whose `column` is the person, each as `describe` makes it
    (plain data; no secret, no other person's details) after its id. `staff` lists, of
    work done for others, are left out of the section when empty."""

    column: InstrumentedAttribute
    describe: Callable[[Any], dict[str, Any]]
    staff: bool = False


def column_name(column: InstrumentedAttribute) -> str:
    """The "table.column" name of a mapped column."""
    [table_column] = column.property.columns
    return f"{table_column.table.name}.{table_column.name}"


@dataclass(frozen=True, eq=False)
class AuditedObject:
    """Audit object type whose objects belong to a person, with the column naming that
    person ("attendance", Attendance.user_id): their audit entries are about them too."""

    object_type: str
    column: InstrumentedAttribute


def sections() -> dict[str, Section]:
    """The connected sections by key, in order (a later one replaces an earlier one)."""
    found: dict[str, Section] = {}
    for section in hooks.PERSONAL_DATA.providers:
        found[section.key] = section
    return found


def audited_objects() -> dict[str, InstrumentedAttribute]:
    return {item.object_type: item.column for item in hooks.AUDITED_OBJECTS.providers}


def field_labels() -> dict[str, Any]:
    """Names of the fields, in the reader's language (the first name given wins)."""
    labels = dict(BUILT_IN_LABELS)
    for added in hooks.PERSONAL_DATA_LABELS.providers:
        for key, label in added.items():
            labels.setdefault(key, label)
    return labels


# Names for keys the built-in sections use, for the readable page.
BUILT_IN_LABELS: dict[str, Any] = {
    **PERSON_FIELD_LABELS,
    "nickname": _l("Nickname"),
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
    "id": _l("No."),
    "campus_sign_ins": _l("Sign-ins through the campus login"),
}


def register_section(
    key: str,
    title: Any,
    collect: Callable[[User], Any],
    *,
    covers: Mapping[str, str | None] | None = None,
    audited: Mapping[str, InstrumentedAttribute] | None = None,
    labels: Mapping[str, Any] | None = None,
    forget: Callable[[User], None] | None = None,
) -> None:
    """Add (or replace) a section of everyone's personal data export. `labels` name its
    fields in the reader's language (the first name given for a key wins). `audited` maps
    audit object types to the column naming the person: audit entries on those objects (a
    coordinator's fix of their attendance, say) go into the person's export too. `forget`
    deletes or blanks the section's data when the person is anonymised."""
    section = Section(key=key, title=title, collect=collect, covers=dict(covers or {}))
    hooks.PERSONAL_DATA.connect(section)
    if forget is not None:
        hooks.ANONYMISERS.connect(forget)
    for object_type, column in (audited or {}).items():
        hooks.AUDITED_OBJECTS.connect(AuditedObject(object_type, column))
    if labels:
        hooks.PERSONAL_DATA_LABELS.connect(labels)


def rows_of(user: User, rows: Rows) -> list[dict[str, Any]]:
    model = rows.column.class_
    query = select(model).where(rows.column == user.id).order_by(model.id)
    return [{"id": row.id, **rows.describe(row)} for row in db.session.scalars(query)]


def register_rows(
    key: str,
    title: Any,
    lists: Mapping[str, Rows],
    *,
    audited: Mapping[str, InstrumentedAttribute] | None = None,
    labels: Mapping[str, Any] | None = None,
    forget: Callable[[User], None] | None = None,
) -> None:
    """A section of named lists of rows about (or by) the person (`audited`, `labels` and
    `forget` as for `register_section`)."""

    def collect_lists(user: User) -> dict[str, list[dict[str, Any]]]:
        found = {name: rows_of(user, rows) for name, rows in lists.items()}
        return {name: items for name, items in found.items() if items or not lists[name].staff}

    covers = {column_name(rows.column): name for name, rows in lists.items()}
    register_section(
        key, title, collect_lists, covers=covers, audited=audited, labels=labels, forget=forget
    )


def collect(user: User, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything the registered sections know about `user`."""
    return {
        "format": FORMAT,
        "generated_at": now or utcnow(),
        "person_id": user.id,
        "sections": {key: section.collect(user) for key, section in sections().items()},
    }


def export_personal_data(user: User, *, fmt: str, now: datetime | None = None) -> dict[str, Any]:
    """Collect `user`'s data for themselves, and note in the audit log that they did."""
    now = now or utcnow()
    data = collect(user, now=now)
    audit.record(
        "accounts.data_exported",
        user,
        actor=user,
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
        **fields_of(user, "student_number", "name", "nickname", "email", "phone", "user_type"),
        "college": user.college.name if user.college else None,
        "major": user.major.name if user.major else None,
        **fields_of(
            user,
            "enrolment_year",
            "locale",
            "hide_from_boards",
            "active",
            "must_change_password",
            "created_at",
            "last_login_at",
        ),
    }


def _roles(user: User) -> list[dict[str, Any]]:
    return [
        {"role": grant.role, "granted_at": grant.granted_at}
        for grant in sorted(user.roles, key=lambda grant: grant.role)
    ]


def _label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _role_of(actor: User | None, user: User) -> Any:
    """Who made a change, as the person may know it: themselves, or the role of the member
    of staff (another person's name is theirs, not this person's)."""
    if actor is None:
        return _l("the system")
    if actor.id == user.id:
        return _l("you")
    granted = [role for role in reversed(ROLES) if role in actor.role_names]
    return ROLE_LABELS[granted[0]] if granted else _l("another user")


def _about(user: User) -> ColumnElement[bool]:
    """The audit condition: an entry on the person's account or on one of their records."""
    conditions = [(AuditEntry.object_type == "user") & (AuditEntry.object_id == str(user.id))]
    for object_type, column in audited_objects().items():
        theirs = select(cast(column.class_.id, String)).where(column == user.id)
        conditions.append(
            (AuditEntry.object_type == object_type) & AuditEntry.object_id.in_(theirs)
        )
    return or_(*conditions)


def _audit_about(user: User) -> list[dict[str, Any]]:
    """Changes made to this person's account and records, by whom (a role), with before
    and after."""
    query = audit.entries_query(audit.AuditFilter()).where(_about(user))
    return [
        {
            "time": entry.created_at,
            "action": entry.action,
            "description": _label(entry.action),
            "object": f"{entry.object_type} #{entry.object_id}",
            "by": _role_of(entry.actor, user),
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
            "id": entry.id,
            "time": entry.created_at,
            "action": entry.action,
            "description": _label(entry.action),
            "object": f"{entry.object_type} #{entry.object_id}",
            "address": entry.address,
        }
        for entry in db.session.scalars(query)
    ]


def connect_hooks() -> None:
    """This feature's sections of the personal data export."""
    register_section("account", _l("Account and profile"), _account)
    register_section("roles", _l("Roles"), _roles, covers={"user_roles.user_id": None})
    register_rows(
        "sign_ins",
        _l("Campus sign-ins"),
        {"campus_sign_ins": Rows(SsoSession.user_id, lambda row: {"time": row.created_at})},
    )
    register_section("audit_about_me", _l("Changes to my account"), _audit_about)
    register_section(
        "audit_by_me",
        _l("Things I did that were logged"),
        _audit_by,
        covers={"audit_entries.actor_id": None},
    )
