"""Record and read audit entries. Every feature calls `record` for changes that matter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from app.audit.models import AuditEntry
from app.common.time import utcnow
from app.extensions import db

# The address a change came from; set once per request by the audit blueprint, so services
# need not know about requests. Jobs and the CLI leave it empty.
request_address: ContextVar[str | None] = ContextVar("request_address", default=None)


@dataclass(frozen=True)
class Subject:
    """What an entry is about: the `object_type` and `object_id` it is stored and found under.

    A row of an audited model stands for itself (`Subject.of(row)`); write a Subject by hand
    only for what is not a loaded row: a roster file, a job, a batch known only by its id."""

    type: str
    id: Any

    @classmethod
    def of(cls, row: Any) -> Subject:
        """The subject of a row: its model's `audit_type`, keyed by the column the model names
        in `audit_key` (the id unless the model says otherwise). `__class__`, not `type()`, so
        that `current_user` stands for the person it proxies."""
        model = row.__class__
        return cls(model.audit_type, getattr(row, getattr(model, "audit_key", "id")))


def record(
    action: str,
    subject: Any,
    *,
    actor: Any | None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append an entry about `subject`, a row of an audited model or a `Subject`: `actor` is
    a person or None for the system (a job, the CLI).

    Pending changes are written first, so the entry follows them and a just-added row has
    its id: callers need not flush before recording."""
    db.session.flush()
    if not isinstance(subject, Subject):
        subject = Subject.of(subject)
    entry = AuditEntry(
        created_at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=subject.type,
        object_id=str(subject.id),
        before=before,
        after=after,
        note=note,
        address=request_address.get(),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields of `after` whose value differs from `before`: their old and new values."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record_change(
    action: str,
    subject: Any,
    *,
    actor: Any | None,
    before: dict,
    after: dict,
    only_changed: bool = False,
    now: datetime | None = None,
) -> AuditEntry | None:
    """Append an entry for an edit, or nothing when the edit changed nothing. With
    `only_changed`, before and after keep just the fields that differ."""
    if before == after:
        return None
    if only_changed:
        before, after = changed_fields(before, after)
    return record(action, subject, actor=actor, before=before, after=after, now=now)


@contextmanager
def edit(
    action: str,
    row: Any,
    snapshot: Callable[[Any], dict],
    *,
    actor: Any | None,
    now: datetime | None = None,
) -> Iterator[None]:
    """Audit the edit made inside the block: `snapshot(row)` before and after, keeping only
    the fields that changed, and nothing when none did (or when the block raises)."""
    before = snapshot(row)
    yield
    record_change(
        action, row, actor=actor, before=before, after=snapshot(row), only_changed=True, now=now
    )


@dataclass
class AuditFilter:
    action: str = ""
    actor_id: int | None = None
    object_type: str = ""
    object_id: str = ""
    since: datetime | None = None
    until: datetime | None = None


def entries_query(filters: AuditFilter) -> Select:
    query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if filters.action:
        query = query.where(AuditEntry.action.startswith(filters.action))
    if filters.actor_id:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEntry.created_at >= filters.since)
    if filters.until:
        query = query.where(AuditEntry.created_at < filters.until)
    return query


def entries_for(object_type: str, object_id: Any, limit: int = 20) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            entries_query(AuditFilter(object_type=object_type, object_id=str(object_id))).limit(
                limit
            )
        )
    )


def known_actions() -> list[str]:
    return list(
        db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    )
