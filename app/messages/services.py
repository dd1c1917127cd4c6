"""Messages to a team's coordinators: a volunteer starts a thread from their team or in
reply to an announcement told to them, both sides add to it, the team's coordinators share
one inbox per team with its unread / read / answered / closed state.

An announcement without a team (an admin's to everyone, a college, a segment) has no team
whose coordinators could answer: a reply to it is refused, and the volunteer is pointed to
their team instead. Someone who left a team (alumni) keeps reading their threads there but
starts no new one and adds nothing more. Services flush only; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.announcements.models import Announcement, AnnouncementRecipient
from app.audit import services as audit
from app.common.db import get_or_not_found, update_if
from app.common.names import mask_name
from app.common.text import clean_line, clean_text
from app.common.time import utcnow
from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.messages.models import BODY_LENGTH, SUBJECT_LENGTH, Message, MessageThread
from app.notifications import services as notifications
from app.notifications.kinds import MESSAGE_ANSWERED, MESSAGE_RECEIVED
from app.recruitment import membership as members
from app.recruitment.access import (
    ASK,
    active_coordinators,
    can_manage_team,
    managed_team_ids,
)
from app.recruitment.models import Membership, Team

# A member who may still write to the team: not one who has left it.
WRITING_STATUSES = ("active", "paused")
EXCERPT = 200
CLOSED = _l("This conversation is closed: please start a new message.")


@dataclass(frozen=True)
class Draft:
    """What the volunteer typed to start a thread."""

    subject: str | None
    body: str | None


def _subject(text: str | None) -> str:
    return clean_line(
        text,
        field="subject",
        limit=SUBJECT_LENGTH,
        missing=_l("Please give your message a subject."),
        too_long=_l("The subject can be at most %(n)d characters long.", n=SUBJECT_LENGTH),
    )


def _body(text: str | None) -> str:
    return clean_text(
        text,
        field="body",
        limit=BODY_LENGTH,
        missing=_l("Please write your message."),
        too_long=_l("A message can be at most %(n)d characters long.", n=BODY_LENGTH),
    )


def _is_member(user: User, team_id: int) -> bool:
    membership = members.find_membership(team_id, user.id)
    return membership is not None and membership.status in WRITING_STATUSES


def writable_teams(user: User) -> list[Team]:
    """The teams `user` may write to: those they are a member of and have not left."""
    return list(
        db.session.scalars(
            select(Team)
            .join(Membership, Membership.team_id == Team.id)
            .where(Membership.user_id == user.id, Membership.status.in_(WRITING_STATUSES))
            .order_by(Team.name)
        )
    )


def start(
    volunteer: User, team_id: int, draft: Draft, *, now: datetime | None = None
) -> MessageThread:
    """A new thread from a member of the team to its coordinators."""
    team = db.session.get(Team, team_id) if team_id else None
    if team is None:
        raise InvalidInput(_("Please choose a team."), field="team_id")
    if not _is_member(volunteer, team.id):
        raise Forbidden(_("Only members of this team can write to its coordinators."))
    return _open(volunteer, team.id, None, draft, now=now or utcnow())


def reply_to_announcement(
    volunteer: User, announcement_id: int, draft: Draft, *, now: datetime | None = None
) -> MessageThread:
    """A new thread answering an announcement told to `volunteer`, to the coordinators of
    the announcement's team."""
    announcement = announcement_to_answer(volunteer, announcement_id)
    if not (draft.subject or "").strip():  # the announcement's title is the subject
        draft = Draft(announcement.title[:SUBJECT_LENGTH], draft.body)
    return _open(volunteer, announcement.team_id, announcement.id, draft, now=now or utcnow())


