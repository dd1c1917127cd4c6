"""Uploaded audio, video and images of the columns: checked by content, size-capped,
stored outside `static/` under random names (the generic part is app/common/uploads.py).

Only the first bytes decide what a file is (`sniff`); the name and the browser's MIME type
are never trusted, so an executable renamed to .mp3 is refused and the stored file gets
the extension of what it really is. SVG is refused too: it may carry scripts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.columns import catalogue
from app.columns.models import ContentColumn, Contribution, MediaFile
from app.common.time import utcnow
from app.common.uploads import (
    FORMATS,
    KIND_LABELS,
    MB,
    display_name,
    megabytes,
    sniff,
    store_checked,
    upload_dir,
)
from app.errors import InvalidInput
from app.extensions import db

COVER_MAX_MB = 5
PURPOSES = ("media", "cover")

MEDIA_KIND_LABELS = KIND_LABELS


# Upload rules -------------------------------------------------------------------------------


def media_kinds(column: ContentColumn) -> tuple[str, ...]:
    """The kinds of main file a column takes: audio and/or video, or none."""
    return tuple(
        kind
        for kind, accepted in (("audio", column.accepts_audio), ("video", column.accepts_video))
        if accepted
    )


def max_media_bytes(column: ContentColumn) -> int:
    """The column's cap, never above config MEDIA_MAX_MB."""
    return min(column.max_media_mb, current_app.config["MEDIA_MAX_MB"]) * MB


def upload_rules(column: ContentColumn, purpose: str) -> tuple[tuple[str, ...], int]:
    """(kinds, max_bytes) for a file sent to `column`: its audio or video ("media"), or a
    cover image ("cover", 5 MB)."""
    if purpose == "cover":
        return ("image",), COVER_MAX_MB * MB
    if purpose != "media":
        raise InvalidInput(_("Unknown kind of upload."), field="purpose")
    kinds = media_kinds(column)
    if not kinds:
        raise InvalidInput(_("This column does not take audio or video files."), field="file")
    return kinds, max_media_bytes(column)


def accepted_description(kinds: tuple[str, ...]) -> str:
    """What `kinds` means in formats, for messages and form hints: audio (MP3, M4A, …)."""
    parts = []
    for kind in kinds:
        labels = ", ".join(f.label for f in FORMATS.values() if f.kind == kind)
        parts.append(f"{MEDIA_KIND_LABELS[kind]} ({labels})")
    return "; ".join(parts)


# Storing ------------------------------------------------------------------------------------


def media_dir() -> Path:
    return upload_dir("media")


def media_path(media: MediaFile) -> Path:
    return media_dir() / media.storage_name


def _check_content(size: int, head: bytes, kinds: tuple[str, ...]) -> str:
    """The MIME type of an accepted file; InvalidInput naming what this place accepts."""
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="file")
    found = sniff(head)
    accepted = accepted_description(kinds)
    if found is None:
        raise InvalidInput(
            _(
                "The file is not in a supported format. Accepted here: %(accepted)s.",
                accepted=accepted,
            ),
            field="file",
        )
    kind, mime_type = found
    if kind not in kinds:
        raise InvalidInput(
            _(
                "The file is %(kind)s, which is not accepted here. Accepted here: %(accepted)s.",
                kind=MEDIA_KIND_LABELS[kind],
                accepted=accepted,
            ),
            field="file",
        )
    return mime_type


def _daily_allowance_left(owner: User, now: datetime) -> int:
    used = db.session.scalar(
        select(func.coalesce(func.sum(MediaFile.size), 0)).where(
            MediaFile.owner_id == owner.id, MediaFile.created_at > now - timedelta(days=1)
        )
    )
    return current_app.config["MEDIA_DAILY_MB"] * MB - int(used)


def _daily_limit_message() -> str:
    return _(
        "You have uploaded %(mb)s MB in the last 24 hours, the most one person may. "
        "Please try again tomorrow.",
        mb=current_app.config["MEDIA_DAILY_MB"],
    )


def store_upload(
    owner: User,
    upload: FileStorage,
    *,
    kinds: tuple[str, ...],
    max_bytes: int,
    now: datetime | None = None,
) -> MediaFile:
    """Check and keep an uploaded file as UPLOAD_DIR/media/<random>.<real extension>.

    Nothing is kept when the file is empty, too large or not one of `kinds`, or when the
    person's uploads of the last 24 hours would pass MEDIA_DAILY_MB (a full disk is
    everyone's problem)."""
    now = now or utcnow()
    allowance = _daily_allowance_left(owner, now)
    if allowance <= 0:
        raise InvalidInput(_daily_limit_message(), field="file")
    too_large = _("The file is larger than %(mb)s MB.", mb=megabytes(max_bytes))
    if allowance < max_bytes:
        max_bytes, too_large = allowance, _daily_limit_message()
    stored = store_checked(
        upload,
        media_dir(),
        max_bytes=max_bytes,
        too_large=too_large,
        check=lambda size, head: _check_content(size, head, kinds),
    )
    mime_type = stored.mime_type
    media = MediaFile(
        owner_id=owner.id,
        kind=FORMATS[mime_type].kind,
        mime_type=mime_type,
        size=stored.size,
        sha256=stored.sha256,
        storage_name=stored.storage_name,
        original_name=display_name(upload.filename),
        created_at=now,
    )
    db.session.add(media)
    db.session.flush()
    return media


# Who sees a file ----------------------------------------------------------------------------


def _attached_to(media: MediaFile) -> list[Contribution]:
    return list(
        db.session.scalars(
            select(Contribution).where(
                or_(Contribution.media_id == media.id, Contribution.cover_id == media.id)
            )
        )
    )


def is_public(media: MediaFile) -> bool:
    """Attached (as media or cover) to a published contribution."""
    return any(item.status == "published" for item in _attached_to(media))


def can_view(user: User | None, media: MediaFile) -> bool:
    """Anyone when public; else its owner, and editors of a column it is attached to once
    the author has sent it in (editors do not see drafts, so not their files either)."""
    attached = _attached_to(media)
    if any(item.status == "published" for item in attached):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id == media.owner_id:
        return True
    edited = catalogue.edited_column_ids(user)
    return any(
        item.status != "draft" and (edited is None or item.column_id in edited) for item in attached
    )


UNATTACHED_KEEP = timedelta(days=2)


def prune_unattached(*, now: datetime | None = None) -> dict[str, int]:
    """Delete uploads that no contribution uses, two days after they were made (an author
    who uploaded and never saved): the row and the file."""
    now = now or utcnow()
    used = (
        select(Contribution.media_id)
        .where(Contribution.media_id.is_not(None))
        .union(select(Contribution.cover_id).where(Contribution.cover_id.is_not(None)))
    )
    stale = list(
        db.session.scalars(
            select(MediaFile).where(
                MediaFile.created_at < now - UNATTACHED_KEEP, MediaFile.id.not_in(used)
            )
        )
    )
    for media in stale:
        media_path(media).unlink(missing_ok=True)
        db.session.delete(media)
    db.session.flush()
    return {"deleted": len(stale)}
