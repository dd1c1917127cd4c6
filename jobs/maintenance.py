"""The job system's own housekeeping."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from app.extensions import db
from jobs.models import JobRun


def prune_history(*, now: datetime) -> dict[str, int]:
    """Delete finished runs older than JOB_HISTORY_DAYS. Safe to run twice."""
    cutoff = now - timedelta(days=current_app.config["JOB_HISTORY_DAYS"])
    result = db.session.execute(
        delete(JobRun).where(JobRun.started_at < cutoff, JobRun.status != "running")
    )
    return {"deleted": result.rowcount or 0}