def announcement_to_answer(volunteer: User, announcement_id: int) -> Announcement:
    """The announcement told to `volunteer` that they may reply to (NotFound when it was not
    told to them; Conflict when it was withdrawn or has no team to answer)."""
    told = db.session.scalar(
        select(AnnouncementRecipient).where(
            AnnouncementRecipient.announcement_id == announcement_id,
            AnnouncementRecipient.user_id == volunteer.id,
            AnnouncementRecipient.delivered_at.is_not(None),
        )
    )
    if told is None:
        raise NotFound(_("There is no such announcement."))
    announcement = told.announcement
    if announcement.status == "withdrawn":
        raise Conflict(_("This announcement was withdrawn: it can no longer be answered."))
    if announcement.team_id is None:
        raise Conflict(
            _(
                "This announcement went to everyone, not from one team: please write to "
                "your own team's coordinators from “My messages” instead."
            )
        )
    return announcement


def _open(
    volunteer: User, team_id: int, announcement_id: int | None, draft: Draft, *, now: datetime
) -> MessageThread:
    subject, body = _subject(draft.subject), _body(draft.body)
    thread = MessageThread(
        team_id=team_id,
        volunteer_id=volunteer.id,
        announcement_id=announcement_id,
        subject=subject,
        status="waiting",
        last_message_at=now,
        created_at=now,
    )
    db.session.add(thread)
    db.session.flush()
    message = _add(thread, volunteer, body, from_coordinator=False, now=now)
    _tell_coordinators(thread, message, now=now)
    return thread


