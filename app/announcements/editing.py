"""Editing an announcement's title and body.

A scheduled one is simply changed: nobody has seen it yet. Once it has gone out, the text
it had is kept as a version (who replaced it, when) before it is changed, so the writer
and the team's coordinators can see what the recipients were told; the recipients see
the current text and when it was edited. A withdrawn one is not edited. The change is a
conditional UPDATE on the text and status that were read, so of two edits at once one
wins and the other is refused, and no version is kept twice.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.announcements import services
from app.announcements.models import Announcement, AnnouncementVersion
from app.announcements.services import clean_body, clean_title
from app.audit import services as audit
from app.common.db import update_if
from app.common.time import utcnow
from app.errors import Conflict, Forbidden
from app.extensions import db


def may_edit(actor: User, announcement: Announcement) -> bool:
    """Its writer, or an admin (the team's other coordinators see it but do not edit it)."""
    return actor.has_role("admin") or announcement.author_id == actor.id


def editable(actor: User, announcement_id: int) -> Announcement:
    """The announcement `actor` may edit: NotFound for those who may not see it, Forbidden
    for the team's other coordinators."""
    announcement = services.managed(actor, announcement_id)
    if not may_edit(actor, announcement):
        raise Forbidden(_("Only its writer or an administrator can edit an announcement."))
    return announcement


def edit(
    actor: User,
    announcement: Announcement,
    *,
    title: str | None,
    body: str | None,
    now: datetime | None = None,
) -> bool:
    """Change its title and body as `actor`; False when nothing changed."""
    now = now or utcnow()
    if not may_edit(actor, announcement):
        raise Forbidden(_("Only its writer or an administrator can edit an announcement."))
    if announcement.status == "withdrawn":
        raise Conflict(_("A withdrawn announcement cannot be edited."))
    title, body = clean_title(title), clean_body(body)
    before = {"title": announcement.title, "body": announcement.body}
    if before == {"title": title, "body": body}:
        return False
    went_out = announcement.status != "scheduled"
    changed = update_if(
        announcement,
        Announcement.status == announcement.status,
        Announcement.title == before["title"],
        Announcement.body == before["body"],
        title=title,
        body=body,
        **({"edited_at": now} if went_out else {}),
    )
    if not changed:
        raise Conflict(_("The announcement was changed meanwhile; please open it again."))
    if went_out:
        db.session.add(
            AnnouncementVersion(
                announcement_id=announcement.id, editor_id=actor.id, edited_at=now, **before
            )
        )
        db.session.flush()
    audit.record(
        "announcements.edited",
        announcement,
        actor=actor,
        before=before,
        after={"title": title, "body": body},
        now=now,
    )
    return True


def versions(announcement: Announcement) -> list[AnnouncementVersion]:
    """Its earlier texts, newest first."""
    return list(
        db.session.scalars(
            select(AnnouncementVersion)
            .where(AnnouncementVersion.announcement_id == announcement.id)
            .order_by(AnnouncementVersion.id.desc())
        )
    )
