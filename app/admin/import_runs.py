"""Large roster imports as a job: the admin confirms, the `admin.run_imports` job applies
the file chunk by chunk, and the run's page shows rows done out of the total meanwhile.

An import of more than IMPORT_INLINE_ROWS rows to create or update would outlast the web
worker's timeout, so it is queued instead of applied in the request. Smaller ones are
applied in the request, as before.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import services as accounts
from app.admin import roster, roster_apply
from app.admin.models import ImportRun
from app.common.time import utcnow
from app.extensions import db


def runs_as_job(token: str, *, actor, now: datetime | None = None) -> bool:
    """Whether confirming this kept upload is too large for one request."""
    upload = roster.load_upload(token, actor=actor, now=now)
    return upload.rows_to_apply > current_app.config["IMPORT_INLINE_ROWS"]


def queue_roster_import(
    token: str, *, actor, initial_password: str | None = None, now: datetime | None = None
) -> ImportRun:
    """Queue a previewed upload for the job; the initial password is checked and hashed
    now, so neither the job nor the database ever holds it."""
    now = now or utcnow()
    upload = roster.load_upload(token, actor=actor, now=now)
    run = ImportRun(
        kind="roster",
        state="queued",
        filename=upload.filename[:255],
        token=token,
        password_hash=roster_apply.initial_password_hash(initial_password),
        rows_total=upload.rows_to_apply,
        rows_done=0,
        counts={},
        error="",
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(run)
    db.session.flush()
    return run


def next_queued() -> ImportRun | None:
    return db.session.scalar(
        select(ImportRun).where(ImportRun.state == "queued").order_by(ImportRun.id).limit(1)
    )


def fail_abandoned(*, now: datetime) -> int:
    """Runs still marked running when the job starts again belong to a process that died."""
    runs = list(db.session.scalars(select(ImportRun).where(ImportRun.state == "running")))
    for run in runs:
        _finish(run, "failed", now=now, error=abandoned_message())
    return len(runs)


def abandoned_message() -> str:
    return _(
        "The import stopped before it finished. The rows imported so far stay; upload the "
        "file again to import the rest."
    )


def start(run: ImportRun, *, now: datetime) -> None:
    run.state = "running"
    run.started_at = now
    db.session.flush()


def record_progress(run_id: int, done: int, total: int) -> None:
    run = db.session.get(ImportRun, run_id)
    run.rows_done, run.rows_total = done, total
    db.session.flush()


def apply(run: ImportRun, *, now: datetime, checkpoint: roster_apply.Checkpoint) -> dict[str, int]:
    """Apply the run's upload as its admin confirmed it (see `roster.confirm_import`)."""
    actor = accounts.get_person(run.created_by_id)
    return roster.confirm_import(
        run.token, actor=actor, password_hash=run.password_hash, now=now, checkpoint=checkpoint
    )


def succeed(run_id: int, counts: dict[str, int], *, now: datetime) -> None:
    run = db.session.get(ImportRun, run_id)
    run.counts = counts
    run.rows_done = run.rows_total
    _finish(run, "succeeded", now=now)
    roster.discard_upload(run.token)


def fail(run_id: int, message: str, *, now: datetime) -> None:
    """The run failed; chunks it committed before stay, and are audited."""
    _finish(db.session.get(ImportRun, run_id), "failed", now=now, error=message)


def _finish(run: ImportRun, state: str, *, now: datetime, error: str = "") -> None:
    if state == "failed" and run.rows_done:
        roster.record_stopped_import(
            run.token,
            actor=accounts.get_person(run.created_by_id),
            rows_done=run.rows_done,
            error=error,
            now=now,
        )
    run.state = state
    run.error = error
    run.finished_at = now
    run.password_hash = None
    db.session.flush()
