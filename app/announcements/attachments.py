"""An announcement's optional attachment: a PDF or a JPEG, PNG or WebP image, checked by its
first bytes (never by its name or the browser's MIME type), at most
ANNOUNCEMENT_ATTACHMENT_MAX_MB, kept as UPLOAD_DIR/announcements/<random>.<real extension>
and served only to the announcement's recipients and its team's coordinators."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.announcements.models import Announcement
from app.common.uploads import MB, display_name, megabytes, sniff, store_checked, upload_dir
from app.errors import InvalidInput

ACCEPTED = ("application/pdf", "image/jpeg", "image/png", "image/webp")


def directory() -> Path:
    return upload_dir("announcements")


def max_bytes() -> int:
    return current_app.config["ANNOUNCEMENT_ATTACHMENT_MAX_MB"] * MB


def _check(size: int, head: bytes) -> str:
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="file")
    found = sniff(head)
    if found is None or found[1] not in ACCEPTED:
        raise InvalidInput(
            _("The attachment must be a PDF or an image (JPEG, PNG or WebP)."), field="file"
        )
    return found[1]


def store(upload: FileStorage | None) -> dict[str, Any]:
    """The attachment columns of a new announcement for the file sent (none when no file
    was chosen); InvalidInput, and nothing kept, when it is empty, too large or not a PDF
    or an image."""
    if upload is None or not upload.filename:
        return {}
    limit = max_bytes()
    stored = store_checked(
        upload,
        directory(),
        max_bytes=limit,
        too_large=_("The attachment is larger than %(mb)s MB.", mb=megabytes(limit)),
        check=_check,
    )
    return {
        "attachment_file": stored.storage_name,
        "attachment_name": display_name(upload.filename) or stored.storage_name,
        "attachment_type": stored.mime_type,
        "attachment_size": stored.size,
    }


def path(announcement: Announcement) -> Path | None:
    """Where its attachment is kept, or None when it has none."""
    if not announcement.attachment_file:
        return None
    return directory() / announcement.attachment_file


def discard(fields: dict[str, Any]) -> None:
    """Remove a stored file that no announcement took (the form had already been posted)."""
    if fields.get("attachment_file"):
        (directory() / fields["attachment_file"]).unlink(missing_ok=True)
