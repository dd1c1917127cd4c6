"""Notifying many people at once (a nightly job's thousands of awards): `notify_many`.

The same notifications, emails and WeChat messages as `services.notify` once per person,
honouring each person's choices and the dedupe keys exactly as it does, but read in a few
set-based queries and written with executemany: a job then holds the write lock for
milliseconds per hundred people instead of a round of statements per person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app import hooks
from app.common.db import IN_CHUNK, begin_write_transaction, chunks, in_chunks
from app.common.time import utcnow
from app.extensions import db
from app.notifications import kinds
from app.notifications.models import Notification, NotificationPreference, OutboxEmail
from app.notifications.services import (
    Notice,
    _check_link,
    _rendered,
    already_notified,
    mail_enabled,
    notify,
)


def _fresh(notices: Sequence[Notice]) -> list[Notice]:
    """The notices whose dedupe key has not been used (the first of a key within the batch)."""
    keys = [notice.dedupe_key for notice in notices if notice.dedupe_key]
    used = {row[0] for row in in_chunks(Notification.dedupe_key, keys)}
    fresh = []
    for notice in notices:
        if notice.dedupe_key:
            if notice.dedupe_key in used:
                continue
            used.add(notice.dedupe_key)
        fresh.append(notice)
    return fresh


def _choices(kind: kinds.Kind, user_ids: Iterable[int]) -> dict[int, tuple[Any, Any]]:
    """(email, wechat) each person chose for `kind`; no entry: no choice saved."""
    saved = NotificationPreference
    found: dict[int, tuple[Any, Any]] = {}
    for part in chunks(sorted(set(user_ids)), IN_CHUNK):
        query = select(saved.user_id, saved.email, saved.wechat).where(
            saved.kind == kind.id, saved.user_id.in_(part)
        )
        found.update(
            (user_id, (email, wechat)) for user_id, email, wechat in db.session.execute(query)
        )
    return found


def _emailed(kind: kinds.Kind, notices: Sequence[Notice]) -> set[int]:
    """Who of `notices` gets this kind by email (as `services.wants_email` decides)."""
    if not mail_enabled():
        return set()
    candidates = [n.user.id for n in notices if n.user.active and n.user.email]
    chosen = _choices(kind, candidates)
    return {
        user_id
        for user_id in candidates
        if (kind.email_default if chosen.get(user_id, (None,))[0] is None else chosen[user_id][0])
    }


def wechat_refused(kind: kinds.Kind, user_ids: Iterable[int]) -> set[int]:
    """Who turned WeChat off for `kind` (no choice means yes)."""
    return {user_id for user_id, (_, wechat) in _choices(kind, user_ids).items() if wechat is False}


@dataclass(frozen=True)
class Prepared:
    """A batch rendered and its people's choices read, nothing written yet: a job prepares
    it before taking the write lock, and `send`s it inside its short write."""

    kind: kinds.Kind
    notices: list[Notice]
    rendered: list[tuple[str, str, str | None]]
    now: datetime

    def keyed(self, keys: dict[int, str]) -> Prepared:
        """Only the notices of the people in `keys` (person id -> dedupe key), keyed so:
        for keys known only once the rows they tell of are written."""
        kept = [
            (replace(notice, dedupe_key=keys[notice.user.id]), rendered)
            for notice, rendered in zip(self.notices, self.rendered, strict=True)
            if notice.user.id in keys
        ]
        return replace(self, notices=[n for n, _ in kept], rendered=[r for _, r in kept])


def prepare_many(kind: str, notices: Sequence[Notice], *, now: datetime | None = None) -> Prepared:
    """Render each notice in its person's language and read who wants it by email; reads
    only (see `Prepared`)."""
    registered = kinds.get(kind)
    for notice in notices:
        _check_link(notice.link)
    now = now or utcnow()
    emailed = _emailed(registered, notices)
    rendered = [
        _rendered(registered, notice, now=now, email=notice.user.id in emailed)
        for notice in notices
    ]
    return Prepared(registered, list(notices), rendered, now)


def notify_many(kind: str, notices: Sequence[Notice], *, now: datetime | None = None) -> int:
    """Tell each person of `notices` something of one `kind`, as `notify` would one by one;
    returns how many notifications were added (a used dedupe key adds nothing).

    Flush only, like `notify`. The `notified` hook gets the whole batch. When a concurrent
    caller uses one of the keys meanwhile, the batch falls back to `notify` one by one, so
    theirs stands and the rest still go out."""
    return send(prepare_many(kind, _fresh(notices), now=now))


def send(prepared: Prepared) -> int:
    """Write a prepared batch (its notices whose dedupe key is still unused): see
    `notify_many`."""
    fresh = {id(notice) for notice in _fresh(prepared.notices)}
    kept = [
        (notice, rendered)
        for notice, rendered in zip(prepared.notices, prepared.rendered, strict=True)
        if id(notice) in fresh
    ]
    if not kept:
        return 0
    notices = [notice for notice, _ in kept]
    db.session.flush()
    begin_write_transaction()
    try:
        with db.session.begin_nested():
            added = _insert(prepared.kind, notices, [r for _, r in kept], now=prepared.now)
    except IntegrityError:
        return _one_by_one(prepared.kind, notices, now=prepared.now)
    for channel in hooks.NOTIFIED.providers:
        channel(added, prepared.kind, prepared.now)
    return len(added)


def _insert(
    kind: kinds.Kind,
    notices: Sequence[Notice],
    rendered: Sequence[tuple[str, str, str | None]],
    *,
    now: datetime,
) -> list[tuple[Notification, Any]]:
    """The notifications and their emails, by executemany; (notification, person) of each,
    the notification as stored (not in the session: nothing to flush again)."""
    rows = [
        {
            "user_id": notice.user.id,
            "kind": kind.id,
            "title": title,
            "body": body,
            "link": notice.link,
            "dedupe_key": notice.dedupe_key,
            "created_at": now,
            "read_at": None,
        }
        for notice, (title, body, _email) in zip(notices, rendered, strict=True)
    ]
    statement = insert(Notification.__table__).returning(
        Notification.__table__.c.id, sort_by_parameter_order=True
    )
    ids = list(db.session.execute(statement, rows).scalars())
    emails = [
        {
            "notification_id": notification_id,
            "to_address": notice.user.email,
            "subject": title,
            "body": email_body,
            "status": "pending",
            "attempts": 0,
            "dedupe_key": notice.dedupe_key,
            "created_at": now,
        }
        for notification_id, notice, (title, _body, email_body) in zip(
            ids, notices, rendered, strict=True
        )
        if email_body is not None
    ]
    if emails:
        db.session.execute(insert(OutboxEmail.__table__), emails)
    return [
        (Notification(id=notification_id, **row), notice.user)
        for notification_id, row, notice in zip(ids, rows, notices, strict=True)
    ]


def _one_by_one(kind: kinds.Kind, notices: Sequence[Notice], *, now: datetime) -> int:
    added = 0
    for notice in notices:
        if notice.dedupe_key and already_notified(notice.dedupe_key):
            continue
        notify(
            notice.user,
            kind.id,
            context=notice.context,
            link=notice.link,
            now=now,
            dedupe_key=notice.dedupe_key,
        )
        added += 1
    return added
