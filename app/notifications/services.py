"""Notifying people in the app and by email, their email choices, and the outbox's steps.

`notify` is the one call every feature makes. Services only flush; the caller commits.
The outbox functions at the end are the steps of `jobs.drain_outbox`: each is one
statement on one row, so the job can commit after each and never send a message twice.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Label, Select, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app import hooks
from app.accounts import personal_data
from app.audit import services as audit
from app.common.db import add_once, begin_write_transaction
from app.common.rows import fields_of
from app.common.text import clean_line
from app.common.time import utcnow
from app.common.urls import external_path, safe_next_url
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications.models import Notification, NotificationPreference, OutboxEmail

if TYPE_CHECKING:
    from app.accounts.models import User

SETTINGS_PATH = "/notifications/settings"
EMAIL_LAYOUT = "notifications/email/_message.txt"
TITLE_LENGTH = 200
# The bell's count among `User.page_counts`.
UNREAD_LABEL = "unread_notifications"
ERROR_LENGTH = 500
# A claim this old belongs to a drain that died between claiming and recording: the
# message may have gone out, so it is given up rather than sent again.
STALE_CLAIM = timedelta(minutes=15)
RETRY_DELAY = timedelta(minutes=5)
MAX_RETRY_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class Notice:
    """One person's notification of a batch (`notify_many`): as `notify`'s arguments."""

    user: User
    context: dict[str, Any] | None = None
    link: str | None = None
    dedupe_key: str | None = None


def mail_enabled() -> bool:
    """Email goes out only when an SMTP server is configured; otherwise in-app only."""
    return bool(current_app.config.get("MAIL_SERVER"))


def _render(template: str, **context: Any) -> str:
    """A plain-text template, without the page context processors (no request needed)."""
    return current_app.jinja_env.get_template(template).render(**context).strip()


def _one_line(text: str, length: int) -> str:
    return " ".join(text.split())[:length]


def _by_dedupe_key(dedupe_key: str) -> Notification | None:
    return db.session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))


def already_notified(dedupe_key: str) -> bool:
    """Whether a notification with this idempotency key exists (for jobs counting news)."""
    return _by_dedupe_key(dedupe_key) is not None


def wants_email(user: User, kind: kinds.Kind) -> bool:
    """The person's choice for this kind, else the kind's default; never without an
    address, for a deactivated account, or when the site sends no email."""
    if not (mail_enabled() and user.active and user.email):
        return False
    choice = db.session.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind.id
        )
    )
    return kind.email_default if choice is None else choice


def _check_link(link: str | None) -> None:
    if link is not None and safe_next_url(link) != link:
        raise InvalidInput(_("A notification can only link to a page of this site."))


def _rendered(
    registered: kinds.Kind, notice: Notice, *, now: datetime, email: bool
) -> tuple[str, str, str | None]:
    """(title, body, email body or None) of a notification, in its person's language."""
    user = notice.user
    values = {**(notice.context or {}), "user": user, "now": now}
    with force_locale(user.locale):
        title = _one_line(_render(registered.subject_template, **values), TITLE_LENGTH)
        body = _render(registered.body_template, **values)
        email_body = (
            _render(
                EMAIL_LAYOUT,
                user=user,
                body=body,
                link_url=external_path(notice.link),
                settings_url=external_path(SETTINGS_PATH),
            )
            if email
            else None
        )
    return title, body, email_body


