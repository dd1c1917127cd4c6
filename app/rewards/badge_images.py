"""A badge's uploaded image: a JPEG, PNG or WebP checked by its first bytes (never by its
name or the browser's MIME type), at most BADGE_IMAGE_MAX_BYTES, then decoded with Pillow
and written again as a PNG of at most IMAGE_SIDE pixels a side (which also drops anything
hidden in the original's metadata). SVG is refused: it may carry scripts. Kept as
UPLOAD_DIR/badges/<random>.png and served to everyone, as badges are public."""

from __future__ import annotations

import re
import secrets
import warnings
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from werkzeug.datastructures import FileStorage

from app.common.uploads import MB, megabytes, sniff, store_checked, upload_dir
from app.errors import InvalidInput

ACCEPTED = ("image/jpeg", "image/png", "image/webp")
BADGE_IMAGE_MAX_BYTES = 2 * MB
IMAGE_SIDE = 256  # the stored image's longest side, in pixels
SOURCE_SIDE_MAX = 4096  # larger originals are refused (and no decompression bombs)
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.png$")


def directory() -> Path:
    return upload_dir("badges")


def _check(size: int, head: bytes) -> str:
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="image")
    found = sniff(head)
    if found is None or found[1] not in ACCEPTED:
        raise InvalidInput(_("The image must be a JPEG, PNG or WebP file."), field="image")
    return found[1]


def _unreadable() -> InvalidInput:
    return InvalidInput(_("The image could not be read. Please try another file."), field="image")


def _resized(source: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as original:
                if max(original.size) > SOURCE_SIDE_MAX:
                    raise InvalidInput(
                        _("The image is larger than %(n)d pixels a side.", n=SOURCE_SIDE_MAX),
                        field="image",
                    )
                original.load()
                image = original.convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise _unreadable() from None
    except Image.DecompressionBombWarning:
        raise _unreadable() from None
    image.thumbnail((IMAGE_SIDE, IMAGE_SIDE))
    return image


def store(upload: FileStorage | None) -> str:
    """The stored image's name for the file sent ("" when no file was chosen);
    InvalidInput, and nothing kept, when it is empty, too large, not an image or unreadable."""
    if upload is None or not upload.filename:
        return ""
    try:
        stored = store_checked(
            upload,
            directory(),
            max_bytes=BADGE_IMAGE_MAX_BYTES,
            too_large=_("The image is larger than %(mb)s MB.", mb=megabytes(BADGE_IMAGE_MAX_BYTES)),
            check=_check,
        )
    except InvalidInput as error:  # shown on the form's image field
        raise InvalidInput(error.message, field="image") from None
    original = directory() / stored.storage_name
    try:
        image = _resized(original)
        name = f"{secrets.token_hex(16)}.png"
        image.save(directory() / name, format="PNG")
    finally:
        original.unlink(missing_ok=True)
    return name


def path(name: str) -> Path | None:
    """Where a stored image is, or None for a name that is not one of ours."""
    if not STORED_NAME.match(name or ""):
        return None
    found = directory() / name
    return found if found.is_file() else None


def discard(name: str) -> None:
    """Remove a stored image that no badge took (the change was refused later)."""
    if name and STORED_NAME.match(name):
        (directory() / name).unlink(missing_ok=True)
