"""The nightly jobs in a process of their own, as the scheduler runs them beside the web:
`python -m tests.jobs.nightly_worker URL JOB...`. Prints "started", then one line of JSON:
each job's status and error, and the longest write transaction of the process."""

from __future__ import annotations

import json
import sys

from app import create_app
from app.common.db import watch_write_locks
from config import TestConfig
from jobs.runner import run_job


def main(url: str, job_ids: list[str]) -> None:
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    outcome: dict = {}
    with app.app_context(), watch_write_locks() as watch:
        print("started", flush=True)
        for job_id in job_ids:
            run = run_job(job_id, trigger="cli")
            outcome[job_id] = [run.status, run.error]
        outcome["longest_write"] = [watch.longest, watch.longest_began_with]
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