def notify(
    user: User,
    kind: str,
    *,
    context: dict[str, Any] | None = None,
    link: str | None = None,
    now: datetime | None = None,
    dedupe_key: str | None = None,
) -> Notification:
    """Tell `user` something: an in-app notification rendered in their language, and an
    email in the outbox when they want this kind by email.

    `link` is a path on this site ("/shifts/12"). With `dedupe_key`, a second call with
    the same key returns the first notification and sends nothing more.
    """
    registered = kinds.get(kind)
    _check_link(link)
    if dedupe_key:
        existing = _by_dedupe_key(dedupe_key)
        if existing is not None:
            return existing
    now = now or utcnow()
    notice = Notice(user, context, link, dedupe_key)
    title, body, email_body = _rendered(
        registered, notice, now=now, email=wants_email(user, registered)
    )
    notification = Notification(
        user_id=user.id,
        kind=registered.id,
        title=title,
        body=body,
        link=link,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    rows: list[object] = [notification]
    if email_body is not None:
        rows.append(
            OutboxEmail(
                notification=notification,
                to_address=user.email,
                subject=title,
                body=email_body,
                status="pending",
                attempts=0,
                dedupe_key=dedupe_key,
                created_at=now,
            )
        )
    # Another request may use the same key at the same moment: theirs stands.
    existing = add_once(*rows, existing=lambda: _by_dedupe_key(dedupe_key) if dedupe_key else None)
    if existing is not None:
        return existing
    for channel in hooks.NOTIFIED.providers:
        channel([(notification, user)], registered, now)
    return notification


def announce(
    recipients: Iterable[User],
    *,
    subject: str,
    message: str,
    actor: User | None,
    link: str | None = None,
    now: datetime | None = None,
) -> int:
    """An admin's message to many people; returns how many active people were told."""
    subject = clean_line(
        subject,
        field="subject",
        limit=TITLE_LENGTH,
        missing=_l("The announcement needs a subject."),
        too_long=_l("The subject is longer than %(n)d characters.", n=TITLE_LENGTH),
    )
    message = (message or "").strip()
    if not message:
        raise InvalidInput(_("The announcement needs a message."), field="message")
    now = now or utcnow()
    context = {
        "subject": subject,
        "message": message,
        "sender": actor.display_name if actor is not None else None,
    }
    told = 0
    for person in recipients:
        if person.active:
            notify(person, kinds.ANNOUNCEMENT.id, context=context, link=link, now=now)
            told += 1
    audit.record(
        "notifications.announcement_sent",
        audit.Subject("notification_kind", kinds.ANNOUNCEMENT.id),
        actor=actor,
        after={"subject": subject, "recipients": told},
        now=now,
    )
    return told


# Reading and marking -------------------------------------------------------------------


def unread_count(user_id: int) -> int:
    """One COUNT query, for the bell on every page (its statement built once)."""
    return db.session.scalar(_unread_query(), {"user_id": user_id})


def unread_column(user_id: ColumnElement[int]) -> Label[int]:
    """The bell's count as a column of the statement that loads the person
    (`hooks.PAGE_COUNTS`): on a page request no query of its own."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
        .label(UNREAD_LABEL)
    )


@functools.cache
def _unread_query() -> Select:
    return select(func.count(Notification.id)).where(
        Notification.user_id == bindparam("user_id"), Notification.read_at.is_(None)
    )


def notifications_query(user_id: int) -> Select:
    """A person's notifications, newest first."""
    return (
        select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def get_notification(user_id: int, notification_id: int) -> Notification:
    """One of this person's notifications; someone else's is as good as missing."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(_("No such notification."))
    return notification


def mark_read(notification: Notification, *, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user_id: int, *, now: datetime | None = None) -> int:
    """Mark every unread notification of this person read; returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
    )
    return result.rowcount


# Email choices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EmailChoice:
    kind: kinds.Kind
    email: bool
    wechat: bool  # by WeChat, for a person whose WeChat is bound


def email_choices(user_id: int) -> list[EmailChoice]:
    """Every kind, with whether this person gets it by email and by WeChat."""
    saved = {
        kind: (email, wechat)
        for kind, email, wechat in db.session.execute(
            select(
                NotificationPreference.kind,
                NotificationPreference.email,
                NotificationPreference.wechat,
            ).where(NotificationPreference.user_id == user_id)
        )
    }
    return [
        EmailChoice(
            kind=kind,
            email=saved.get(kind.id, (kind.email_default,))[0],
            wechat=saved.get(kind.id, (None, None))[1] is not False,
        )
        for kind in kinds.all_kinds()
    ]


def set_email_choices(
    user_id: int, wanted: Iterable[str], *, wechat: Iterable[str] | None = None
) -> None:
    """Email exactly the kinds in `wanted`; every other kind stays in the app only. With
    `wechat`, exactly those kinds also go to the person's WeChat."""
    wanted = set(wanted)
    by_wechat = None if wechat is None else set(wechat)
    if wanted - set(kinds.KINDS) or (by_wechat or set()) - set(kinds.KINDS):
        raise InvalidInput(_("Unknown kind of notification."), field="email")
    session = db.session
    saved = {
        preference.kind: preference
        for preference in session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user_id)
        )
    }
    session.flush()
    begin_write_transaction()
    try:
        with session.begin_nested():
            for kind in kinds.all_kinds():
                preference = saved.get(kind.id)
                if preference is None:
                    preference = NotificationPreference(user_id=user_id, kind=kind.id)
                    session.add(preference)
                preference.email = kind.id in wanted
                if by_wechat is not None:
                    preference.wechat = kind.id in by_wechat
    except IntegrityError as error:
        raise Conflict(
            _("Your settings were changed at the same time elsewhere. Please try again.")
        ) from error


# The outbox, step by step (called by jobs.drain_outbox) ----------------------------------


Claimed = TypeVar("Claimed")


@dataclass(frozen=True)
class ClaimedEmail:
    """What the job needs to send one claimed email, read while the claim was made."""

    id: int
    to_address: str
    subject: str
    body: str
    attempts: int


