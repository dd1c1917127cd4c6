"""Scheduled jobs of the admin feature: thin callers of its services."""

from __future__ import annotations

from datetime import datetime

from app.admin import datahub, import_runs
from app.common.time import utcnow
from app.errors import DomainError
from app.extensions import db


def pull_datahub(*, now: datetime) -> dict[str, int]:
    """Commits after each chunk of a large pull (see `run_imports`) and after each pull."""
    return datahub.pull_due(now=now, checkpoint=_commit)


def _commit(_done: int, _total: int) -> None:
    db.session.commit()


def run_imports(*, now: datetime) -> dict[str, int]:
    """Apply every queued import, oldest first.

    Unlike other jobs this one commits as it goes, once per chunk of IMPORT_CHUNK_ROWS: the
    progress shows on the admin's page, and on SQLite other people's writes wait for one
    chunk at most instead of the whole import.
    """
    counts = {"succeeded": 0, "failed": import_runs.fail_abandoned(now=now)}
    db.session.commit()
    while (run := import_runs.next_queued()) is not None:
        counts[_run_one(run, now=now)] += 1
    return counts


def _run_one(run, *, now: datetime) -> str:
    run_id = run.id
    import_runs.start(run, now=utcnow())
    db.session.commit()

    def checkpoint(done: int, total: int) -> None:
        import_runs.record_progress(run_id, done, total)
        db.session.commit()

    try:
        counts = import_runs.apply(run, now=now, checkpoint=checkpoint)
    except DomainError as error:
        db.session.rollback()
        import_runs.fail(run_id, str(error.message), now=utcnow())
        db.session.commit()
        return "failed"
    except Exception:
        db.session.rollback()
        import_runs.fail(run_id, import_runs.abandoned_message(), now=utcnow())
        db.session.commit()
        raise
    import_runs.succeed(run_id, counts, now=utcnow())
    db.session.commit()
    return "succeeded"