def _add(
    thread: MessageThread, author: User, body: str, *, from_coordinator: bool, now: datetime
) -> Message:
    message = Message(
        thread_id=thread.id,
        author_id=author.id,
        from_coordinator=from_coordinator,
        body=body,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


# Reading ------------------------------------------------------------------------------


def is_coordinator_of(user: User, thread: MessageThread) -> bool:
    return can_manage_team(user, thread.team_id)


def get_thread(viewer: User, thread_id: int) -> MessageThread:
    """The thread, for its volunteer or a coordinator of its team; NotFound for anyone
    else (nobody learns that a thread exists)."""
    thread = db.session.get(MessageThread, thread_id)
    if thread is None or not (
        thread.volunteer_id == viewer.id or is_coordinator_of(viewer, thread)
    ):
        raise NotFound(_("There is no such message."))
    return thread


def open_thread(viewer: User, thread_id: int, *, now: datetime | None = None) -> MessageThread:
    """The thread as `viewer` opens it; a coordinator opening a waiting thread marks it read
    for the whole team's inbox."""
    thread = get_thread(viewer, thread_id)
    if is_coordinator_of(viewer, thread) and thread.volunteer_id != viewer.id:
        update_if(
            thread,
            MessageThread.read_at.is_(None),
            MessageThread.status == "waiting",
            read_at=now or utcnow(),
        )
    return thread


def messages_of(thread: MessageThread) -> list[Message]:
    """The thread's messages in order, oldest first."""
    return list(
        db.session.scalars(
            select(Message)
            .options(selectinload(Message.author))
            .where(Message.thread_id == thread.id)
            .order_by(Message.created_at, Message.id)
        )
    )


def mine(volunteer: User) -> list[MessageThread]:
    """The threads `volunteer` started, the latest activity first."""
    return list(
        db.session.scalars(
            select(MessageThread)
            .options(selectinload(MessageThread.team))
            .where(MessageThread.volunteer_id == volunteer.id)
            .order_by(MessageThread.last_message_at.desc(), MessageThread.id.desc())
            .limit(200)
        )
    )


def inbox_team(actor: User, team_id: int) -> Team:
    """The team whose inbox `actor` opens: one they coordinate (NotFound otherwise)."""
    team = db.session.get(Team, team_id)
    if team is None or not can_manage_team(actor, team):
        raise NotFound(_("There is no such team."))
    return team


def inbox(team: Team, *, status: str | None = None) -> list[MessageThread]:
    """The team's threads, those waiting for an answer first, then the latest activity."""
    waiting_first = (MessageThread.status != "waiting").asc()
    query = (
        select(MessageThread)
        .options(selectinload(MessageThread.volunteer))
        .where(MessageThread.team_id == team.id)
        .order_by(waiting_first, MessageThread.last_message_at.desc(), MessageThread.id.desc())
        .limit(200)
    )
    if status:
        query = query.where(MessageThread.status == status)
    return list(db.session.scalars(query))


def unanswered_counts(actor: User, known: Any = ASK) -> dict[int, int]:
    """Threads waiting for an answer in each team `actor` coordinates, by team id."""
    query = _waiting_threads(actor, known)
    if query is None:
        return {}
    counted = query.add_columns(func.count(MessageThread.id)).group_by(MessageThread.team_id)
    return dict(db.session.execute(counted).all())


def _waiting_threads(actor: User, known: Any = ASK) -> Select | None:
    teams = managed_team_ids(actor, known)
    if teams is not None and not teams:
        return None
    query = select(MessageThread.team_id).where(MessageThread.status == "waiting")
    return query if teams is None else query.where(MessageThread.team_id.in_(teams))


def unanswered_columns(actor: User, known: Any = ASK) -> tuple[Any, Any, Any] | None:
    """(threads waiting for an answer in the teams `actor` coordinates, how many teams hold
    them, the lowest such team's id) as scalar subqueries the coordinator's home selects with
    its other counts; None when `actor` runs no team."""
    query = _waiting_threads(actor, known)
    if query is None:
        return None
    rows = query.subquery()
    return (
        select(func.count()).select_from(rows).scalar_subquery(),
        select(func.count(rows.c.team_id.distinct())).scalar_subquery(),
        select(func.min(rows.c.team_id)).scalar_subquery(),
    )


def _totals_of_request() -> dict[int, int] | None:
    return request.__dict__.setdefault("_unanswered_total", {}) if has_request_context() else None


def remember_unanswered_total(actor: User, total: int) -> None:
    """Keep the total the desk counted for the menu's badge on the same page (this request
    only; never kept across requests)."""
    totals = _totals_of_request()
    if totals is not None:
        totals[actor.id] = total


def unanswered_total(actor: User) -> int:
    """Threads waiting for an answer in all of `actor`'s teams: the desk's count when it
    counted them in this request, else one query."""
    totals = _totals_of_request()
    if totals is not None and actor.id in totals:
        return totals[actor.id]
    total = sum(unanswered_counts(actor).values())
    remember_unanswered_total(actor, total)
    return total


def inbox_teams(actor: User) -> list[Team]:
    """The teams whose inboxes `actor` shares."""
    teams = managed_team_ids(actor)
    query = select(Team).where(Team.active.is_(True)).order_by(Team.name)
    if teams is not None:
        query = query.where(Team.id.in_(teams))
    return list(db.session.scalars(query))


# Writing in a thread -----------------------------------------------------------------


def add_message(
    author: User, thread: MessageThread, body: str | None, *, now: datetime | None = None
) -> Message:
    """Add to an open thread: the volunteer's message puts it back in the team's inbox
    (unread), a coordinator's answers it and tells the volunteer. Nothing is added to a
    closed thread."""
    now = now or utcnow()
    text = _body(body)
    coordinator = is_coordinator_of(author, thread) and author.id != thread.volunteer_id
    if not coordinator:
        _require_volunteer_may_write(author, thread)
    if thread.status == "closed":
        raise Conflict(CLOSED)
    message = _add(thread, author, text, from_coordinator=coordinator, now=now)
    state = {"status": "answered"} if coordinator else {"status": "waiting", "read_at": None}
    if not update_if(thread, MessageThread.status != "closed", last_message_at=now, **state):
        raise Conflict(CLOSED)  # closed by a coordinator meanwhile: the caller rolls back
    if coordinator:
        _tell_volunteer(thread, message, now=now)
        audit.record("messages.answered", thread, actor=author, now=now)
    else:
        _tell_coordinators(thread, message, now=now)
    return message


def may_write(user: User, thread: MessageThread) -> bool:
    """Whether `user` may add to the thread now: it is open, and they coordinate its team or
    are its volunteer and still in the team (or it answers an announcement told to them)."""
    if thread.status == "closed":
        return False
    if is_coordinator_of(user, thread):
        return True
    return thread.volunteer_id == user.id and (
        thread.announcement_id is not None or _is_member(user, thread.team_id)
    )


def _require_volunteer_may_write(author: User, thread: MessageThread) -> None:
    if thread.volunteer_id != author.id:
        raise NotFound(_("There is no such message."))
    if thread.announcement_id is None and not _is_member(author, thread.team_id):
        raise Forbidden(
            _("You have left this team: you can read this conversation but not add to it.")
        )


def mark_answered(actor: User, thread: MessageThread, *, now: datetime | None = None) -> None:
    """A coordinator marks a waiting thread answered without writing (answered elsewhere,
    by phone, in person)."""
    _require_coordinator(actor, thread)
    now = now or utcnow()
    if not update_if(
        thread,
        MessageThread.status == "waiting",
        status="answered",
        read_at=func.coalesce(MessageThread.read_at, now),
    ):
        raise Conflict(_("This conversation is not waiting for an answer."))
    audit.record("messages.marked_answered", thread, actor=actor, now=now)


def close(actor: User, thread: MessageThread, *, now: datetime | None = None) -> None:
    """A coordinator closes the thread: nothing more can be added to it."""
    _require_coordinator(actor, thread)
    now = now or utcnow()
    if not update_if(
        thread,
        MessageThread.status != "closed",
        status="closed",
        closed_at=now,
        read_at=func.coalesce(MessageThread.read_at, now),
    ):
        raise Conflict(_("This conversation is already closed."))
    audit.record("messages.closed", thread, actor=actor, now=now)


def _require_coordinator(actor: User, thread: MessageThread) -> None:
    if not is_coordinator_of(actor, thread):
        raise NotFound(_("There is no such message."))


def coordinated_thread(actor: User, thread_id: int) -> MessageThread:
    """A thread of a team `actor` coordinates (NotFound otherwise)."""
    thread = get_or_not_found(MessageThread, thread_id, _("There is no such message."))
    _require_coordinator(actor, thread)
    return thread


# Telling the other side --------------------------------------------------------------


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _tell_volunteer(thread: MessageThread, message: Message, *, now: datetime) -> None:
    notifications.notify(
        thread.volunteer,
        MESSAGE_ANSWERED.id,
        context={
            "subject": thread.subject,
            "team_name": thread.team.name,
            "author_name": message.author.display_name,
            "excerpt": _excerpt(message.body),
        },
        link=f"/messages/{thread.id}#message-{message.id}",
        dedupe_key=f"message:{message.id}:{thread.volunteer_id}",
        now=now,
    )


def _tell_coordinators(thread: MessageThread, message: Message, *, now: datetime) -> None:
    """Each active coordinator of the team (admins see every inbox but are not told). The
    volunteer's name is masked (张*三), as in a comment's notice: a coordinator's own data
    export names none of the volunteers they worked for; the thread shows it in full."""
    for coordinator in active_coordinators(thread.team_id):
        if coordinator.id == message.author_id:
            continue
        notifications.notify(
            coordinator,
            MESSAGE_RECEIVED.id,
            context={
                "subject": thread.subject,
                "team_name": thread.team.name,
                "author_name": mask_name(message.author.display_name),
                "excerpt": _excerpt(message.body),
            },
            link=f"/messages/{thread.id}#reply",
            dedupe_key=f"message:{message.id}:{coordinator.id}",
            now=now,
        )


def forget_person(user: User) -> None:
    """On anonymisation the text the person wrote is blanked; the threads stay for the
    team's record of what it was asked and answered."""
    for message in db.session.scalars(select(Message).where(Message.author_id == user.id)):
        message.body = ""
    for thread in db.session.scalars(
        select(MessageThread).where(MessageThread.volunteer_id == user.id)
    ):
        thread.subject = ""
    db.session.flush()