# Each step takes the outbox's model: OutboxEmail by default, WeChat's outbox has the same
# columns for them.


def pending_count(outbox: type = OutboxEmail) -> int:
    return db.session.scalar(select(func.count(outbox.id)).where(outbox.status == "pending"))


def due_email_ids(*, now: datetime, limit: int, outbox: type = OutboxEmail) -> list[int]:
    """Pending messages whose time has come, oldest first."""
    return list(
        db.session.scalars(
            select(outbox.id)
            .where(
                outbox.status == "pending",
                or_(outbox.next_attempt_at.is_(None), outbox.next_attempt_at <= now),
            )
            .order_by(outbox.created_at, outbox.id)
            .limit(limit)
        )
    )


def give_up_stale_claims(*, now: datetime, outbox: type = OutboxEmail) -> int:
    """Messages claimed by a drain that never reported back are marked failed, not resent:
    they may have reached the person already."""
    result = db.session.execute(
        update(outbox)
        .where(outbox.status == "sending", outbox.claimed_at < now - STALE_CLAIM)
        .values(
            status="failed",
            last_error="Interrupted while sending; it may or may not have been delivered.",
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def claim(
    row_id: int, read: type[Claimed], *, token: str, now: datetime, outbox: type = OutboxEmail
) -> Claimed | None:
    """Take a pending message for this drain and read the columns `read` names (a dataclass
    whose fields are the outbox's columns); None when another drain was quicker.

    One conditional UPDATE, so of two drains racing for a row exactly one gets it, on
    SQLite (one writer at a time) and on PostgreSQL (the row lock, then WHERE re-checked).
    """
    result = db.session.execute(
        update(outbox)
        .where(outbox.id == row_id, outbox.status == "pending")
        .values(status="sending", claimed_by=token, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    columns = [getattr(outbox, field.name) for field in fields(read)]
    return read(*db.session.execute(select(*columns).where(outbox.id == row_id)).one())


def claim_email(email_id: int, *, token: str, now: datetime) -> ClaimedEmail | None:
    """Take a pending email for this drain and read what sending it needs."""
    return claim(email_id, ClaimedEmail, token=token, now=now)


def mark_sent(
    email: Any, *, token: str, now: datetime, outbox: type = OutboxEmail, **values: Any
) -> None:
    """Record a claimed message (anything with `id` and `attempts`) as sent; `values`
    are further columns to set."""
    db.session.execute(
        update(outbox)
        .where(outbox.id == email.id, outbox.claimed_by == token)
        .values(status="sent", sent_at=now, attempts=email.attempts + 1, last_error=None, **values)
        .execution_options(synchronize_session=False)
    )


def record_failure(
    email: Any,
    error: str,
    *,
    token: str,
    permanent: bool,
    max_attempts: int,
    now: datetime,
    outbox: type = OutboxEmail,
    **values: Any,
) -> str:
    """Count a failed attempt: back to pending for a later try (waiting longer each
    time), or failed when the server refused for good or the attempts are used up.
    Returns the new status."""
    attempts = email.attempts + 1
    status = "failed" if permanent or attempts >= max_attempts else "pending"
    delay = min(RETRY_DELAY * 2 ** (attempts - 1), MAX_RETRY_DELAY)
    db.session.execute(
        update(outbox)
        .where(outbox.id == email.id, outbox.claimed_by == token)
        .values(
            status=status,
            attempts=attempts,
            last_error=error[:ERROR_LENGTH],
            next_attempt_at=now + delay if status == "pending" else None,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    return status


def personal_data_of(user: User) -> dict[str, Any]:
    """The person's notifications and email choices, for their personal data export."""
    notes = db.session.scalars(notifications_query(user.id)).all()
    return {
        "notifications": [
            fields_of(note, "id", "kind", "title", "body", "link", "created_at", "read_at")
            for note in notes
        ],
        "email_choices": {choice.kind.id: choice.email for choice in email_choices(user.id)},
    }


def forget_person(user: User) -> None:
    """On anonymisation: notifications and their emails name the person, so they go."""
    theirs = select(Notification.id).where(Notification.user_id == user.id)
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.notification_id.in_(theirs)))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(
        delete(NotificationPreference).where(NotificationPreference.user_id == user.id)
    )


def connect_hooks() -> None:
    """This feature's sections of the personal data export, what anonymising forgets, and
    the bell's count read with the person."""
    hooks.PAGE_COUNTS.connect(unread_column)
    personal_data.register_section(
        "notifications",
        _l("Notifications"),
        personal_data_of,
        covers={
            "notifications.user_id": "notifications",
            "notification_preferences.user_id": "email_choices",
        },
        forget=forget_person,
    )
