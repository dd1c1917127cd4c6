"""Roster import, the flow: keeping the uploaded file under a token between preview and
confirm, and the preview, confirm and review the views call.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from app.admin.roster_apply import Checkpoint, apply_plan, initial_password_hash
from app.admin.roster_plan import CREATE, TOKEN, UPDATE, UPLOAD_LIFETIME, RosterPlan, plan_import
from app.audit import services as audit
from app.common.time import utcnow
from app.errors import Conflict, NotFound


@dataclass
class StoredUpload:
    token: str
    data: bytes
    filename: str
    sha256: str
    uploaded_by: int
    uploaded_at: datetime
    rejected_lines: set[int]
    rows_to_apply: int = 0  # created or updated, as the preview said


class RosterChanged(Conflict):
    """Rows the preview accepted are now rejected; carries the new plan."""

    def __init__(self, message: str, plan: RosterPlan) -> None:
        super().__init__(message)
        self.plan = plan


# The kept upload ---------------------------------------------------------------------------


def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "roster"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _paths(token: str) -> tuple[Path, Path]:
    if not TOKEN.fullmatch(token or ""):
        raise NotFound(_("This upload has expired. Please upload the file again."))
    directory = _upload_dir()
    return directory / f"{token}.upload", directory / f"{token}.json"


def _remove_stale_uploads(now: datetime) -> None:
    for meta in _upload_dir().glob("*.json"):
        try:
            uploaded_at = datetime.fromisoformat(json.loads(meta.read_text())["uploaded_at"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if now - uploaded_at > UPLOAD_LIFETIME:
            for path in _paths(meta.stem):
                path.unlink(missing_ok=True)


def store_upload(
    data: bytes, filename: str, plan: RosterPlan, *, actor, now: datetime | None = None
) -> str:
    """Keep the uploaded file for the confirm step; returns its token."""
    now = now or utcnow()
    _remove_stale_uploads(now)
    token = secrets.token_urlsafe(24)
    data_path, meta_path = _paths(token)
    data_path.write_bytes(data)
    meta = {
        "filename": (filename or "")[:200],
        "sha256": hashlib.sha256(data).hexdigest(),
        "uploaded_by": actor.id,
        "uploaded_at": now.isoformat(),
        "rejected_lines": sorted(row.line for row in plan.rejected),
        "rows_to_apply": plan.counts[CREATE] + plan.counts[UPDATE],
    }
    meta_path.write_text(json.dumps(meta))
    return token


def remember_rejections(token: str, plan: RosterPlan) -> None:
    """The admin has now seen `plan`; its rejected rows are the ones to skip."""
    _, meta_path = _paths(token)
    meta = json.loads(meta_path.read_text())
    meta["rejected_lines"] = sorted(row.line for row in plan.rejected)
    meta_path.write_text(json.dumps(meta))


def load_upload(token: str, *, actor, now: datetime | None = None) -> StoredUpload:
    now = now or utcnow()
    data_path, meta_path = _paths(token)
    expired = NotFound(_("This upload has expired. Please upload the file again."))
    try:
        meta = json.loads(meta_path.read_text())
        data = data_path.read_bytes()
        uploaded_at = datetime.fromisoformat(meta["uploaded_at"])
    except (OSError, ValueError, KeyError) as error:
        raise expired from error
    if (
        meta.get("uploaded_by") != actor.id
        or now - uploaded_at > UPLOAD_LIFETIME
        or hashlib.sha256(data).hexdigest() != meta.get("sha256")
    ):
        raise expired
    return StoredUpload(
        token=token,
        data=data,
        filename=meta.get("filename", ""),
        sha256=meta["sha256"],
        uploaded_by=meta["uploaded_by"],
        uploaded_at=uploaded_at,
        rejected_lines=set(meta.get("rejected_lines", [])),
        rows_to_apply=meta.get("rows_to_apply", 0),
    )


def discard_upload(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


# What the views call -----------------------------------------------------------------------


def preview_import(
    data: bytes, filename: str, *, actor, now: datetime | None = None
) -> tuple[RosterPlan, str]:
    """The dry run: the plan, and a token for confirming it."""
    plan = plan_import(data, now=now)
    return plan, store_upload(data, filename, plan, actor=actor, now=now)


def confirm_import(
    token: str,
    *,
    actor,
    initial_password: str | None = None,
    password_hash: str | None = None,
    now: datetime | None = None,
    checkpoint: Checkpoint | None = None,
) -> dict[str, int]:
    """Apply a previewed file, checked again against the database as it is now.

    Any failure raises, and the caller rolls back. Without a `checkpoint` that is all or
    nothing; a checkpoint that commits keeps the chunks applied before the failure, and
    importing the same file again applies the rest (rows already there are unchanged).
    `password_hash` (from `initial_password_hash`) stands for `initial_password` when the
    import runs as a job, which must not keep the password itself.
    """
    now = now or utcnow()
    upload = load_upload(token, actor=actor, now=now)
    plan = plan_import(upload.data, now=now)
    newly_rejected = [row.line for row in plan.rejected if row.line not in upload.rejected_lines]
    if newly_rejected:
        raise RosterChanged(
            _(
                "The data changed since the preview: rows %(rows)s would now be rejected. "
                "Nothing was imported; check the new preview and confirm again.",
                rows=", ".join(str(line) for line in newly_rejected),
            ),
            plan,
        )
    if password_hash is None:
        password_hash = initial_password_hash(initial_password)
    counts = apply_plan(
        plan,
        actor=actor,
        skip_lines=upload.rejected_lines,
        password_hash=password_hash,
        now=now,
        checkpoint=checkpoint,
    )
    audit.record(
        "admin.roster_imported",
        audit.Subject("roster", upload.sha256[:16]),
        actor=actor,
        after={"file": upload.filename, **counts},
        now=now,
    )
    return counts


def record_stopped_import(
    token: str, *, actor, rows_done: int, error: str, now: datetime | None = None
) -> None:
    """Audit a confirm that failed after committing `rows_done` rows (chunk by chunk):
    those people stay, and the log must say where they came from."""
    try:
        upload = load_upload(token, actor=actor, now=now)
        object_id, filename = upload.sha256[:16], upload.filename
    except NotFound:  # the kept file has expired since
        object_id, filename = token[:16], ""
    audit.record(
        "admin.roster_import_stopped",
        audit.Subject("roster", object_id),
        actor=actor,
        after={"file": filename, "rows_done": rows_done},
        note=error[:500],
        now=now,
    )


def review_upload(token: str, *, actor, now: datetime | None = None) -> RosterPlan:
    """The preview of a kept upload, as the database is now (after a failed confirm)."""
    upload = load_upload(token, actor=actor, now=now)
    return plan_import(upload.data, now=now)
