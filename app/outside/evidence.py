"""A claim's evidence file: a PDF, JPEG or PNG checked by its first bytes (never by its
name or the browser's MIME type), at most OUTSIDE_EVIDENCE_MAX_MB, kept as
UPLOAD_DIR/outside/<random>.<real extension> and served only to the claimant and the
coordinators who may decide the claim."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from app.common.uploads import MB, display_name, megabytes, sniff, store_checked, upload_dir
from app.errors import InvalidInput
from app.outside.models import OutsideClaim

ACCEPTED = ("application/pdf", "image/jpeg", "image/png")


def directory() -> Path:
    return upload_dir("outside")


def max_bytes() -> int:
    return current_app.config["OUTSIDE_EVIDENCE_MAX_MB"] * MB


def _check(size: int, head: bytes) -> str:
    if size == 0:
        raise InvalidInput(_("The file is empty."), field="evidence")
    found = sniff(head)
    if found is None or found[1] not in ACCEPTED:
        raise InvalidInput(
            _("The evidence must be a PDF or a photo (JPEG or PNG)."), field="evidence"
        )
    return found[1]


def store(upload: FileStorage | None) -> dict[str, Any]:
    """The evidence columns of a new claim for the file sent (none when no file was
    chosen); InvalidInput, and nothing kept, when it is empty, too large or of another type."""
    if upload is None or not upload.filename:
        return {}
    limit = max_bytes()
    try:
        stored = store_checked(
            upload,
            directory(),
            max_bytes=limit,
            too_large=_("The evidence file is larger than %(mb)s MB.", mb=megabytes(limit)),
            check=_check,
        )
    except InvalidInput as refused:  # shown on the claim form's evidence field
        raise InvalidInput(refused.message, field="evidence") from None
    return {
        "evidence_file": stored.storage_name,
        "evidence_name": display_name(upload.filename) or stored.storage_name,
        "evidence_type": stored.mime_type,
        "evidence_size": stored.size,
    }


def path(claim: OutsideClaim) -> Path | None:
    """Where its evidence file is kept, or None when it has none."""
    return directory() / claim.evidence_file if claim.evidence_file else None


def discard(fields: dict[str, Any]) -> None:
    """Remove a stored file that no claim took (the claim was refused after storing)."""
    if fields.get("evidence_file"):
        (directory() / fields["evidence_file"]).unlink(missing_ok=True)
