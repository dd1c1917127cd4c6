"""Real processes on one database: two racing for a job's lock, two schedulers.

The processes use the test database itself (a SQLite file, or the PostgreSQL server when
TEST_DATABASE_URL names one), so the lock is tested on the database the suite runs on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from jobs.lock import Lease
from jobs.models import JobRun
from jobs.scheduler import SCHEDULER_LOCK

ROOT = Path(__file__).resolve().parents[2]


def child_env(app, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "GONGCHUANG_CONFIG": "testing",
        "TEST_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_APP": "wsgi.py",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env.pop("SCHEDULER_IN_WEB", None)
    return env


def wait_for(condition, timeout: float = 15.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


def test_two_processes_racing_for_one_job_run_it_exactly_once(app, db, tmp_path):
    marker, go = tmp_path / "ran", tmp_path / "go"
    env = child_env(app, GONGCHUANG_TEST_MARKER=str(marker), GONGCHUANG_TEST_SLEEP="1.0")
    command = [sys.executable, "-m", "tests.jobs.race_worker", env["TEST_DATABASE_URL"], str(go)]
    workers = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    try:
        for worker in workers:
            assert worker.stdout.readline().strip() == "ready"
        go.touch()  # both processes reach for the lock at the same moment
        outcomes = sorted(worker.communicate(timeout=30)[0].strip() for worker in workers)
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert outcomes == ["skipped", "succeeded"]
    assert all(worker.returncode == 0 for worker in workers)
    assert len(marker.read_text().splitlines()) == 1  # the job's body ran once
    db.session.expire_all()
    statuses = sorted(
        db.session.scalars(select(JobRun.status).where(JobRun.job_id == "tests.sleepy"))
    )
    assert statuses == ["skipped", "succeeded"]


def test_a_second_scheduler_is_refused_while_one_runs(app, db):
    env = child_env(app)
    command = [sys.executable, "-m", "flask", "jobs", "scheduler"]
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lease = Lease(SCHEDULER_LOCK, seconds=1)
    try:
        holder = wait_for(lease.holder)
        assert holder.pid == first.pid
        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30
        )
        assert second.returncode != 0
        assert f":{first.pid}:" in second.stderr  # names the running scheduler
        assert first.poll() is None  # the first one keeps running
        first.send_signal(signal.SIGTERM)
        output = first.communicate(timeout=15)[0]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, output
    assert "Scheduler stopped." in output
    assert lease.holder() is None  # a clean stop frees the lock for the next scheduler
