"""Uploaded audio, video and images: checked by content, size-capped, stored outside
`static/` under random names.

Only the first bytes decide what a file is (`sniff`); the name and the browser's MIME type
are never trusted, so an executable renamed to .mp3 is refused and the stored file gets
the extension of what it really is. SVG is refused too: it may carry scripts.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.columns import catalogue
from app.columns.models import ContentColumn, Contribution, MediaFile
from app.common.time import utcnow
from app.errors import InvalidInput
from app.extensions import db

MB = 1024 * 1024
COVER_MAX_MB = 5
CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 64
ORIGINAL_NAME_MAX = 200
PURPOSES = ("media", "cover")

MEDIA_KIND_LABELS = {"audio": _l("audio"), "video": _l("video"), "image": _l("image")}


@dataclass(frozen=True)
class Format:
    kind: str
    mime_type: str
    extension: str
    label: str


FORMATS = {
    format.mime_type: format
    for format in (
        Format("audio", "audio/mpeg", ".mp3", "MP3"),
        Format("audio", "audio/mp4", ".m4a", "M4A"),
        Format("audio", "audio/wav", ".wav", "WAV"),
        Format("audio", "audio/ogg", ".ogg", "OGG"),
        Format("audio", "audio/flac", ".flac", "FLAC"),
        Format("video", "video/mp4", ".mp4", "MP4"),
        Format("video", "video/quicktime", ".mov", "MOV"),
        Format("video", "video/webm", ".webm", "WebM"),
        Format("image", "image/jpeg", ".jpg", "JPEG"),
        Format("image", "image/png", ".png", "PNG"),
        Format("image", "image/gif", ".gif", "GIF"),
        Format("image", "image/webp", ".webp", "WebP"),
    )
}

# ISO base media files ("....ftyp<brand>"): the major brand tells audio from video.
FTYP_BRANDS = {
    b"M4A ": "audio/mp4",
    b"M4B ": "audio/mp4",
    b"qt  ": "video/quicktime",
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash"),
        "video/mp4",
    ),
}
# Fixed signatures at the start of the file.
PREFIXES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"OggS", "audio/ogg"),
    (b"fLaC", "audio/flac"),
    (b"ID3", "audio/mpeg"),
    (b"\x1a\x45\xdf\xa3", "video/webm"),
)
RIFF_FORMS = {b"WAVE": "audio/wav", b"WEBP": "image/webp"}


def _is_mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: 11 sync bits, then a version, layer, bitrate and sample
    rate that are not the reserved values (so random bytes starting 0xFF rarely pass)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0b00 and bitrate != 0b1111 and sample_rate != 0b11


def _sniff_mime(head: bytes) -> str | None:
    for prefix, mime_type in PREFIXES:
        if head.startswith(prefix):
            return mime_type
    if head[:4] == b"RIFF":
        return RIFF_FORMS.get(head[8:12])
    if head[4:8] == b"ftyp":
        return FTYP_BRANDS.get(head[8:12])
    if _is_mpeg_frame(head):
        return "audio/mpeg"
    return None


def sniff(head: bytes) -> tuple[str, str] | None:
    """(kind, MIME type) that the first bytes of a file show, or None when unknown."""
    mime_type = _sniff_mime(head)
    return (FORMATS[mime_type].kind, mime_type) if mime_type else None


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
    path = Path(current_app.config["UPLOAD_DIR"]) / "media"
    path.mkdir(parents=True, exist_ok=True)
    return path


def media_path(media: MediaFile) -> Path:
    return media_dir() / media.storage_name


def megabytes(size: int) -> str:
    return f"{size / MB:.0f}" if size % MB == 0 else f"{size / MB:.1f}"


def _copy_capped(
    upload: FileStorage, target: BinaryIO, max_bytes: int, too_large: str
) -> tuple[int, str, bytes]:
    """Copy the upload into `target` in chunks, stopping once it passes `max_bytes` (with the
    message `too_large`): (size, sha256, first bytes)."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := upload.stream.read(CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise InvalidInput(too_large, field="file")
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
        digest.update(chunk)
        target.write(chunk)
    return size, digest.hexdigest(), head


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


def _display_name(filename: str | None) -> str:
    """The name the person's device gave the file, for display only: no folders, no
    control characters, truncated."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:ORIGINAL_NAME_MAX]


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
    handle, name = tempfile.mkstemp(dir=media_dir(), prefix=".upload-")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            size, sha256, head = _copy_capped(upload, target, max_bytes, too_large)
        mime_type = _check_content(size, head, kinds)
        storage_name = secrets.token_hex(16) + FORMATS[mime_type].extension
        os.replace(temporary, temporary.with_name(storage_name))
    except Exception:
        temporary.unlink(missing_ok=True)
        raise
    media = MediaFile(
        owner_id=owner.id,
        kind=FORMATS[mime_type].kind,
        mime_type=mime_type,
        size=size,
        sha256=sha256,
        storage_name=storage_name,
        original_name=_display_name(upload.filename),
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
