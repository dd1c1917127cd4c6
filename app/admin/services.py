"""Admin tools. Jobs: what each scheduled job is, how its runs went, and starting one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from jobs import history, registry, runner, specs
from jobs.models import JobRun


def jobs_overview() -> list[history.JobStatus]:
    """Every registered job with its last run."""
    return history.overview()


def get_job(job_id: str) -> specs.JobSpec:
    """The job called `job_id`; NotFound otherwise."""
    return registry.get_job(job_id)


def job_runs_query(job_id: str) -> Select:
    """The runs of one job, newest first (for paging)."""
    return history.runs_query(job_id)


def start_job(job_id: str, *, actor: Any) -> JobRun:
    """Run a job now for `actor`, recording who started it (and an audit entry).

    Unlike other services this one commits: a job run is its own transaction, so its
    record survives the job's failure. Returns the run: succeeded, failed, or skipped when
    another run of the job is in progress.
    """
    return runner.run_job(job_id, trigger="manual", actor=actor)
