"""Run one job now: take its lock, record the run, call the function, commit once.

`run_job` is a job's transaction boundary, as a view is a request's: it commits the
"running" record first (so the history shows a job in progress), then the job's own work
together with the "succeeded" record. When the job fails, its work is rolled back and the
"failed" record, with the end of the traceback, is committed instead; the error does not
propagate, so a scheduler keeps going.

When another run of the same job holds the lock (another process, the scheduler, an admin's
click), this run does nothing and is recorded as "skipped", whatever started it; callers
tell the person so (the CLI exits non-zero, the admin page shows a warning).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from app.audit import services as audit
from app.common.time import utcnow
from app.errors import is_busy_database
from app.extensions import db
from jobs import registry, specs
from jobs.lock import Holder, Lease
from jobs.models import TRIGGERS, JobRun

log = logging.getLogger("jobs")
ERROR_LINES = 25
ERROR_CHARS = 4000


def lock_name(job_id: str) -> str:
    return f"job:{job_id}"


def run_job(
    job_id: str, *, trigger: str, actor: Any | None = None, now: datetime | None = None
) -> JobRun:
    """Run `job_id` once unless another run of it is in progress; return the recorded run.

    Raises NotFound for an unknown id. `now` is the job's clock (the run's start time).
    """
    spec = registry.get_job(job_id)
    if trigger not in TRIGGERS:
        raise ValueError(f"unknown trigger {trigger!r}")
    started = now or utcnow()
    lease = Lease(lock_name(job_id), seconds=current_app.config["JOB_LOCK_LEASE_SECONDS"])
    try:
        acquired = lease.acquire()
    except OperationalError as error:
        if not is_busy_database(error):
            raise
        # Another process held the database's write lock past the busy timeout: this run
        # is skipped for that reason (recorded if the database lets us, else raised).
        return _record_skipped(spec, trigger, actor, started, None, busy=True)
    if not acquired:
        return _record_skipped(spec, trigger, actor, started, lease.holder())
    try:
        with lease.keep_alive():
            return _execute(spec, trigger, actor, started)
    finally:
        try:
            lease.release()
        except Exception:  # the lease runs out by itself; the run's outcome is what matters
            log.exception("Could not release the lock of job %s", job_id)


def _new_run(spec: specs.JobSpec, trigger: str, actor: Any | None, started: datetime, status):
    return JobRun(
        job_id=spec.id,
        started_at=started,
        status=status,
        trigger=trigger,
        started_by_id=getattr(actor, "id", None),
        host=socket.gethostname()[:255],
        pid=os.getpid(),
    )


def skip_reason(holder: Holder | None, *, busy: bool = False) -> str:
    """Why a run was skipped, as the job history keeps it: who holds the job's lease and
    since when, or that the database itself was locked by another writer."""
    if busy:
        return (
            "The database was busy: another process held its write lock longer than the "
            "busy timeout, so the job's lease could not be taken."
        )
    if holder is None:
        return "Another run held the lock and has just released it."
    since = holder.acquired_at.strftime("%Y-%m-%d %H:%M:%S UTC") if holder.acquired_at else "?"
    until = holder.expires_at.strftime("%H:%M:%S UTC") if holder.expires_at else "?"
    return f"Another run holds the lock: {holder.owner}, since {since}, lease until {until}."


def _record_skipped(
    spec, trigger, actor, started, holder: Holder | None, *, busy: bool = False
) -> JobRun:
    run = _new_run(spec, trigger, actor, started, "skipped")
    run.finished_at = started
    run.error = skip_reason(holder, busy=busy)
    db.session.add(run)
    db.session.commit()
    log.info("Job %s skipped: %s", spec.id, run.error)
    return run


def _close_abandoned_runs(job_id: str) -> None:
    """Runs still marked running while we hold the lock belong to a process that died."""
    db.session.execute(
        update(JobRun)
        .where(JobRun.job_id == job_id, JobRun.status == "running")
        .values(
            status="failed",
            finished_at=utcnow(),
            error="The process running this job stopped before it finished.",
        )
    )


def _format_error(error: BaseException) -> str:
    lines = "".join(traceback.format_exception(error)).splitlines()
    return "\n".join(lines[-ERROR_LINES:])[-ERROR_CHARS:]


def _execute(spec: specs.JobSpec, trigger: str, actor: Any | None, started: datetime) -> JobRun:
    _close_abandoned_runs(spec.id)
    run = _new_run(spec, trigger, actor, started, "running")
    db.session.add(run)
    db.session.flush()
    if actor is not None:
        audit.record(
            "jobs.started",
            audit.Subject("job", spec.id),
            actor=actor,
            after={"run": run.id, "trigger": trigger},
        )
    db.session.commit()
    run_id = run.id
    clock = time.monotonic()
    try:
        counts = registry.call(spec, now=started)
        run = db.session.get(JobRun, run_id)
        run.status = "succeeded"
        run.counts = counts
        run.finished_at = started + timedelta(seconds=time.monotonic() - clock)
        db.session.commit()
    except BaseException as error:
        db.session.rollback()
        run = db.session.get(JobRun, run_id)
        run.status = "failed"
        run.error = _format_error(error)
        run.finished_at = started + timedelta(seconds=time.monotonic() - clock)
        db.session.commit()
        log.error("Job %s failed: %s", spec.id, run.error_summary)
        if not isinstance(error, Exception):  # Ctrl+C, SystemExit: recorded, then stop
            raise
        return run
    log.info("Job %s succeeded: %s", spec.id, counts)
    return run
