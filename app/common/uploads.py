"""Files people upload, checked by content: what the first bytes show (`sniff`), copied
in chunks up to a cap, kept outside `static/` under random names with the extension of what
they really are. The name and the browser's MIME type are never trusted, so an executable
renamed to .pdf is refused. SVG is refused too: it may carry scripts. Column media
(app/columns/media.py) and announcement attachments use it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Response, abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

from app.errors import InvalidInput

MB = 1024 * 1024
CHUNK_BYTES = 1024 * 1024
HEAD_BYTES = 64
ORIGINAL_NAME_MAX = 200

KIND_LABELS = {
    "audio": _l("audio"),
    "video": _l("video"),
    "image": _l("image"),
    "document": _l("PDF document"),
}


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
        Format("document", "application/pdf", ".pdf", "PDF"),
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
    (b"%PDF-", "application/pdf"),
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


def megabytes(size: int) -> str:
    return f"{size / MB:.0f}" if size % MB == 0 else f"{size / MB:.1f}"


def copy_capped(
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


def display_name(filename: str | None) -> str:
    """The name the person's device gave the file, for display only: no folders, no
    control characters, truncated."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable()).strip()
    return name[:ORIGINAL_NAME_MAX]


def upload_dir(name: str) -> Path:
    """UPLOAD_DIR/<name>, made when missing: outside `static/`, served only by views that
    check who asks."""
    path = Path(current_app.config["UPLOAD_DIR"]) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class Stored:
    size: int
    sha256: str
    mime_type: str
    storage_name: str


def store_checked(
    upload: FileStorage,
    directory: Path,
    *,
    max_bytes: int,
    too_large: str,
    check: Callable[[int, bytes], str],
) -> Stored:
    """Copy the upload into `directory` under a random name, at most `max_bytes` (else
    InvalidInput `too_large`); `check(size, first bytes)` gives its MIME type or raises
    InvalidInput. Nothing is left behind when it is refused."""
    handle, name = tempfile.mkstemp(dir=directory, prefix=".upload-")
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as target:
            size, sha256, head = copy_capped(upload, target, max_bytes, too_large)
        mime_type = check(size, head)
        storage_name = secrets.token_hex(16) + FORMATS[mime_type].extension
        os.replace(temporary, temporary.with_name(storage_name))
    except Exception:
        temporary.unlink(missing_ok=True)
        raise
    return Stored(size, sha256, mime_type, storage_name)


def send_stored(kept: Path | None, media_type: str, name: str) -> Response:
    """A stored upload as a download under the name it was sent with; 404 once it is gone."""
    if kept is None or not kept.exists():
        abort(404)
    return send_file(kept, mimetype=media_type, as_attachment=True, download_name=name)
