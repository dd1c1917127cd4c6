"""The one registry of scheduled jobs.

`jobs/catalogue.py` lists every job of the product; the registry starts from it, checks
each entry, and lets tests `register` and `unregister` extra ones.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from app.errors import NotFound
from jobs.catalogue import CATALOGUE
from jobs.specs import JOB_ID, JobSpec, Schedule

_JOBS: dict[str, JobSpec] = {}


def register(job_id: str, target: str, schedule: Schedule, description: Any) -> JobSpec:
    """Add a job; ids and targets are checked so a typo fails at start-up, not at 3 a.m."""
    return _add(JobSpec(job_id, target, schedule, description))


def _add(spec: JobSpec) -> JobSpec:
    if not JOB_ID.match(spec.id) or len(spec.id) > 100:
        raise ValueError(f"job ids look like 'feature.name', got {spec.id!r}")
    if ":" not in spec.target:
        raise ValueError(f"a job target looks like 'package.module:function', got {spec.target!r}")
    if spec.id in _JOBS:
        raise ValueError(f"job {spec.id} is registered twice")
    _JOBS[spec.id] = spec
    return spec


def unregister(job_id: str) -> None:
    _JOBS.pop(job_id, None)


def all_jobs() -> list[JobSpec]:
    return sorted(_JOBS.values(), key=lambda spec: spec.id)


def get_job(job_id: str) -> JobSpec:
    spec = _JOBS.get(job_id)
    if spec is None:
        raise NotFound(_("There is no job called “%(name)s”.", name=job_id))
    return spec


def call(spec: JobSpec, *, now: datetime) -> dict[str, int]:
    """Run the job's function and check what it returns."""
    result = spec.load()(now=now)
    if result is None:
        return {}
    if not isinstance(result, dict) or not all(
        isinstance(key, str) and isinstance(value, int) for key, value in result.items()
    ):
        raise TypeError(f"job {spec.id} must return a dict of counts, got {result!r}")
    return dict(result)


for _spec in CATALOGUE:
    _add(_spec)
