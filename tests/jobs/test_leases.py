"""A job's lease: kept for as long as the job runs, however long that is, and a run that
cannot take it is recorded as skipped with the true reason (who holds it and since when, or
a database locked by another writer), never as a missing table."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from jobs import runner
from jobs.lock import Lease
from jobs.models import JobRun
from jobs.runner import lock_name, run_job
from tests.jobs import sample_jobs

LEASE_SECONDS = 1


def _locked() -> OperationalError:
    return OperationalError("UPDATE job_locks", {}, sqlite3.OperationalError("database is locked"))


def test_a_skipped_run_names_who_holds_the_lease_and_since_when(db, register_job):
    register_job("tests.counting", "counting")
    other = Lease(lock_name("tests.counting"), seconds=60)
    assert other.acquire()
    since = other.holder().acquired_at

    run = run_job("tests.counting", trigger="manual")

    assert run.status == "skipped"
    assert other.owner in run.error
    assert since.strftime("%Y-%m-%d %H:%M:%S") in run.error
    assert sample_jobs.CALLS == []


def test_a_job_running_longer_than_its_lease_keeps_it_and_a_second_run_is_skipped(
    app, db, register_job, monkeypatch
):
    monkeypatch.setitem(app.config, "JOB_LOCK_LEASE_SECONDS", LEASE_SECONDS)
    register_job("tests.working", "working")
    sample_jobs.WORKING_STARTED.clear()
    sample_jobs.WORKING_STOP.clear()
    first: list[JobRun] = []

    def long_run() -> None:
        with app.app_context():
            run = run_job("tests.working", trigger="scheduler")
            first.append((run.status, run.error))

    thread = threading.Thread(target=long_run)
    thread.start()
    try:
        assert sample_jobs.WORKING_STARTED.wait(30)
        holder = Lease(lock_name("tests.working"), seconds=LEASE_SECONDS).holder()
        time.sleep(3 * LEASE_SECONDS)  # well past the first lease: only renewals keep it

        second = run_job("tests.working", trigger="manual")
        now_holder = Lease(lock_name("tests.working"), seconds=LEASE_SECONDS).holder()
    finally:
        sample_jobs.WORKING_STOP.set()
        thread.join(60)

    assert second.status == "skipped", second.error
    assert holder.owner in second.error
    assert now_holder.owner == holder.owner  # never lost, never taken over
    assert now_holder.expires_at > holder.expires_at  # renewed
    assert first == [("succeeded", None)]


def test_a_locked_database_skips_the_run_with_that_reason(db, register_job, monkeypatch):
    register_job("tests.counting", "counting")

    def locked(self, **kwargs):
        raise _locked()

    monkeypatch.setattr(Lease, "acquire", locked)
    run = run_job("tests.counting", trigger="scheduler")

    assert run.status == "skipped"
    assert "busy" in run.error
    assert sample_jobs.CALLS == []


def test_the_cli_says_a_locked_database_is_busy_not_missing_tables(
    app, db, register_job, monkeypatch
):
    register_job("tests.counting", "counting")

    def locked(*args, **kwargs):
        raise _locked()

    monkeypatch.setattr(runner, "run_job", locked)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "tests.counting"])

    assert result.exit_code != 0
    assert "busy" in result.output
    assert "db upgrade" not in result.output


@pytest.mark.parametrize("job_id", ["tests.counting"])
def test_the_skipped_reason_is_kept_in_the_history(db, register_job, job_id):
    register_job(job_id, "counting")
    assert Lease(lock_name(job_id), seconds=60).acquire()
    run_job(job_id, trigger="cli")
    db.session.expire_all()
    run = db.session.scalar(select(JobRun).where(JobRun.job_id == job_id))
    assert run.status == "skipped" and "since" in run.error
