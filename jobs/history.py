"""Reading the run history: the last run of each job, and one job's runs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from jobs import registry, specs
from jobs.models import JobRun


@dataclass
class JobStatus:
    spec: specs.JobSpec
    last_run: JobRun | None


def last_runs() -> dict[str, JobRun]:
    """The latest run of every job that has run, in one query."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job_id)
    runs = db.session.scalars(
        select(JobRun).where(JobRun.id.in_(latest)).options(selectinload(JobRun.started_by))
    )
    return {run.job_id: run for run in runs}


def overview() -> list[JobStatus]:
    last = last_runs()
    return [JobStatus(spec, last.get(spec.id)) for spec in registry.all_jobs()]


def runs_query(job_id: str) -> Select:
    return (
        select(JobRun)
        .where(JobRun.job_id == job_id)
        .options(selectinload(JobRun.started_by))
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
    )
