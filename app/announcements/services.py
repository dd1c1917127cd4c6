"""Writing, sending, reading and withdrawing announcements.

The request only writes the announcement; the job `announcements.send_due` claims a due
one (a conditional UPDATE: one run wins), freezes its audience into recipient rows, and
delivers them in chunks, each recipient claimed before it is told, so two runs at once
never tell anyone twice. Services flush only; the caller commits.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, func, insert, select, update
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.announcements import attachments, audiences
from app.announcements.models import (
    BODY_LENGTH,
    SIGNUP_CHOICES,
    TITLE_LENGTH,
    Announcement,
    AnnouncementRecipient,
)
from app.audit import services as audit
from app.common.db import add_from_form, get_or_not_found, update_if
from app.common.rows import fields_of
from app.common.text import clean_line
from app.common.time import utcnow
from app.errors import Conflict, InvalidInput, NotFound
from app.extensions import db
from app.notifications import kinds
from app.notifications import services as notifications
from app.recruitment.access import can_manage_team

# Recipients told per step: the job commits after each, and goes on until none are left.
CHUNK = 500
# A time "now" typed into the form is a few seconds old when it arrives.
PAST_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class Draft:
    """What the writer typed."""

    audience: str
    target_id: int | None
    title: str
    body: str
    signups: str = "confirmed"
    among: str | None = None  # a campaign's applicants by status, or a segment
    pinned: bool = False
    send_at: datetime | None = None  # UTC; None: now
    form_token: str | None = None  # the form's one-time token: posted twice, written once


def clean_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("The announcement needs a message."), field="body")
    if len(body) > BODY_LENGTH:
        raise InvalidInput(
            _("The message is longer than %(n)d characters.", n=BODY_LENGTH), field="body"
        )
    return body


def clean_title(title: str | None) -> str:
    return clean_line(
        title,
        field="title",
        limit=TITLE_LENGTH,
        missing=_("The announcement needs a title."),
        too_long=_("The title is longer than %(n)d characters.", n=TITLE_LENGTH),
    )


def write(
    actor: User,
    draft: Draft,
    *,
    attachment: FileStorage | None = None,
    now: datetime | None = None,
) -> Announcement:
    """A new announcement to an audience `actor` may reach, sent by the job at `send_at`,
    with the optional `attachment` (checked and stored once everything else is valid).
    A draft carrying the one-time token of a form already written from gives back that
    announcement instead of a second one (a double click, or two posts at once)."""
    now = now or utcnow()
    team_id = audiences.reach(actor, draft.audience, draft.target_id, draft.among)
    title = clean_title(draft.title)
    body = clean_body(draft.body)
    if draft.signups not in SIGNUP_CHOICES:
        raise InvalidInput(_("Please choose which sign-ups to tell."), field="signups")
    if draft.send_at is not None and draft.send_at < now - PAST_SLACK:
        raise InvalidInput(_("The time to send it has already passed."), field="send_at")
    stored = attachments.store(attachment)
    announcement = Announcement(
        author_id=actor.id,
        team_id=team_id,
        audience=draft.audience,
        target_id=None if draft.audience in ("everyone", "segment") else draft.target_id,
        signups=draft.signups,
        among=draft.among if draft.audience in audiences.AMONG else None,
        title=title,
        body=body,
        pinned=draft.pinned,
        status="scheduled",
        send_at=draft.send_at or now,
        created_at=now,
        form_token=draft.form_token or None,
        **stored,
    )
    earlier = add_from_form(announcement)
    if earlier is not None:
        attachments.discard(stored)
        return earlier
    audit.record(
        "announcements.written",
        announcement,
        actor=actor,
        after={
            **fields_of(announcement, "audience", "target_id", "signups", "title"),
            "send_at": announcement.send_at.isoformat(),
        },
        now=now,
    )
    return announcement


# Sending (the job's steps) -------------------------------------------------------------


def claim_due(*, now: datetime) -> int:
    """Claim each due scheduled announcement and freeze its audience; how many were claimed."""
    due = db.session.scalars(
        select(Announcement).where(Announcement.status == "scheduled", Announcement.send_at <= now)
    ).all()
    claimed = 0
    for announcement in due:
        if not update_if(announcement, Announcement.status == "scheduled", status="sending"):
            continue
        people = audiences.recipient_ids(
            announcement.audience, announcement.target_id, announcement.signups, announcement.among
        )
        rows = select(db.literal(announcement.id), people.subquery().c.id)
        # Only the run that won the claim above gets here: a plain INSERT … SELECT.
        db.session.execute(
            insert(AnnouncementRecipient).from_select(["announcement_id", "user_id"], rows)
        )
        claimed += 1
    return claimed


def _tell(recipient: AnnouncementRecipient, *, reminder: bool, now: datetime) -> None:
    announcement = recipient.announcement
    suffix = ":reminder" if reminder else ""
    notifications.notify(
        recipient.user,
        (kinds.ANNOUNCEMENT_REMINDER if reminder else kinds.ANNOUNCEMENT).id,
        context={
            "subject": announcement.title,
            "message": announcement.body,
            "sender": announcement.author.display_name,
        },
        link=f"/announcements/{announcement.id}",
        dedupe_key=f"announcement:{announcement.id}:{recipient.user_id}{suffix}",
        now=now,
    )


def _pending(column, *conditions) -> list[AnnouncementRecipient]:
    return list(
        db.session.scalars(
            select(AnnouncementRecipient)
            .join(Announcement)
            .where(column.is_(None), Announcement.status.in_(("sending", "sent")), *conditions)
            .order_by(AnnouncementRecipient.id)
            .limit(CHUNK)
        )
    )


def deliver(*, now: datetime) -> int:
    """Tell up to one chunk of frozen recipients not yet told, and how many; each is
    claimed first (a conditional UPDATE), so a concurrent run skips them. Announcements
    with nobody left to tell become `sent`."""
    told = 0
    for recipient in _pending(AnnouncementRecipient.delivered_at):
        claimed = update_if(
            recipient, AnnouncementRecipient.delivered_at.is_(None), delivered_at=now
        )
        if claimed:
            _tell(recipient, reminder=False, now=now)
            told += 1
    left = select(AnnouncementRecipient.id).where(
        AnnouncementRecipient.announcement_id == Announcement.id,
        AnnouncementRecipient.delivered_at.is_(None),
    )
    db.session.execute(
        update(Announcement)
        .where(Announcement.status == "sending", ~left.exists())
        .values(status="sent", sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return told


def remind(*, now: datetime) -> int:
    """Send the asked-for reminders to recipients who have not read it yet, a chunk at a time."""
    reminded = 0
    rows = _pending(
        AnnouncementRecipient.reminded_at,
        Announcement.remind_at.is_not(None),
        AnnouncementRecipient.delivered_at.is_not(None),
        AnnouncementRecipient.read_at.is_(None),
    )
    for recipient in rows:
        if update_if(recipient, AnnouncementRecipient.reminded_at.is_(None), reminded_at=now):
            _tell(recipient, reminder=True, now=now)
            reminded += 1
    return reminded


# The writer's side ---------------------------------------------------------------------


def managed(actor: User, announcement_id: int) -> Announcement:
    """An announcement `actor` wrote or whose team they run; NotFound for anyone else."""
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or not may_manage(actor, announcement):
        raise NotFound(_("There is no such announcement."))
    return announcement


def may_manage(actor: User, announcement: Announcement) -> bool:
    if actor.has_role("admin") or announcement.author_id == actor.id:
        return True
    return announcement.team_id is not None and can_manage_team(actor, announcement.team_id)


def ask_reminder(actor: User, announcement: Announcement, *, now: datetime | None = None) -> None:
    """The one reminder to the unread: the job sends it."""
    now = now or utcnow()
    if announcement.status != "sent":
        raise Conflict(_("A reminder can be sent once the announcement has gone out."))
    if not update_if(announcement, Announcement.remind_at.is_(None), remind_at=now):
        raise Conflict(_("A reminder has already been sent for this announcement."))
    audit.record("announcements.reminded", announcement, actor=actor, now=now)


def withdraw(actor: User, announcement: Announcement, *, now: datetime | None = None) -> None:
    """Hide it from its recipients; whoever was not told yet is not told."""
    now = now or utcnow()
    if not update_if(
        announcement, Announcement.status != "withdrawn", status="withdrawn", withdrawn_at=now
    ):
        raise Conflict(_("This announcement has already been withdrawn."))
    audit.record("announcements.withdrawn", announcement, actor=actor, now=now)


@dataclass(frozen=True)
class Receipts:
    recipients: int
    delivered: int
    read: int
    unread: list[User]


def receipts(announcement: Announcement) -> Receipts:
    """Delivery and read counts, and who has been told and not read it yet."""
    rows = AnnouncementRecipient
    counts = db.session.execute(
        select(func.count(rows.id), func.count(rows.delivered_at), func.count(rows.read_at)).where(
            rows.announcement_id == announcement.id
        )
    ).one()
    unread = db.session.scalars(
        select(User)
        .join(rows, rows.user_id == User.id)
        .where(
            rows.announcement_id == announcement.id,
            rows.delivered_at.is_not(None),
            rows.read_at.is_(None),
        )
        .order_by(User.id)
        .limit(500)
    ).all()
    return Receipts(counts[0], counts[1], counts[2], list(unread))


def written_by(actor: User) -> list[Announcement]:
    query = select(Announcement).order_by(Announcement.id.desc()).limit(100)
    if not actor.has_role("admin"):
        query = query.where(Announcement.author_id == actor.id)
    return list(db.session.scalars(query))


# The reader's side ---------------------------------------------------------------------


def _recipient(user: User, announcement_id: int) -> AnnouncementRecipient | None:
    return db.session.scalar(
        select(AnnouncementRecipient).where(
            AnnouncementRecipient.announcement_id == announcement_id,
            AnnouncementRecipient.user_id == user.id,
            AnnouncementRecipient.delivered_at.is_not(None),
        )
    )


def read(user: User, announcement_id: int, *, now: datetime | None = None) -> Announcement:
    """The announcement as its recipient opens it, marked read; NotFound for anyone else
    and once it is withdrawn."""
    recipient = _recipient(user, announcement_id)
    if recipient is None or recipient.announcement.status == "withdrawn":
        raise NotFound(_("There is no such announcement."))
    update_if(recipient, AnnouncementRecipient.read_at.is_(None), read_at=now or utcnow())
    return recipient.announcement


def visible_to(user: User, announcement_id: int) -> Announcement:
    """The announcement if `user` manages it or was told it (and it is not withdrawn),
    without marking it read; NotFound for anyone else."""
    announcement = get(announcement_id)
    if may_manage(user, announcement):
        return announcement
    recipient = _recipient(user, announcement_id)
    if recipient is None or announcement.status == "withdrawn":
        raise NotFound(_("There is no such announcement."))
    return announcement


def received_query(user: User) -> Select:
    """The announcements told to `user` and not withdrawn, unordered (the API pages it)."""
    return _received(user.id)


def _received(user_id) -> Select:
    return (
        select(Announcement)
        .join(AnnouncementRecipient)
        .where(
            AnnouncementRecipient.user_id == user_id,
            AnnouncementRecipient.delivered_at.is_not(None),
            Announcement.status != "withdrawn",
        )
    )


def received_by(user: User, *, pinned_only: bool = False) -> list[Announcement]:
    """The announcements told to `user`, newest first (pinned ones only, for home pages)."""
    return list(db.session.scalars(_received_query(pinned_only), {"user_id": user.id}))


@functools.cache
def _received_query(pinned_only: bool) -> Select:
    """Built once (every home page asks): the person is a bound parameter."""
    query = _received(bindparam("user_id")).order_by(Announcement.send_at.desc()).limit(50)
    return query.where(Announcement.pinned.is_(True)) if pinned_only else query


def pinned_of_team(team_id: int) -> list[Announcement]:
    """The team's pinned announcements that went out and were not withdrawn."""
    return list(
        db.session.scalars(
            select(Announcement)
            .where(
                Announcement.team_id == team_id,
                Announcement.pinned.is_(True),
                Announcement.status.in_(("sending", "sent")),
            )
            .order_by(Announcement.send_at.desc())
            .limit(10)
        )
    )


def get(announcement_id: int) -> Announcement:
    return get_or_not_found(Announcement, announcement_id, _("There is no such announcement."))
